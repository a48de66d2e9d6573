package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// What one run costs, measured on the built-in baseline (RF 3) at 100 s
// and 300 s of producing and with RF 1: about 3.5 kernel events per
// record written to a replica or delivered to a group, about 100 bytes of
// memory per replica record (offsets, batch headers and indexes; payload
// bytes are not kept) and 30 per message (the delivery checker), and
// 2–3 million events a second on one core.
const (
	eventsPerRecord     = 3.5
	bytesPerReplicaRec  = 100
	bytesPerMessage     = 30
	baseBytes           = 30 << 20
	eventsPerWallSecond = 2e6
)

// Above either limit the run is worth a warning before it starts: about
// half a minute of work, or a gigabyte of memory.
const (
	largeEvents = 60e6
	largeMemory = 1 << 30
)

// workEstimate is what a run is expected to cost before it starts.
type workEstimate struct {
	messages float64 // produced over the duration
	replicas float64 // records appended to any replica (messages × RF)
	delivers float64 // records delivered to consumer groups
	events   float64
	memory   float64 // bytes, peak
}

// estimateWork sizes a resolved scenario from its rates, duration,
// replication factors and groups.
func estimateWork(s *scenarios.Scenario) workEstimate {
	rf := map[string]int{}
	for _, t := range s.Topics {
		rf[t.Name] = max(1, t.ReplicationFactor)
	}
	groups := map[string]int{}
	for _, g := range s.ConsumerGroups {
		groups[g.Topic]++
	}
	var e workEstimate
	secs := s.Duration.Seconds()
	for _, p := range s.Producers {
		n := float64(p.Rate) * secs
		e.messages += n
		e.replicas += n * float64(rf[p.Topic])
		e.delivers += n * float64(groups[p.Topic])
	}
	e.events = eventsPerRecord * (e.replicas + e.delivers)
	e.memory = baseBytes + bytesPerReplicaRec*e.replicas + bytesPerMessage*e.messages
	return e
}

func (e workEstimate) add(o workEstimate) workEstimate {
	return workEstimate{e.messages + o.messages, e.replicas + o.replicas, e.delivers + o.delivers,
		e.events + o.events, e.memory + o.memory}
}

func (e workEstimate) large() bool { return e.events >= largeEvents || e.memory >= largeMemory }

// warnLarge prints, on stderr, what a large run will cost and how to make
// it smaller. Nothing is printed for a run below the limits. parallel is
// how many variants run at once (their memory adds up).
func warnLarge(w io.Writer, jobs []job, parallel int) {
	var total, worst workEstimate
	for _, j := range jobs {
		e := estimateWork(&j.ls.Scenario)
		total = total.add(e)
		if e.events > worst.events {
			worst = e
		}
	}
	mem := worst.memory * float64(min(max(parallel, 1), len(jobs)))
	if len(jobs) == 1 {
		mem = total.memory
	}
	if total.events < largeEvents && mem < largeMemory {
		return
	}
	s := &jobs[0].ls.Scenario
	var b strings.Builder
	what := "this run is large"
	if len(jobs) > 1 {
		what = fmt.Sprintf("these %d variants are large", len(jobs))
	}
	fmt.Fprintf(&b, "mqsim: %s: about %s messages, %s replica writes, %s events and %s of memory (roughly %s of work at %s events/s)\n",
		what, units.FormatSI(total.messages), units.FormatSI(total.replicas), units.FormatSI(total.events),
		units.FormatBytes(mem), roughTime(total.events/eventsPerWallSecond), units.FormatSI(eventsPerWallSecond))
	// The duration that would bring the run under both limits.
	scale := math.Min(largeEvents/total.events, largeMemory/math.Max(mem, 1))
	if scale < 1 {
		var flags, why []string
		flags = append(flags, "--duration "+roundDown(s.Duration.Seconds()*scale))
		why = append(why, fmt.Sprintf("simulate less time (now %s)", s.Duration))
		if len(s.Producers) == 1 {
			flags = append(flags, "--set producers.*.rate="+units.Rate(twoDigits(float64(s.Producers[0].Rate)*scale)).String())
			why = append(why, fmt.Sprintf("lower the rate (now %s)", s.Producers[0].Rate))
		} else {
			flags = append(flags, "--set producers.N.rate=…")
			why = append(why, "lower the busiest producers' rates")
		}
		width := 0
		for _, f := range flags {
			width = max(width, utf8.RuneCountInString(f))
		}
		b.WriteString("  to make it smaller:\n")
		for i, f := range flags {
			fmt.Fprintf(&b, "    %s%s  %s\n", f, strings.Repeat(" ", width-utf8.RuneCountInString(f)), why[i])
		}
	}
	b.WriteString("  Ctrl-C stops the run at the current simulated time and prints the results so far, marked partial.\n")
	io.WriteString(w, b.String())
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
