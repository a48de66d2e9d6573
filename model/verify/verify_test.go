package verify

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"mqsim/capacity"
	"mqsim/scenarios"
)

// plan sizes a workload given as YAML.
func plan(t *testing.T, yaml string, sets ...string) *capacity.Plan {
	t.Helper()
	lw, err := scenarios.ParseWorkload("test.yaml", []byte(yaml), sets)
	if err != nil {
		t.Fatal(err)
	}
	p, err := capacity.Compute(lw.Workload)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// One partition, RF 1, one consumer taking 1 ms per message: a single
// server fed by Poisson arrivals, whose saturation rate is 1 ÷ the mean
// service time = 1,000 messages/s. The plan offers 500/s (ρ = 0.5).
const mm1 = `name: mm1
messages_per_sec: 500/s
message_size: 100B
retention: 1h
replication_factor: 1
partition_throughput: 10K/s
consumer_throughput: 1000/s
`

func TestHeadroomFindsTheSingleServerSaturationRate(t *testing.T) {
	p := plan(t, mm1)
	if p.Partitions != 1 || p.Brokers != 1 || p.ConsumersPerGroup != 1 {
		t.Fatalf("plan: %d partitions, %d brokers, %d consumers; want one of each", p.Partitions, p.Brokers, p.ConsumersPerGroup)
	}
	v, err := Verify(p, Options{Duration: 10e9})
	if err != nil {
		t.Fatal(err)
	}
	if !v.Holds {
		t.Fatalf("ρ = 0.5 should hold: %s", v.Verdict())
	}
	h, err := Headroom(p, v, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const saturation = 1000.0 // 1 ÷ 1 ms
	if math.Abs(h.HoldsTo-saturation)/saturation > 0.05 {
		t.Errorf("holds to %.0f/s; want the saturation rate %.0f/s within 5%%\n%s", h.HoldsTo, saturation, h.Summary())
	}
	if h.FailsAt <= h.HoldsTo || h.FailsAt/h.HoldsTo > 1.03 {
		t.Errorf("bracket [%.0f, %.0f]: want the failing rate just above the holding one", h.HoldsTo, h.FailsAt)
	}
	if h.FirstOut != "consumers" {
		t.Errorf("first out: %q; want consumers (the broker is nearly idle)", h.FirstOut)
	}
	if len(h.Probes) > MaxProbes+1 {
		t.Errorf("%d runs; the budget is %d probes and the peak run", len(h.Probes), MaxProbes)
	}
	for _, pr := range h.Probes {
		if float64(pr.Messages) > 1.1*ProbeMessages {
			t.Errorf("a probe at %.0f/s produced %d messages, over the budget of %d", pr.Rate, pr.Messages, ProbeMessages)
		}
	}
	// A single broker has no N−1.
	if h.NMinus1 != nil {
		t.Error("N−1 ran on a one-broker plan")
	}
	// By proportion, the consumers reach 100% at the rate whose
	// measured utilisation at 500/s (≈ 0.5) scales to 1: ≈ 1,000/s.
	if len(h.Targets) == 0 || h.Targets[0].Resource != "consumers" || math.Abs(h.Targets[0].Rate-saturation)/saturation > 0.05 {
		t.Errorf("targets %+v; want consumers first, near %.0f/s", h.Targets, saturation)
	}
}

func TestProbesAboveSaturationStayWithinTheBudget(t *testing.T) {
	// Far beyond saturation (50×), a probe still offers at most
	// ProbeMessages: its duration shrinks, never its rate's cost.
	p := plan(t, mm1)
	v, err := play(p, Options{}, 50_000, min(ProbeDuration, max(MinProbeDuration, budgetDuration(50_000, ProbeMessages))), false)
	if err != nil {
		t.Fatal(err)
	}
	if v.Sustains {
		t.Fatal("50× the service rate sustained")
	}
	if want := 50_000 * v.Duration.Seconds(); float64(v.Messages) > want*1.05 || want > ProbeMessages {
		t.Errorf("%d messages in %s; want about %.0f and at most %d", v.Messages, v.Duration, want, ProbeMessages)
	}
	if g, sat := gaveOut(v); g != "consumers" || !sat {
		t.Errorf("gave out: %q; want consumers", g)
	}
}

func TestLagSLOJudgesTheVerdict(t *testing.T) {
	// At ρ = 0.5 an M/D/1 queue holds ρ²/(2(1−ρ)) = 0.25 messages on
	// average: any lag objective of a second holds; at 1.2× saturation
	// for 2 s the lag grows by 200/s, 400 messages ≫ 0.1 s × 1,200/s = 120.
	p := plan(t, mm1+"slo: {p99_e2e: 1s, max_lag: 100ms}\n", "messages_per_sec=1200/s", "partition_throughput=10K/s", "consumer_throughput=1000/s")
	v, err := Verify(p, Options{Duration: 2e9, Partitions: 1, Brokers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if v.Holds || v.Sustains {
		t.Fatalf("1.2× saturation held: %s", v.Verdict())
	}
	if !strings.Contains(v.Verdict(), "consumers") {
		t.Errorf("verdict %q does not name the consumers", v.Verdict())
	}
}

func TestVerifyIsDeterministic(t *testing.T) {
	p := plan(t, mm1)
	a, err := Verify(p, Options{Duration: 5e9})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Verify(p, Options{Duration: 5e9})
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("two verifications differ:\n%s\n%s", ja, jb)
	}
	// Another seed draws other arrivals.
	c, err := Verify(p, Options{Duration: 5e9, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if c.Messages == a.Messages {
		t.Errorf("seeds 1 and 2 handed producers the same %d messages", a.Messages)
	}
}

// iot-telemetry's plan spreads 25 partitions × RF 3 = 75 replicas over 65
// brokers: the arithmetic divides the storage by 65 (1.15 replicas a
// broker), but some broker must hold at least ⌈75 ÷ 65⌉ = 2 replicas, so
// its disk holds at least 2 ÷ 1.15 = 1.73× the plan's share.
func TestStorageFollowsReplicasNotBrokers(t *testing.T) {
	lw, err := scenarios.LoadWorkload("iot-telemetry", nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := capacity.Compute(lw.Workload)
	if err != nil {
		t.Fatal(err)
	}
	if p.Brokers != 65 || p.Partitions != 25 {
		t.Fatalf("plan: %d brokers, %d partitions; the hand calculation assumes 65 and 25", p.Brokers, p.Partitions)
	}
	v, err := Verify(p, Options{Duration: 200e6})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range v.Resources {
		if r.Key != "storage" {
			continue
		}
		if ratio := r.Measured / r.Plan; ratio < 1.73 {
			t.Errorf("storage measured %.3f, plan %.3f: ratio %.2f, want at least 1.73", r.Measured, r.Plan, ratio)
		}
		if v.Holds || v.Binding != "broker storage" {
			t.Errorf("holds %v, binding %q; want storage to fail", v.Holds, v.Binding)
		}
		return
	}
	t.Fatal("no storage resource")
}
