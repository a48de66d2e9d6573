package sim_test

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"mqsim/sim"
)

// TestRateServerByHand: two servers at 100 units/s, queue of one. Jobs of
// 100 units (1 s each) arrive at 0, 0, 0, 0.5 and 1.2 s.
//
//	t=0    A→s1, B→s2, C queued, t=0.5 D rejected (queue full)
//	t=1    A, B done; C→server; t=1.2 E→the other server
//	t=2    C done; t=2.2 E done
func TestRateServerByHand(t *testing.T) {
	s := sim.New(1)
	r, err := sim.NewRateServer(s, sim.RateServerConfig{Name: "r", Servers: 2, Rate: 100, MaxQueue: 1})
	if err != nil {
		t.Fatal(err)
	}
	type done struct {
		tag           uint64
		at, wait, arr sim.Time
	}
	var got []done
	fn := func(j sim.Job) { got = append(got, done{j.Tag, s.Now(), j.Wait(), j.Arrived}) }
	var accepted []bool
	submit := func(tag uint64) func() {
		return func() { accepted = append(accepted, r.Submit(100, tag, fn)) }
	}
	s.At(0, submit(1))
	s.At(0, submit(2))
	s.At(0, submit(3))
	s.At(500*sim.Millisecond, submit(4))
	s.At(1200*sim.Millisecond, submit(5))
	s.Run()
	if !slices.Equal(accepted, []bool{true, true, true, false, true}) {
		t.Fatalf("accepted = %v", accepted)
	}
	want := []done{
		{1, sim.Second, 0, 0}, {2, sim.Second, 0, 0},
		{3, 2 * sim.Second, sim.Second, 0}, {5, 2200 * sim.Millisecond, 0, 1200 * sim.Millisecond},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("completions = %v\nwant %v", got, want)
	}
	st := r.Stats()
	// Busy servers: 2 on [0,1), 1 on [1,1.2) (C), 2 on [1.2,2), 1 on [2,2.2).
	// ∫busy = 2·1 + 1·0.2 + 2·0.8 + 1·0.2 = 4 server-seconds over 2.2 s, 2 servers.
	if math.Abs(st.Utilisation-4/(2*2.2)) > 1e-9 {
		t.Errorf("Utilisation = %g, want %g", st.Utilisation, 4/(2*2.2))
	}
	// Queue: 1 on [0,1): mean 1/2.2; in system: 3 on [0,1), 1 on [1,1.2), 2 on [1.2,2), 1 on [2,2.2).
	if math.Abs(st.MeanQueue-1/2.2) > 1e-9 || st.MaxQueue != 1 {
		t.Errorf("MeanQueue = %g MaxQueue = %d, want %g 1", st.MeanQueue, st.MaxQueue, 1/2.2)
	}
	if want := (3 + 0.2 + 1.6 + 0.2) / 2.2; math.Abs(st.MeanInSystem-want) > 1e-9 {
		t.Errorf("MeanInSystem = %g, want %g", st.MeanInSystem, want)
	}
	if st.Arrived != 5 || st.Rejected != 1 || st.Served != 4 || st.Work != 400 {
		t.Errorf("counts = %+v", st)
	}
	// Waits 0, 0, 1, 0 → mean 0.25 s; responses 1, 1, 2, 1 → 1.25 s.
	if st.MeanWait != 250*sim.Millisecond || st.MeanResponse != 1250*sim.Millisecond {
		t.Errorf("MeanWait = %v MeanResponse = %v, want 250ms 1.25s", st.MeanWait, st.MeanResponse)
	}
}

// TestRateFactor: a 1 s job slowed to half speed after 0.4 s has 0.6 s of
// work left, which takes 1.2 s: it ends at 1.6 s. Stalled (factor 0) from
// 1.0 to 3.0 s, it resumes with 0.3 s of work left and ends at 3.3 s.
func TestRateFactor(t *testing.T) {
	for _, c := range []struct {
		name  string
		steps []struct {
			at sim.Time
			f  float64
		}
		want sim.Time
	}{
		{"half", []struct {
			at sim.Time
			f  float64
		}{{400 * sim.Millisecond, 0.5}}, 1600 * sim.Millisecond},
		{"stall", []struct {
			at sim.Time
			f  float64
		}{{400 * sim.Millisecond, 0.5}, {sim.Second, 0}, {3 * sim.Second, 1}}, 3300 * sim.Millisecond},
	} {
		s := sim.New(1)
		r, err := sim.NewRateServer(s, sim.RateServerConfig{Name: "r", Servers: 1, Rate: 10})
		if err != nil {
			t.Fatal(err)
		}
		var end sim.Time
		s.At(0, func() { r.Submit(10, 0, func(sim.Job) { end = s.Now() }) })
		for _, st := range c.steps {
			s.At(st.at, func() { r.SetRateFactor(st.f) })
		}
		s.Run()
		if end != c.want {
			t.Errorf("%s: job ended at %v, want %v", c.name, end, c.want)
		}
	}
}

func TestRateServerConfigErrors(t *testing.T) {
	s := sim.New(1)
	for _, cfg := range []sim.RateServerConfig{
		{Name: "a", Servers: 0, Rate: 1}, {Name: "b", Servers: 1, Rate: 0},
		{Name: "c", Servers: 1, Rate: math.NaN()}, {Name: "d", Servers: 1, Rate: 1, MaxQueue: -2},
	} {
		if _, err := sim.NewRateServer(s, cfg); err == nil || !strings.Contains(err.Error(), cfg.Name) {
			t.Errorf("NewRateServer(%+v) error = %v, want one naming %q", cfg, err, cfg.Name)
		}
	}
}

func TestRateServerDoesNotAllocate(t *testing.T) {
	s := sim.New(1)
	r, _ := sim.NewRateServer(s, sim.RateServerConfig{Name: "r", Servers: 2, Rate: 1e6, MaxQueue: 100})
	n := 0
	done := func(sim.Job) { n++ }
	allocs := testing.AllocsPerRun(1000, func() {
		for i := 0; i < 5; i++ {
			r.Submit(1000, uint64(i), done)
		}
		s.Run()
	})
	if allocs != 0 || n == 0 {
		t.Fatalf("%.1f allocations per 5 jobs (%d served), want 0", allocs, n)
	}
}

func TestQueueRejectAndBlock(t *testing.T) {
	s := sim.New(1)
	rej, _ := sim.NewQueue[int](s, sim.QueueConfig{Name: "rej", Capacity: 2})
	got := []sim.PutResult{rej.Put(1), rej.Put(2), rej.Put(3)}
	if !slices.Equal(got, []sim.PutResult{sim.Accepted, sim.Accepted, sim.Rejected}) {
		t.Fatalf("rejecting queue: %v", got)
	}

	blk, _ := sim.NewQueue[string](s, sim.QueueConfig{Name: "blk", Capacity: 1, Block: true})
	var log []string
	blk.OnAdmit(func(v string) { log = append(log, "admit "+v) })
	getter := func(v string) { log = append(log, "get "+v+" at "+s.Now().String()) }
	s.At(0, func() {
		for _, v := range []string{"a", "b", "c"} {
			log = append(log, v+" "+blk.Put(v).String())
		}
	})
	s.At(sim.Second, func() { blk.Get(getter) })
	s.At(2*sim.Second, func() { blk.Get(getter); blk.Get(getter); blk.Get(getter) })
	s.At(3*sim.Second, func() { log = append(log, "d "+blk.Put("d").String()) })
	s.Run()
	want := []string{
		"a accepted", "b blocked", "c blocked",
		"get a at 1s", "admit b",
		"get b at 2s", "admit c", "get c at 2s",
		"d accepted", "get d at 3s",
	}
	if !slices.Equal(log, want) {
		t.Fatalf("log:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
	st := blk.Stats()
	// a waited 1 s, b entered at 0 (blocked) and left at 2 s, c 2 s, d 0.
	if st.Puts != 4 || st.Blocked != 2 || st.Gets != 4 || st.MeanWait != 1250*sim.Millisecond || st.MaxLen != 1 {
		t.Fatalf("stats = %+v", st)
	}
	if _, err := sim.NewQueue[int](s, sim.QueueConfig{Name: "bad", Capacity: -1}); err == nil {
		t.Fatal("negative capacity accepted")
	}
}

// TestTokenBucket: rate 10/s, burst 5. At t=0 take 5 (free), take 3 (wait
// 0.3 s), take 2 (wait 0.5 s); at 1 s the balance is −5 + 10 = 5.
func TestTokenBucket(t *testing.T) {
	s := sim.New(1)
	b, err := sim.NewTokenBucket(s, 10, 5)
	if err != nil {
		t.Fatal(err)
	}
	got := []sim.Time{b.Take(5), b.Take(3), b.Take(2)}
	if !slices.Equal(got, []sim.Time{0, 300 * sim.Millisecond, 500 * sim.Millisecond}) {
		t.Fatalf("delays = %v", got)
	}
	if b.TryTake(1) {
		t.Fatal("TryTake succeeded on a negative balance")
	}
	s.RunUntil(sim.Second)
	if tok := b.Tokens(); math.Abs(tok-5) > 1e-9 {
		t.Fatalf("tokens at 1 s = %g, want 5", tok)
	}
	if !b.TryTake(5) || b.TryTake(0.5) {
		t.Fatal("TryTake(5) should succeed once")
	}
	st := b.Stats()
	if st.Taken != 15 || st.Throttled != 2 || st.MeanDelay != 400*sim.Millisecond {
		t.Fatalf("stats = %+v", st)
	}
	if _, err := sim.NewTokenBucket(s, 0, 1); err == nil {
		t.Fatal("zero rate accepted")
	}
}

func TestSampler(t *testing.T) {
	s := sim.New(1)
	p, err := sim.NewSampler(s, sim.Second)
	if err != nil {
		t.Fatal(err)
	}
	var count float64
	var tick func()
	tick = func() {
		count += 10
		if s.Now() < 4500*sim.Millisecond {
			s.After(500*sim.Millisecond, tick)
		}
	}
	s.At(0, tick)
	if err := p.Add("count", func() float64 { return count }); err != nil {
		t.Fatal(err)
	}
	if err := p.AddRate("rate", func() float64 { return count }); err != nil {
		t.Fatal(err)
	}
	if p.Add("count", func() float64 { return 0 }) == nil {
		t.Fatal("duplicate series accepted")
	}
	p.Start()
	s.Run() // the sampler must not keep Run going
	if s.Now() != 4500*sim.Millisecond {
		t.Fatalf("Run ended at %v, want 4.5s", s.Now())
	}
	// Ticks at 0..4 s. A tick is scheduled a full interval ahead, so it runs
	// before the model's events at the same instant: the sample at T counts
	// the 2T events at times before T.
	if !slices.Equal(p.Times(), []sim.Time{0, sim.Second, 2 * sim.Second, 3 * sim.Second, 4 * sim.Second}) {
		t.Fatalf("times = %v", p.Times())
	}
	if c := p.Column("count"); !slices.Equal(c, []float64{0, 20, 40, 60, 80}) {
		t.Fatalf("count = %v", c)
	}
	if c := p.Column("rate"); !slices.Equal(c, []float64{0, 20, 20, 20, 20}) {
		t.Fatalf("rate = %v", c)
	}
	s.RunUntil(6 * sim.Second)
	if n := len(p.Times()); n != 7 {
		t.Fatalf("RunUntil(6s) took %d samples in all, want 7", n)
	}
	p.Stop()
	if s.Pending() != 0 {
		t.Fatalf("Pending after Stop = %d", s.Pending())
	}
}

func TestHistogram(t *testing.T) {
	h := sim.NewLatencyHistogram()
	// 1..1000 ms: p50 = 500 ms, p90 = 900 ms, p99 = 990 ms, mean 500.5 ms.
	for i := 1; i <= 1000; i++ {
		h.RecordTime(sim.Time(i) * sim.Millisecond)
	}
	sm := h.Summary()
	for _, c := range []struct {
		name      string
		got, want int64
	}{
		{"p50", sm.P50, 500e6}, {"p90", sm.P90, 900e6}, {"p99", sm.P99, 990e6}, {"p99.9", sm.P999, 999e6},
	} {
		if math.Abs(float64(c.got-c.want)) > 1e-3*float64(c.want) {
			t.Errorf("%s = %d, want %d ± 0.1%%", c.name, c.got, c.want)
		}
	}
	if sm.Max != 1000e6 || sm.Min != 1e6 || sm.Count != 1000 || sm.Mean != 500.5e6 {
		t.Errorf("summary = %+v", sm)
	}
	o := sim.NewLatencyHistogram()
	o.RecordTime(2 * sim.Hour) // beyond range: clamped, counted
	h.Merge(o)
	if h.Count() != 1001 || h.Max() != int64(2*sim.Hour) || h.Clamped() != 1 {
		t.Errorf("after merge: count %d max %d clamped %d", h.Count(), h.Max(), h.Clamped())
	}
	if _, err := sim.NewHistogram(0, 10, 3); err == nil {
		t.Error("lowest 0 accepted")
	}
}

// TestPurity enforces the package's determinism rules on its own sources:
// no wall clock, no goroutines, no global random source.
func TestPurity(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	bad := []*regexp.Regexp{
		regexp.MustCompile(`time\.(Now|Since|Until|Sleep|After|Tick|NewTimer|NewTicker)\b`),
		regexp.MustCompile(`(^|[^\w.])go\s+(func\b|[\w.]+\()`),
		regexp.MustCompile(`\brand\.(Int|Uint|Float|Exp|Norm|Perm|Shuffle|N\b|IntN|Int64|Uint64|Uint32|Int32)\w*\(`),
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			code, _, _ := strings.Cut(line, "//")
			for _, re := range bad {
				if re.MatchString(code) {
					t.Errorf("%s:%d: forbidden in sim: %s", f, i+1, strings.TrimSpace(line))
				}
			}
		}
	}
}
