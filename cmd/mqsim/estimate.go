package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// What one run costs: a part per message and a part per partition
// replica per simulated second (produce, fetch and replication loops,
// samples). The constants are fitted on the runs that matter for a
// warning, the large ones: the built-in baseline (6 partitions, RF 3 and
// RF 1, 100 s to 600 s of producing: events within 1.05×, peak memory
// within 1.25×) and the seed's peak (116 partitions, RF 3, 11.6M messages
// in 10 s: 57M events against 31.8M measured, 1.73 GB against 1.72 GB).
// Over the other built-ins the event estimate is within 3× on 21 of 29
// (up to 6× higher where there are few requests per second, as with a
// large fetch.min.bytes; 3.4× lower where retries and downstream calls
// multiply the work). About 2.1
// kernel events per message produced or delivered to a group plus 2,400
// per partition replica-second; 42 bytes of memory per replica record
// (offsets, batch headers, indexes: payload bytes are not kept) plus
// 67 KB per partition replica-second; 1 to 3 million events a second on
// one core.
//
// A group committing synchronously after (or before) each poll replicates
// a commit to __consumer_offsets per poll: on the baseline, where a poll
// carries a few records, that is about 6.3 more events per delivered
// record (1.80M events with commit: after against 1.17M with auto, 100K
// records delivered, at ρ = 1/6, so 7.56 at ρ = 0); a poll carries more
// records as a consumer's rate grows, so the part is capped at 12,600
// events per consumer-second (the baseline's 0.63M over 3 consumers × 20 s,
// at ρ = 1/6), and it shrinks as the
// consumers get busy: at utilisation ρ (rate × mean processing time ÷
// consumers) a poll finds a backlog and carries many records, so the part
// is scaled by 1 − ρ (none for a group that cannot keep up, as in
// slow-consumer, whose polls carry max.poll.records each).
const (
	eventsPerMessage         = 2.1
	eventsPerReplicaSec      = 2400
	eventsPerSyncCommitMsg   = 7.56
	eventsPerSyncConsumerSec = 12600
	bytesPerReplicaRec       = 42
	bytesPerReplicaSec       = 67e3
	baseBytes                = 30 << 20
	eventsPerWallSecond      = 1.5e6
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
	evTime   float64 // events that follow partition replicas × seconds
	memMsg   float64 // bytes that follow the replica records
	memTime  float64 // bytes that follow partition replicas × seconds
}

func (e workEstimate) events() float64 { return e.evMsg + e.evTime }
func (e workEstimate) memory() float64 { return baseBytes + e.memMsg + e.memTime }

// estimateWork sizes a resolved scenario from its rates, duration,
// partitions, replication factors and groups.
func estimateWork(s *scenarios.Scenario) workEstimate {
	rf := map[string]int{}
	var replicaSecs float64
	secs := s.Duration.Seconds()
	for _, t := range s.Topics {
		rf[t.Name] = max(1, t.ReplicationFactor)
		replicaSecs += float64(t.Partitions*rf[t.Name]) * secs
	}
	groups := map[string]int{}
	type syncGroup struct {
		consumers int
		service   float64 // mean processing time, seconds
	}
	syncGroups := map[string][]syncGroup{} // groups committing per poll, by topic
	for _, g := range s.ConsumerGroups {
		groups[g.Topic]++
		if m, err := g.CommitMode(); err == nil && m != scenarios.CommitAuto {
			sg := syncGroup{consumers: max(1, g.Consumers)}
			if g.Processing.Dist != nil {
				sg.service = g.Processing.Dist.Mean()
			}
			syncGroups[g.Topic] = append(syncGroups[g.Topic], sg)
		}
	}
	var e workEstimate
	for _, p := range s.Producers {
		n := float64(p.Rate) * secs
		e.messages += n
		e.replicas += n * float64(rf[p.Topic])
		e.delivers += n * float64(groups[p.Topic])
		for _, g := range syncGroups[p.Topic] {
			rho := float64(p.Rate) * g.service / float64(g.consumers)
			if free := 1 - rho; free > 0 && !math.IsNaN(free) {
				e.evCommit += free * min(eventsPerSyncCommitMsg*n, eventsPerSyncConsumerSec*float64(g.consumers)*secs)
			}
		}
	}
	e.evMsg = eventsPerMessage*(e.messages+e.delivers) + e.evCommit
	e.evTime = eventsPerReplicaSec * replicaSecs
	e.memMsg = bytesPerReplicaRec * e.replicas
	e.memTime = bytesPerReplicaSec * replicaSecs
	if len(s.Faults) == 0 && secs > 0 {
		// A fault-free run releases what every group consumed (the
		// model's release.go): memory follows the backlog, taken as at
		// most backlogWindow of traffic, and a fixed cost per replica.
		e.memMsg *= min(secs, backlogWindow) / secs
		e.memTime = bytesPerReplica * replicaSecs / secs
	}
	return e
}

// backlogWindow and bytesPerReplica fit fault-free runs, whose consumed
// records leave memory: the built-in baseline stays at 31 MB peak from
// 100 s to 300 s of producing, the seed's peak under 0.5 GB at 10 s, and
// 10,000 partitions (RF 3, 100 brokers) need about 8 KB per replica.
const (
	backlogWindow   = 10.0 // seconds
	bytesPerReplica = 8e3
)

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
	var messages, replicas float64
	for _, j := range jobs {
		e := estimateWork(&j.ls.Scenario)
		events += e.events()
		messages += e.messages
		replicas += e.replicas
		if e.events() >= worst.events() {
			worst = e
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
	s := &jobs[0].ls.Scenario
	var b strings.Builder
	what := "this run is large"
	if len(jobs) > 1 {
		what = fmt.Sprintf("these %d variants are large", len(jobs))
	}
	fmt.Fprintf(&b, "mqsim: %s: about %s messages, %s replica writes, %s events and %s of memory (roughly %s of work at %s events/s)\n",
		what, units.FormatSI(messages), units.FormatSI(replicas), units.FormatSI(events),
		units.FormatBytes(mem), roughTime(events/eventsPerWallSecond), units.FormatSI(eventsPerWallSecond))
	// Per variant, the limits are shared out.
	evLimit, memLimit := largeEvents/n, float64(largeMemory)/together-baseBytes
	var flags, why []string
	// Every cost but the base scales with the duration.
	if d := math.Min(evLimit/worst.events(), memLimit/(worst.memMsg+worst.memTime)); d < 1 && d > 0 {
		if shorter := roundDown(s.Duration.Seconds() * d); shorter != roundDown(s.Duration.Seconds()) {
			flags = append(flags, "--duration "+shorter)
			why = append(why, fmt.Sprintf("simulate less time (now %s)", s.Duration))
		}
	}
	// Only the message part scales with the rate; when the partitions'
	// own cost over this duration is already too much, the rate cannot help.
	if f := math.Min((evLimit-worst.evTime)/worst.evMsg, (memLimit-worst.memTime)/worst.memMsg); f > 0 && f < 1 {
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
