package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// What one run costs. The events have a part that follows the messages
// (each record produced and delivered, each record batch on each replica,
// each synchronous commit) and a part that follows simulated time (the
// fetch loops of followers and consumers, which go round every fetch wait
// even when there is nothing to fetch). The constants are fitted, in log
// space, on the runs a warning is for — the built-in baseline from 20 s to
// 300 s, with 60 to 30,000 partitions and 3 to 100 brokers, 1K to 50K
// msg/s, 3 or 12 consumers, auto and per-poll commits; the seed's peak for
// 10 s and 30 s; the hour, half hour and week of audit-point-in-time,
// changelog-restore and event-sourcing-replay — and are within 2× of the
// kernel's count on 20 of those 21 runs (0.75× to 1.57×; the one out is
// below). They overestimate runs whose followers fetch in
// large batches (replica_fetch_min_bytes: about 4× on broker-failure) or
// whose consumers cannot keep up (4× on 50K msg/s over 60 partitions), and
// underestimate runs whose retries multiply the work (3× on retry-storm).
//
//   - 0.7 events per record produced or delivered to a group;
//   - 7.5 per record batch per replica: a producer's batches are at most
//     one per partition per linger.ms (a request carries the first batch
//     of every partition it leads), and at most one per record;
//   - 18 per follower fetch connection (a broker fetches from each other
//     broker it follows) and second, and 25 per consumer fetch
//     connection and second;
//   - a group committing synchronously after (or before) each poll
//     replicates a commit to __consumer_offsets per poll: on the baseline,
//     where a poll carries a few records, 10.7 more events per delivered
//     record at ρ = 0; a poll carries more records as a consumer's rate
//     grows, so the part is capped at 17,900 events per consumer-second,
//     and it shrinks as the consumers get busy: at utilisation ρ (rate ×
//     mean processing time ÷ consumers) a poll finds a backlog and carries
//     many records, so the part is scaled by 1 − ρ. When followers fetch in
//     batches (replica_fetch_min_bytes above 1 byte) the high watermark
//     moves once per replica_fetch_wait_max at most, and a poll per
//     partition per step is the most a consumer makes.
//
// Memory: 30 MiB, 3.6 KB per partition replica (the p10k and 30,000
// partition runs), 42 bytes per replica record while it is kept (offsets,
// batch headers, indexes: payload bytes are not kept), and 0.8 bytes per
// message of history (the checker's bit, samples: the seed's peak grows
// from 455 MB at 60 s to 863 MB at 10 minutes; 771 MB since the page
// cache's extents are trimmed). A fault-free run releases
// what every group consumed (the model's release.go), so a record is kept
// about 2 s when the groups keep up, and to the end when one cannot or
// there is no group. A run with faults moves what it releases to spill
// files, on disk, and keeps the logs' sparse indexes to read them back: an
// offset and a time entry (20 bytes) per 4 KB of records per replica,
// which is most of its history (broker-failure: 70 MB at 5 minutes,
// 193 MiB at an hour, against 182 MB and 1,704 MiB when it kept every
// record). The runs cost
// 1.6M (3,000 partitions) to 5.3M (the baseline) events per wall second on
// one core; 2.5M is assumed.
const (
	eventsPerMessage         = 0.7
	eventsPerBatchReplica    = 7.5
	eventsPerFetcherSec      = 18
	eventsPerConsumerConnSec = 25
	eventsPerSyncCommitMsg   = 10.7
	eventsPerSyncConsumerSec = 17900
	bytesPerReplicaRec       = 42
	bytesPerMessage          = 0.8
	bytesPerIndexedByte      = 20.0 / 4096
	bytesPerReplica          = 3.6e3
	baseBytes                = 30 << 20
	keptSeconds              = 2.0
	eventsPerWallSecond      = 2.5e6
)

// Above either limit the run is worth a warning before it starts: about
// a minute of work, or 2 GiB of memory.
const (
	largeEvents = 100e6
	largeMemory = 2 << 30
)

// workEstimate is what a run is expected to cost before it starts. The
// costs have a part that follows the messages and a part that follows the
// partition replicas and the simulated time, so lowering the rate and
// shortening the run save different amounts.
type workEstimate struct {
	messages float64 // produced over the duration
	replicas float64 // records appended to any replica (messages × RF)
	delivers float64 // records delivered to consumer groups
	evMsg    float64 // events that follow the messages (evCommit included)
	evCommit float64 // events of synchronous commits, replicated per poll
	evTime   float64 // events that follow the fetch connections × seconds
	memMsg   float64 // bytes that follow the messages (kept records, history)
	memFixed float64 // bytes that follow the partition replicas
}

func (e workEstimate) events() float64 { return e.evMsg + e.evTime }
func (e workEstimate) memory() float64 { return baseBytes + e.memMsg + e.memFixed }

// estimateWork sizes a resolved scenario from its rates, duration,
// partitions, replication factors, brokers and groups.
func estimateWork(s *scenarios.Scenario) workEstimate {
	type topic struct {
		partitions, rf int
		groups         int
		keepsUp        bool // every group keeps up (ρ < 1)
	}
	topics := map[string]*topic{}
	secs := s.Duration.Seconds()
	brokers := max(1, s.Cluster.Brokers)
	var replicaCount, followers float64
	for _, t := range s.Topics {
		tp := &topic{partitions: max(1, t.Partitions), rf: max(1, t.ReplicationFactor), keepsUp: true}
		topics[t.Name] = tp
		replicaCount += float64(tp.partitions * tp.rf)
		followers += float64(tp.partitions * (tp.rf - 1))
	}
	// Each broker fetches from every other broker it follows a partition of.
	fetchers := math.Min(float64(brokers*(brokers-1)), followers)
	rates := map[string]float64{}
	for _, p := range s.Producers {
		rates[p.Topic] += float64(p.Rate)
	}
	var e workEstimate
	var consumerConns float64
	for _, g := range s.ConsumerGroups {
		tp := topics[g.Topic]
		if tp == nil {
			continue
		}
		tp.groups++
		consumers := max(1, g.Consumers)
		active := min(consumers, tp.partitions)
		consumerConns += float64(active * min(brokers, tp.partitions))
		var service float64
		if g.Processing.Dist != nil {
			service = g.Processing.Dist.Mean()
		}
		rho := rates[g.Topic] * service / float64(consumers)
		if !(rho < 1) {
			tp.keepsUp = false
		}
		if m, err := g.CommitMode(); err != nil || m == scenarios.CommitAuto {
			continue
		}
		if free := 1 - rho; free > 0 {
			n := rates[g.Topic] * secs
			c := min(eventsPerSyncCommitMsg*n, eventsPerSyncConsumerSec*float64(consumers)*secs)
			if s.Cluster.ReplicaFetchMinBytes > 1 && s.Cluster.ReplicaFetchWaitMax > 0 {
				steps := secs / s.Cluster.ReplicaFetchWaitMax.Seconds() * float64(tp.partitions)
				c = min(c, eventsPerSyncCommitMsg*steps)
			}
			e.evCommit += free * c
		}
	}
	var batchReplicas, kept, indexed float64
	for _, p := range s.Producers {
		tp := topics[p.Topic]
		rf, groups, partitions := 1, 0, 1
		keepsUp := false
		if tp != nil {
			rf, groups, partitions, keepsUp = tp.rf, tp.groups, tp.partitions, tp.keepsUp && tp.groups > 0
		}
		n := float64(p.Rate) * secs
		e.messages += n
		e.replicas += n * float64(rf)
		e.delivers += n * float64(groups)
		linger := math.Max(p.LingerTime().Seconds(), 1e-3)
		batchReplicas += math.Min(n, float64(partitions)*secs/linger) * float64(rf)
		if keepsUp && s.EventSourcing == nil {
			kept += float64(p.Rate) * math.Min(secs, keptSeconds) * float64(rf)
		} else {
			kept += n * float64(rf)
		}
		if len(s.Faults) > 0 && p.MessageSize.Dist != nil {
			// A run with faults spills what it releases and keeps the
			// logs' sparse indexes to read it back.
			indexed += n * float64(rf) * p.MessageSize.Dist.Mean()
		}
	}
	e.evMsg = eventsPerMessage*(e.messages+e.delivers) + eventsPerBatchReplica*batchReplicas + e.evCommit
	e.evTime = (eventsPerFetcherSec*fetchers + eventsPerConsumerConnSec*consumerConns) * secs
	e.memMsg = bytesPerReplicaRec*kept + bytesPerMessage*e.messages + bytesPerIndexedByte*indexed
	e.memFixed = bytesPerReplica * replicaCount
	return e
}

func (e workEstimate) large() bool { return e.events() >= largeEvents || e.memory() >= largeMemory }

// warnLarge prints, on stderr, what a large run will cost and how to make
// it smaller. Nothing is printed for a run below the limits. With
// variants, events add up over all of them and memory over those that run
// at once (parallel); the ways out are sized for the largest variant.
//
// A run whose estimate is more than twice the machine's memory (the
// estimate is within 1.25× on the runs it was fitted on) cannot finish: it
// is refused up front with the same ways out, exit 2, rather than left to
// run out of memory.
func warnLarge(w io.Writer, jobs []job, parallel int) error {
	var events float64
	var worst workEstimate
	var worstSc *scenarios.Scenario
	var messages, replicas float64
	for i := range jobs {
		sc := &jobs[i].ls.Scenario
		e := estimateWork(sc)
		events += e.events()
		messages += e.messages
		replicas += e.replicas
		if worstSc == nil || e.events() >= worst.events() {
			worst, worstSc = e, sc
		}
	}
	n := float64(len(jobs))
	together := float64(min(max(parallel, 1), len(jobs)))
	if parallel == 0 {
		together = n // one per CPU: assume all of them
	}
	mem := worst.memory() * together
	if events < largeEvents && mem < largeMemory {
		return nil
	}
	total := physicalMemory()
	refuse := total > 0 && mem > 2*total
	s := worstSc
	var b strings.Builder
	what := "this run is large"
	if len(jobs) > 1 {
		what = fmt.Sprintf("these %d variants are large", len(jobs))
	}
	fmt.Fprintf(&b, "mqsim: %s: about %s messages, %s replica writes, %s events and %s of memory (roughly %s of work at %s events/s)\n",
		what, units.FormatSI(messages), units.FormatSI(replicas), units.FormatSI(events),
		units.FormatBytes(mem), roughTime(events/eventsPerWallSecond), units.FormatSI(eventsPerWallSecond))
	// Per variant, the limits are shared out. Each way out is the largest
	// scale of the worst variant that the estimate puts under them, found
	// by bisection: the costs are not proportional to the rate (batches
	// grow fuller, fetch loops go round regardless) nor, quite, to the
	// duration.
	evLimit, memLimit := largeEvents/n, float64(largeMemory)/together
	fits := func(scale func(sc *scenarios.Scenario, f float64), f float64) bool {
		sc := *s
		sc.Producers = slices.Clone(s.Producers)
		scale(&sc, f)
		e := estimateWork(&sc)
		return e.events() < evLimit && e.memory() < memLimit
	}
	largest := func(scale func(sc *scenarios.Scenario, f float64)) float64 {
		lo, hi := 0.0, 1.0
		if !fits(scale, 1e-6) {
			return 0 // even a millionth is too much: this way cannot help
		}
		for range 60 {
			if mid := (lo + hi) / 2; fits(scale, mid) {
				lo = mid
			} else {
				hi = mid
			}
		}
		return lo
	}
	shorter := func(sc *scenarios.Scenario, f float64) { sc.Duration = units.Duration(float64(s.Duration) * f) }
	slower := func(sc *scenarios.Scenario, f float64) {
		for i := range sc.Producers {
			sc.Producers[i].Rate = units.Rate(float64(s.Producers[i].Rate) * f)
		}
	}
	var flags, why []string
	if d := largest(shorter); d > 0 && d < 1 {
		if short := roundDown(s.Duration.Seconds() * d); short != roundDown(s.Duration.Seconds()) {
			flags = append(flags, "--duration "+short)
			why = append(why, fmt.Sprintf("simulate less time (now %s)", s.Duration))
		}
	}
	if f := largest(slower); f > 0 && f < 1 && len(s.Producers) > 0 {
		if len(s.Producers) == 1 {
			flags = append(flags, "--set producers.*.rate="+units.Rate(twoDigits(float64(s.Producers[0].Rate)*f)).String())
			why = append(why, fmt.Sprintf("lower the rate (now %s)", s.Producers[0].Rate))
		} else {
			flags = append(flags, "--set producers.N.rate=…")
			why = append(why, fmt.Sprintf("lower the producers' rates to %.0f%% of what they are", math.Floor(f*100)))
		}
	}
	if len(flags) > 0 {
		width := 0
		for _, f := range flags {
			width = max(width, utf8.RuneCountInString(f))
		}
		b.WriteString("  to make it smaller:\n")
		for i, f := range flags {
			fmt.Fprintf(&b, "    %s%s  %s\n", f, strings.Repeat(" ", width-utf8.RuneCountInString(f)), why[i])
		}
	}
	if refuse {
		io.WriteString(w, b.String())
		return badInput(fmt.Errorf("refused: about %s of memory is more than twice what this machine has (%s), so the run could not finish; make it smaller as above",
			units.FormatBytes(mem), units.FormatBytes(total)))
	}
	b.WriteString("  Ctrl-C stops the run at the current simulated time and prints the results so far, marked partial.\n")
	io.WriteString(w, b.String())
	return nil
}

// physicalMemory is the machine's memory in bytes, 0 when unknown (then
// nothing is refused). A variable, so tests can set the machine.
var physicalMemory = func() float64 {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return 0
	}
	return float64(si.Totalram) * float64(si.Unit)
}

// roughTime prints seconds as "40s", "3m" or "2h".
func roughTime(sec float64) string {
	switch {
	case sec < 90:
		return fmt.Sprintf("%.0fs", math.Max(1, sec))
	case sec < 90*60:
		return fmt.Sprintf("%.0fm", sec/60)
	}
	return fmt.Sprintf("%.1fh", sec/3600)
}

// roundDown writes seconds as a duration flag value no longer than sec:
// whole hours from 2h, whole minutes from 2m, else whole seconds (≥ 1s).
func roundDown(sec float64) string {
	switch {
	case sec >= 2*3600:
		return fmt.Sprintf("%.0fh", math.Floor(sec/3600))
	case sec >= 120:
		return fmt.Sprintf("%.0fm", math.Floor(sec/60))
	}
	return fmt.Sprintf("%.0fs", math.Max(1, math.Floor(sec)))
}

// twoDigits rounds v down to two significant digits.
func twoDigits(v float64) float64 {
	if v <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v))-1)
	return math.Floor(v/p) * p
}
