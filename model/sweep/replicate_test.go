package sweep

import (
	"math"
	"testing"

	"mqsim/model"
	"mqsim/scenarios"
	"mqsim/sim"
)

// mm1Replication is one replication of an M/M/1 queue (arrival rate
// lambda, service rate mu) on the simulation kernel, seeded by seed: the
// mean time in system of customers warm+1 … n, starting empty.
func mm1Replication(t *testing.T, seed uint64, lambda, mu float64, n, warm int) float64 {
	t.Helper()
	s := sim.New(seed)
	srv, err := sim.NewRateServer(s, sim.RateServerConfig{Name: "server", Servers: 1, Rate: 1})
	if err != nil {
		t.Fatal(err)
	}
	arr, svc := s.Stream("arrivals"), s.Stream("service")
	var sum float64
	served, left := 0, n
	done := func(j sim.Job) {
		if served++; served > warm {
			sum += (s.Now() - j.Arrived).Seconds()
		}
	}
	var arrive sim.HandlerFunc
	arrive = func(uint64) {
		srv.SubmitTime(sim.Seconds(svc.ExpFloat64()/mu), 0, done)
		if left--; left > 0 {
			s.ScheduleAfter(sim.Seconds(arr.ExpFloat64()/lambda), arrive, 0)
		}
	}
	s.Schedule(0, arrive, 0)
	s.Run()
	return sum / float64(n-warm)
}

// Replications with seeds from ReplicaSeeds, summarised by StatOf, give
// 95% intervals that cover the analytic mean time in system of an M/M/1
// queue, W = 1 ÷ (μ − λ) = 2 ms at λ = 500/s, μ = 1,000/s, in at least 90
// of 100 independent trials of 20 replications each (the nominal rate is
// 95; 90 is more than 2.5 binomial standard deviations below it).
func TestReplicationIntervalsCoverMM1(t *testing.T) {
	const lambda, mu, trials, reps = 500.0, 1000.0, 100, 20
	want := 1 / (mu - lambda)
	covered := 0
	for trial := range trials {
		xs := make([]float64, 0, reps)
		// Each trial's seeds are disjoint from every other trial's.
		for _, seed := range ReplicaSeeds(uint64(trial*reps+1), reps) {
			xs = append(xs, mm1Replication(t, seed, lambda, mu, 2000, 200))
		}
		st := StatOf(xs)
		if st.N != reps || !(st.Low < st.Mean && st.Mean < st.High) || st.Min > st.Mean || st.Max < st.Mean {
			t.Fatalf("trial %d: stat %+v", trial, st)
		}
		if st.Low <= want && want <= st.High {
			covered++
		}
	}
	t.Logf("%d of %d intervals cover W = %.4f s", covered, trials, want)
	if covered < 90 {
		t.Errorf("%d of %d 95%% intervals cover the analytic W; want at least 90", covered, trials)
	}
}

func TestJudgeInterval(t *testing.T) {
	for _, c := range []struct {
		cond   string
		lo, hi float64
		want   string
	}{
		{"< 10", 2, 8, Pass}, {"< 10", 8, 12, Inconclusive}, {"< 10", 10, 12, Fail},
		{">= 5", 5, 6, Pass}, {">= 5", 4, 6, Inconclusive}, {">= 5", 1, 4.9, Fail},
		{"0", 0, 0, Pass}, {"0", 0, 1, Inconclusive}, {"0", 1, 2, Fail},
		{"!= 3", 4, 5, Pass}, {"!= 3", 2, 4, Inconclusive}, {"!= 3", 3, 3, Fail},
	} {
		cond, err := scenarios.ParseCondition(c.cond)
		if err != nil {
			t.Fatal(err)
		}
		if got := judgeInterval(cond, c.lo, c.hi); got != c.want {
			t.Errorf("%q on [%g, %g] = %s, want %s", c.cond, c.lo, c.hi, got, c.want)
		}
	}
}

func TestBandAndSummarise(t *testing.T) {
	// Three runs whose series are 1, 2, 3 at each time: mean 2, s = 1,
	// half-width t(0.975, 2) × 1 ÷ √3 = 4.303 ÷ 1.732 = 2.484.
	var runs []*model.Results
	for v := 1.0; v <= 3; v++ {
		r := &model.Results{Lost: int64(v)}
		r.Series.Time = []float64{1, 2}
		r.Series.Columns = []model.Column{{Name: "lag/g", Values: []float64{v, v}}}
		runs = append(runs, r)
	}
	tt, mean, lo, hi := Band(runs, "lag/g")
	if len(tt) != 2 || mean[0] != 2 || math.Abs(hi[1]-2-2.484) > 0.001 || math.Abs(2-lo[0]-2.484) > 0.001 {
		t.Errorf("band: t %v mean %v lo %v hi %v", tt, mean, lo, hi)
	}
	kinds, stats, err := Summarise(runs, []string{"lost"})
	if err != nil || kinds[0] != model.KindCount || stats[0].Mean != 2 || stats[0].Min != 1 || stats[0].Max != 3 {
		t.Errorf("summarise: %v %+v %v", kinds, stats, err)
	}
	if _, _, err := Summarise(runs, []string{"no_such"}); err == nil {
		t.Error("an unknown metric was summarised")
	}
}
