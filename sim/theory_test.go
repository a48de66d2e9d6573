package sim_test

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"mqsim/sim"
)

// Validation against queueing theory. Each test builds a small queueing
// model on the public API, estimates a quantity with a 95% confidence
// interval from batch means, and requires the closed-form value to lie
// inside the interval and within 2% of the estimate. Seeds are fixed, so
// the outcome is reproducible; the sizes are chosen so that the expected
// half-width of the interval is about 1% or less.

const batches = 40

// batcher turns a stream of observations into batch means after discarding
// a warm-up.
type batcher struct {
	warm, size int
	seen       int
	sum        float64
	n          int
	means      []float64
}

func (b *batcher) add(x float64) {
	b.seen++
	if b.seen <= b.warm {
		return
	}
	b.sum += x
	b.n++
	if b.n == b.size {
		b.means = append(b.means, b.sum/float64(b.n))
		b.sum, b.n = 0, 0
	}
}

// interval returns the grand mean and the half-width of its 95% confidence
// interval (Student t with batches−1 degrees of freedom).
func interval(means []float64) (mean, half float64) {
	k := float64(len(means))
	for _, m := range means {
		mean += m
	}
	mean /= k
	var ss float64
	for _, m := range means {
		ss += (m - mean) * (m - mean)
	}
	sd := math.Sqrt(ss / (k - 1))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: k - 1}.Quantile(0.975)
	return mean, t * sd / math.Sqrt(k)
}

func checkAgainst(t *testing.T, what string, means []float64, want float64) {
	t.Helper()
	if len(means) < batches {
		t.Fatalf("%s: only %d batches", what, len(means))
	}
	got, half := interval(means)
	rel := math.Abs(got-want) / want
	t.Logf("%s: estimate %.5f ± %.5f (95%%, %d batches), theory %.5f, relative error %.2f%%",
		what, got, half, len(means), want, 100*rel)
	if math.Abs(got-want) > half {
		t.Errorf("%s: theory %.5f outside the 95%% interval %.5f ± %.5f", what, want, got, half)
	}
	if rel >= 0.02 {
		t.Errorf("%s: relative error %.2f%% ≥ 2%%", what, 100*rel)
	}
}

// station is a G/G/c queue: Poisson arrivals into a RateServer.
type station struct {
	s       *sim.Sim
	srv     *sim.RateServer
	arr     *rand.Rand
	svc     *rand.Rand
	lambda  float64
	service sim.Dist
	left    int
	done    func(sim.Job)

	wait       batcher // Wq per served customer, seconds
	waited     batcher // 1 if the customer waited, else 0
	blocked    batcher // 1 if the arrival was rejected, else 0
	inSystem   batcher // time-average number in system per time batch
	period     sim.Time
	tick       func(uint64)
	sumWait    float64
	sumResp    float64
	sumService float64
	arrivals   int
}

func newStation(t *testing.T, seed uint64, lambda float64, servers int, service sim.Dist, maxQueue int) *station {
	t.Helper()
	s := sim.New(seed)
	srv, err := sim.NewRateServer(s, sim.RateServerConfig{Name: "station", Servers: servers, Rate: 1, MaxQueue: maxQueue})
	if err != nil {
		t.Fatal(err)
	}
	st := &station{s: s, srv: srv, arr: s.Stream("arrivals"), svc: s.Stream("service"),
		lambda: lambda, service: service}
	st.done = st.complete
	st.tick = st.boundary
	return st
}

// Handle is an arrival.
func (st *station) Handle(uint64) {
	st.arrivals++
	d := sim.SampleTime(st.service, st.svc)
	ok := st.srv.SubmitTime(d, 0, st.done)
	if ok {
		st.sumService += d.Seconds()
	}
	st.blocked.add(b2f(!ok))
	if st.left--; st.left > 0 {
		st.s.ScheduleAfter(sim.Seconds(st.arr.ExpFloat64()/st.lambda), st, 0)
	}
}

func (st *station) complete(j sim.Job) {
	w := j.Wait().Seconds()
	st.wait.add(w)
	st.waited.add(b2f(w > 0))
	st.sumWait += w
	st.sumResp += (st.s.Now() - j.Arrived).Seconds()
}

// boundary closes a time batch of the number in system.
func (st *station) boundary(uint64) {
	st.inSystem.add(st.srv.Stats().MeanInSystem)
	st.srv.ResetStats()
	if st.left > 0 {
		st.s.AfterCall(st.period, st.tick, 0)
	}
}

// run offers n customers, with the first warm discarded from every
// estimate, and batches of (n−warm)/batches.
func (st *station) run(n, warm int) {
	size := (n - warm) / batches
	for _, b := range []*batcher{&st.wait, &st.waited, &st.blocked} {
		b.warm, b.size = warm, size
	}
	// Time batches: the same split, in expected time.
	st.period = sim.Seconds(float64(size) / st.lambda)
	st.inSystem.warm, st.inSystem.size = 1, 1
	st.left = n
	st.s.Schedule(0, st, 0)
	st.s.AtCall(sim.Seconds(float64(warm)/st.lambda), st.tick, 0)
	st.s.Run()
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func TestMM1(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		rho       float64
		customers int
		seed      uint64
	}{
		{0.5, 2_000_000, 1},
		{0.9, 12_000_000, 2},
	} {
		if testing.Short() && c.rho > 0.5 {
			t.Logf("ρ = %.1f skipped in short mode", c.rho)
			continue
		}
		mu := 1.0
		lambda := c.rho * mu
		st := newStation(t, c.seed, lambda, 1, sim.Exponential{Rate: mu}, 0)
		st.run(c.customers, c.customers/50)
		// Wq = ρ/(μ−λ); L = ρ/(1−ρ).
		checkAgainst(t, "M/M/1 ρ="+fmtRho(c.rho)+" Wq", st.wait.means, c.rho/(mu-lambda))
		checkAgainst(t, "M/M/1 ρ="+fmtRho(c.rho)+" L", st.inSystem.means[:batches], c.rho/(1-c.rho))
	}
}

func fmtRho(r float64) string { return strconv.FormatFloat(r, 'f', 1, 64) }

// erlangC returns the probability that an arrival waits in M/M/c with
// offered load a = λ/μ (Erlang's C formula).
func erlangC(c int, a float64) float64 {
	// Σ_{k<c} a^k/k! and a^c/c!, built term by term.
	sum, term := 0.0, 1.0
	for k := 0; k < c; k++ {
		sum += term
		term *= a / float64(k+1)
	}
	rho := a / float64(c)
	top := term / (1 - rho)
	return top / (sum + top)
}

func TestMMc(t *testing.T) {
	t.Parallel()
	const c, mu, rho = 4, 1.0, 0.8
	lambda := rho * c * mu
	// Hand check of the formula at this point: a = 3.2,
	// Σ_{k<4} a^k/k! = 1 + 3.2 + 5.12 + 5.461333 = 14.781333,
	// a^4/4! = 4.369067, /(1−ρ) = 21.845333, C = 21.845333/36.626667 = 0.596433.
	pw := erlangC(c, lambda/mu)
	if math.Abs(pw-0.596433) > 1e-5 {
		t.Fatalf("erlangC(4, 3.2) = %.6f, want 0.596433 (hand calculation)", pw)
	}
	st := newStation(t, 3, lambda, c, sim.Exponential{Rate: mu}, 0)
	st.run(4_000_000, 80_000)
	checkAgainst(t, "M/M/4 ρ=0.8 P(wait)", st.waited.means, pw)
	// Wq = C/(cμ − λ).
	checkAgainst(t, "M/M/4 ρ=0.8 Wq", st.wait.means, pw/(c*mu-lambda))
}

func TestMD1(t *testing.T) {
	t.Parallel()
	const mu, rho = 1.0, 0.8
	st := newStation(t, 4, rho*mu, 1, sim.Constant{Value: 1 / mu}, 0)
	st.run(3_000_000, 60_000)
	// Pollaczek–Khinchine with deterministic service (E[S²] = 1/μ²):
	// Wq = λE[S²]/(2(1−ρ)) = ρ/(2μ(1−ρ)).
	checkAgainst(t, "M/D/1 ρ=0.8 Wq", st.wait.means, rho/(2*mu*(1-rho)))
}

func TestMM1K(t *testing.T) {
	t.Parallel()
	const mu, rho, K = 1.0, 0.8, 5
	// K places in the system: one in service and K−1 waiting.
	st := newStation(t, 5, rho*mu, 1, sim.Exponential{Rate: mu}, K-1)
	st.run(2_000_000, 20_000)
	// P_K = (1−ρ)ρ^K / (1−ρ^(K+1)); by PASTA the fraction of arrivals
	// that find the system full.
	pk := (1 - rho) * math.Pow(rho, K) / (1 - math.Pow(rho, K+1))
	checkAgainst(t, "M/M/1/5 ρ=0.8 P(block)", st.blocked.means, pk)
}

// TestLittle checks L = λW on a run that starts and ends empty: then
// ∫N(t)dt equals the sum of the customers' times in system exactly, so the
// server's time-average number in system must equal (arrivals/T)·W up to
// rounding, whatever the distributions.
func TestLittle(t *testing.T) {
	t.Parallel()
	service, err := sim.LogNormalFromMedianP99(0.8, 6)
	if err != nil {
		t.Fatal(err)
	}
	st := newStation(t, 6, 1.5, 2, service, 0)
	st.left = 200_000
	st.s.Schedule(0, st, 0)
	st.s.Run()
	stats := st.srv.Stats()
	if st.srv.Busy() != 0 || st.srv.QueueLen() != 0 {
		t.Fatal("system not empty at the end")
	}
	T := stats.Window.Seconds()
	lambda := float64(st.arrivals) / T
	W := st.sumResp / float64(stats.Served)
	L := stats.MeanInSystem
	t.Logf("L = %.6f, λW = %.6f over %.0f s, %d customers", L, lambda*W, T, stats.Served)
	if rel := math.Abs(L-lambda*W) / L; rel > 1e-6 {
		t.Errorf("L = %.6f, λW = %.6f: relative difference %.2g", L, lambda*W, rel)
	}
	// Busy time is the sum of the service times: ∫busy dt = c·T·U.
	if busy := stats.Utilisation * 2 * T; math.Abs(busy-st.sumService)/st.sumService > 1e-6 {
		t.Errorf("busy time %.6f s, sum of service times %.6f s", busy, st.sumService)
	}
	// The server's own mean response agrees with the customers' account.
	if d := math.Abs(stats.MeanResponse.Seconds() - W); d > 1e-6 {
		t.Errorf("MeanResponse = %v, customers say %.9f s", stats.MeanResponse, W)
	}
}
