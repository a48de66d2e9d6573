package kafka

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// TestDeterministic: the same scenario and seed give byte-identical JSON.
func TestDeterministic(t *testing.T) {
	mk := func() *scenarios.Scenario {
		s := baseScenario(2000, 2*units.Second)
		s.Producers[0].Keys = "zipf(n=100, s=1.2)"
		s.Cluster.TransientErrorRate = 0.05
		s.ConsumerGroups[0].Processing, _ = scenarios.ParseTimeDist("exp(200us)")
		return s
	}
	a, err := json.Marshal(mustRun(t, mk()))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(mustRun(t, mk()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("two runs of one scenario and seed differ:\n%s\n%s", a, b)
	}
	s := mk()
	s.Seed = 2
	c, _ := json.Marshal(mustRun(t, s))
	if bytes.Equal(a, c) {
		t.Errorf("seeds 1 and 2 gave identical results")
	}
}

// mm1Scenario is one partition (RF 1), one consumer, Poisson arrivals at
// lambda and exponential processing at mu, with batching (one record per
// batch, no linger) and the network (1ns) made negligible.
func mm1Scenario(lambda, mu float64, dur units.Duration, seed uint64) *scenarios.Scenario {
	s := &scenarios.Scenario{
		Name: "mm1", Seed: seed, Duration: dur, Drain: 60 * units.Second,
		Cluster: scenarios.Cluster{Brokers: 1, Hardware: scenarios.Hardware{
			NetworkLatency: 1, NetworkJitter: 1, CPUPerRequest: 1, CPUPerMB: 1}},
		Topics: []scenarios.Topic{{Name: "q", Partitions: 1, ReplicationFactor: 1}},
		Producers: []scenarios.Producer{{Name: "arrivals", Topic: "q", Rate: units.Rate(lambda),
			Arrival: "poisson", BatchSize: 1, Linger: new(units.Duration)}},
		ConsumerGroups: []scenarios.ConsumerGroup{{Name: "server", Topic: "q", Consumers: 1,
			FetchMaxWait: 10 * units.Second}},
	}
	s.ConsumerGroups[0].Processing = scenarios.TimeDist{Spec: "exp", Dist: expDist(mu)}
	s.Defaults()
	return s
}

// TestMM1: end-to-end latency is the M/M/1 sojourn time W = 1/(μ−λ), and
// W minus the mean service time is the mean wait Wq = ρ/(μ−λ).
func TestMM1(t *testing.T) {
	const lambda, mu = 700.0, 1000.0
	dur := 200 * units.Second
	if testing.Short() {
		dur = 60 * units.Second
	}
	var sum float64
	var n int64
	for seed := uint64(1); seed <= 3; seed++ {
		r := mustRun(t, mm1Scenario(lambda, mu, dur, seed))
		if r.Lost != 0 || r.Unseen != 0 {
			t.Fatalf("seed %d: lost %d unseen %d", seed, r.Lost, r.Unseen)
		}
		sum += r.E2ELatency.Mean * float64(r.E2ELatency.Count)
		n += r.E2ELatency.Count
	}
	w := sum / float64(n) / 1000 // seconds
	wantW := 1 / (mu - lambda)
	wq, wantWq := w-1/mu, (lambda/mu)/(mu-lambda)
	t.Logf("%d customers: W = %.4fms (theory %.4fms), Wq = %.4fms (theory %.4fms)", n, w*1e3, wantW*1e3, wq*1e3, wantWq*1e3)
	if math.Abs(w-wantW)/wantW > 0.05 {
		t.Errorf("mean sojourn %.4fms, M/M/1 gives %.4fms (more than 5%% off)", w*1e3, wantW*1e3)
	}
	if math.Abs(wq-wantWq)/wantWq > 0.05 {
		t.Errorf("mean wait %.4fms, M/M/1 gives %.4fms (more than 5%% off)", wq*1e3, wantWq*1e3)
	}
}

// TestLagGrowth: producers above the consumers' capacity make lag grow at
// λ − μ per second.
func TestLagGrowth(t *testing.T) {
	const lambda, mu = 1000.0, 400.0 // one consumer at 2.5ms per message
	s := baseScenario(lambda, 20*units.Second)
	s.Topics[0].Partitions = 1
	s.ConsumerGroups[0].Consumers = 1
	s.ConsumerGroups[0].Processing, _ = scenarios.ParseTimeDist("const(2.5ms)")
	s.Drain = units.Second
	r := mustRun(t, s)
	lag := r.Series.Column("lag/readers")
	ts := r.Series.Time
	// Least-squares slope over the samples between 5s and 20s.
	var sx, sy, sxx, sxy, k float64
	for i, x := range ts {
		if x < 5 || x > 20 {
			continue
		}
		sx += x
		sy += lag[i]
		sxx += x * x
		sxy += x * lag[i]
		k++
	}
	slope := (k*sxy - sx*sy) / (k*sxx - sx*sx)
	want := lambda - mu
	t.Logf("lag slope %.1f/s, want λ−μ = %.0f/s", slope, want)
	if math.Abs(slope-want)/want > 0.05 {
		t.Errorf("lag grows at %.1f/s, want %.0f/s ±5%%", slope, want)
	}
	if r.Lost != 0 || r.Unseen == 0 {
		t.Errorf("lost %d unseen %d: the backlog should be unseen, not lost", r.Lost, r.Unseen)
	}
}

// TestMurmur2 checks the partitioner hash against Kafka's published test
// vectors (its Utils.murmur2 unit test).
func TestMurmur2(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int32
	}{
		{"21", -973932308},
		{"foobar", -790332482},
		{"a-little-bit-long-string", -985981536},
		{"a-little-bit-longer-string", -1486304829},
		{"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
		{"abc", 479470107},
	} {
		if got := murmur2([]byte(c.in)); got != c.want {
			t.Errorf("murmur2(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestAssign(t *testing.T) {
	for _, c := range []struct {
		strategy   string
		parts, mem int
		want       string
	}{
		{"range", 7, 3, "[[0 1 2] [3 4] [5 6]]"},
		{"roundrobin", 7, 3, "[[0 3 6] [1 4] [2 5]]"},
		{"cooperative-sticky", 2, 3, "[[0] [1] []]"},
		{"range", 2, 3, "[[0] [1] []]"},
	} {
		a, err := (&scenarios.ConsumerGroup{Assignment: c.strategy}).Assignor()
		if err != nil {
			t.Fatal(err)
		}
		got := assign(a, c.parts, c.mem)
		if s := fmtJSON(got); s != c.want {
			t.Errorf("assign(%s, %d, %d) = %s, want %s", c.strategy, c.parts, c.mem, s, c.want)
		}
	}
	if _, err := (&scenarios.ConsumerGroup{Assignment: "sticky-ish"}).Assignor(); err == nil {
		t.Error("unknown strategy accepted")
	}
}

func fmtJSON(a [][]int) string {
	var b bytes.Buffer
	b.WriteString("[")
	for i, m := range a {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString("[")
		for j, p := range m {
			if j > 0 {
				b.WriteString(" ")
			}
			b.WriteString(string(rune('0' + p)))
		}
		b.WriteString("]")
	}
	b.WriteString("]")
	return b.String()
}
