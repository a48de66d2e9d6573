package verify

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"

	"mqsim/capacity"
	"mqsim/model"
	_ "mqsim/model/systems" // every system a plan's scenario may run on
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// The work budget and the thresholds of the verdict (see the package
// comment).
const (
	DefaultDuration  = 30 * units.Second
	MaxMessages      = 5_000_000 // offered by the verifying run
	ProbeMessages    = 2_000_000 // offered by one headroom probe
	ProbeDuration    = 60 * units.Second
	MinProbeDuration = 250 * units.Millisecond
	MaxProbes        = 12
	// DefaultMaxLag bounds the lag (as time at the offered rate) when the
	// workload states no SLO.
	DefaultMaxLag = 5 * units.Second
	// LagGrowthShare is the largest lag slope, as a share of the offered
	// rate, that still counts as bounded.
	LagGrowthShare = 0.02
	// AcceptedShare is the least share of the offered messages that must
	// be handed to producers and acknowledged.
	AcceptedShare = 0.98
	// SaturatedBusy is the busy share at which a broker resource counts
	// as saturated.
	SaturatedBusy = 0.98
	// samplesPerRun is how many lag samples a run takes while producing.
	samplesPerRun = 40
	// trendFrom is where the lag's trend starts, as a share of the
	// producing time: the first fifth is start-up.
	trendFrom = 0.2
)

// Options choose the plan and how it is played.
type Options struct {
	// Recommended plays the recommended plan rather than the exact one.
	Recommended bool
	// Brokers and Partitions, when not zero, replace the plan's counts: a
	// proposed plan to check (consumers per group follow the partitions).
	Brokers, Partitions int
	// Duration of the verifying run; zero is DefaultDuration shortened to
	// offer at most MaxMessages.
	Duration units.Duration
	// Seed of every run (zero: 1).
	Seed uint64
	// Command is written into the scenario's header comment.
	Command string
}

// Check is one condition of the verdict.
type Check struct {
	Name     string `json:"name"`
	Pass     bool   `json:"pass"`
	Measured string `json:"measured"`
	Limit    string `json:"limit"`
}

// Resource is one constraint of the plan: what the busiest broker (or the
// consumers) measured, beside the plan's arithmetic at the same rate and
// the plan's target. Utilisations are fractions of capacity; Plan is NaN
// where the plan has no arithmetic for it.
type Resource struct {
	Key      string  `json:"key"`
	Name     string  `json:"name"`
	Plan     float64 `json:"-"`
	Measured float64 `json:"measured"`
	Target   float64 `json:"target"`
	// Saturates marks resources that limit throughput (NICs, disk
	// bandwidth, CPU, consumers) rather than capacity (storage, replicas).
	Saturates bool   `json:"saturates"`
	Pass      bool   `json:"pass"`
	Note      string `json:"note,omitempty"` // how Measured was obtained, where not obvious
}

// MarshalJSON writes Plan as null where the plan has no arithmetic.
func (r Resource) MarshalJSON() ([]byte, error) {
	type plain Resource
	var plan *float64
	if !math.IsNaN(r.Plan) {
		plan = &r.Plan
	}
	return json.Marshal(struct {
		plain
		Plan *float64 `json:"plan"`
	}{plain(r), plan})
}

// Verification is one run of a plan at a rate, judged.
type Verification struct {
	Workload          string         `json:"workload"`
	Which             string         `json:"plan"` // exact or recommended
	Brokers           int            `json:"brokers"`
	Partitions        int            `json:"partitions"`
	ConsumersPerGroup int            `json:"consumers_per_group"`
	Groups            int            `json:"consumer_groups"`
	Rate              float64        `json:"offered_per_s"`
	Duration          units.Duration `json:"duration_seconds"`
	// Capped says the duration was shortened to the work budget.
	Capped     bool   `json:"capped,omitempty"`
	BrokerDown bool   `json:"broker_down,omitempty"` // one broker shut down for the whole run (N−1)
	Seed       uint64 `json:"seed"`

	Holds bool `json:"holds"`
	// Sustains is Holds without the resource targets: the checks alone.
	Sustains bool `json:"sustains"`
	// Binding is the failing resource or check that gives out first, or,
	// when the plan holds, the resource nearest its target.
	Binding   string     `json:"binding"`
	Checks    []Check    `json:"checks"`
	Resources []Resource `json:"resources"`

	Delivered float64 `json:"delivered_per_s"` // processed/s over the last 80% of producing, the slowest group
	P99       float64 `json:"p99_e2e_seconds"`
	Messages  int64   `json:"messages"` // handed to producers
	// AckShare is acknowledgements over production in the trend window;
	// LagGrowth the steepest group's lag slope over the offered rate.
	AckShare  float64 `json:"ack_share"`
	LagGrowth float64 `json:"lag_growth"`

	Scenario     *scenarios.LoadedScenario `json:"-"`
	ScenarioYAML []byte                    `json:"-"`
	Results      *model.Results            `json:"-"`
}

// Verify plays the plan at its peak and judges it.
func Verify(p *capacity.Plan, opt Options) (*Verification, error) {
	d := opt.Duration
	capped := false
	if d == 0 {
		d = DefaultDuration
		if limit := budgetDuration(p.PeakMessagesPerSec, MaxMessages); limit < d {
			d, capped = limit, true
		}
	}
	v, err := play(p, opt, p.PeakMessagesPerSec, d, false)
	if err != nil {
		return nil, err
	}
	v.Capped = capped
	return v, nil
}

// budgetDuration is the longest run offering at most n messages at rate,
// in whole milliseconds, at least a millisecond.
func budgetDuration(rate float64, n int64) units.Duration {
	ms := math.Floor(float64(n) / rate * 1e3)
	return units.Duration(max(1, ms)) * units.Millisecond
}

// play runs the plan at rate for d (one broker shut down when down) and
// judges the run.
func play(p *capacity.Plan, opt Options, rate float64, d units.Duration, down bool) (*Verification, error) {
	w := p.Workload
	v := &Verification{Workload: w.Name, Which: "exact", Brokers: p.Brokers, Partitions: p.Partitions,
		ConsumersPerGroup: p.ConsumersPerGroup, Groups: w.ConsumerGroups, Rate: rate, Duration: d, BrokerDown: down, Seed: opt.Seed}
	if opt.Recommended {
		v.Which = "recommended"
		v.Brokers, v.Partitions, v.ConsumersPerGroup = p.Recommended.Brokers, p.Recommended.Partitions, p.Recommended.ConsumersPerGroup
	}
	if opt.Brokers > 0 {
		v.Brokers = opt.Brokers
	}
	if opt.Partitions > 0 {
		v.Partitions, v.ConsumersPerGroup = opt.Partitions, opt.Partitions
	}
	if v.Seed == 0 {
		v.Seed = 1
	}
	data, _, err := scenarios.FromPlan(p, scenarios.PlanOptions{Recommended: opt.Recommended, Duration: d, Command: opt.Command})
	if err != nil {
		return nil, err
	}
	if down {
		if v.Brokers < 2 {
			return nil, errors.New("one broker down: the plan has a single broker")
		}
		// A controlled shutdown at the start, for the whole run: its
		// leaders move to the survivors, which carry the load.
		data = append(data, "faults:\n  - type: broker-shutdown\n    broker: 0\n    at: 0s\n"...)
	}
	iv := max(units.Millisecond, d/samplesPerRun)
	sets := []string{
		"seed=" + strconv.FormatUint(v.Seed, 10),
		"duration=" + nanos(d),
		"warmup=" + nanos(min(units.Second, d/10)),
		"drain=" + nanos(max(units.Millisecond, d/4)),
		"sample_interval=" + nanos(iv),
		"producers.*.rate=" + strconv.FormatFloat(rate, 'f', -1, 64) + "/s",
		"cluster.brokers=" + strconv.Itoa(v.Brokers),
		"topics.*.partitions=" + strconv.Itoa(v.Partitions),
		"consumer_groups.*.consumers=" + strconv.Itoa(v.ConsumersPerGroup),
	}
	name := w.Name
	if name == "" {
		name = "workload"
	}
	ls, err := scenarios.ParseScenario(name+"-plan.yaml", data, sets)
	if err != nil {
		return nil, fmt.Errorf("the plan as a scenario: %w", err)
	}
	res, err := model.Run(&ls.Scenario, model.Options{})
	if err != nil {
		return nil, fmt.Errorf("scenario %s (seed %d): %w", ls.Name, ls.Seed, err)
	}
	v.Scenario, v.ScenarioYAML, v.Results = ls, data, res
	judge(v, w.SLO, res, func() []Resource { return resources(v, p, res) })
	return v, nil
}

// nanos writes a duration exactly, as the scenario parser reads it.
func nanos(d units.Duration) string { return strconv.FormatInt(int64(d), 10) + "ns" }

// window returns the values of a series column sampled while producing
// (sample times in (from, to] seconds).
func window(res *model.Results, col string, from, to float64) (ts, vs []float64) {
	values := res.Series.Column(col)
	for i, t := range res.Series.Time {
		if i < len(values) && t > from && t <= to+1e-9 {
			ts = append(ts, t)
			vs = append(vs, values[i])
		}
	}
	return ts, vs
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	return stat.Mean(xs, nil)
}

// judge fills the checks, resources and verdict of v from res.
func judge(v *Verification, slo capacity.SLO, res *model.Results, measure func() []Resource) {
	T := v.Duration.Seconds()
	rate := v.Rate
	v.Messages = res.Produced
	v.P99 = res.E2ELatency.P99 / 1e3

	// Offered load accepted: Poisson arrivals give rate·T ± √(rate·T).
	expected := rate * T
	floor := AcceptedShare*expected - 3*math.Sqrt(expected)
	v.Checks = append(v.Checks, Check{Name: "offered load handed to producers",
		Pass:     float64(res.Produced) >= floor,
		Measured: fmtCount(float64(res.Produced)) + " messages",
		Limit:    fmt.Sprintf("≥ %s (%.0f%% of %s offered, less 3σ of Poisson noise)", fmtCount(max(0, floor)), AcceptedShare*100, fmtCount(expected))})
	// Acknowledged as fast as produced, after start-up: a cluster that
	// cannot keep up shows first as a queue in the producers (requests in
	// flight, batches waiting), which consumer lag does not see.
	_, producedRate := window(res, "produced_per_s", T*trendFrom, T)
	_, ackedRate := window(res, "acked_per_s", T*trendFrom, T)
	pr, ar := mean(producedRate), mean(ackedRate)
	ackShare := 1.0
	if pr > 0 {
		ackShare = ar / pr
	}
	v.AckShare = ackShare
	v.Checks = append(v.Checks, Check{Name: "acknowledged as fast as produced", Pass: ackShare >= 1-LagGrowthShare,
		Measured: fmt.Sprintf("%s/s acknowledged of %s/s produced (%.1f%%) over the last 80%% of producing", fmtCount(ar), fmtCount(pr), ackShare*100),
		Limit:    fmt.Sprintf("≥ %.0f%%", (1-LagGrowthShare)*100)})
	bad := res.Lost + res.Failed + res.Indeterminate
	v.Checks = append(v.Checks, Check{Name: "nothing lost", Pass: bad == 0,
		Measured: fmt.Sprintf("lost %d, failed %d, indeterminate %d", res.Lost, res.Failed, res.Indeterminate),
		Limit:    "0"})

	// Lag, per group: bounded at the end of producing and not growing over
	// its last 80% (the first fifth is start-up: the group joins, the
	// pipeline fills).
	maxLag := DefaultMaxLag
	if slo.MaxLag > 0 {
		maxLag = slo.MaxLag
	}
	v.Delivered = math.Inf(1)
	for _, g := range res.Groups {
		ts, lag := window(res, "lag/"+g.Name, 0, T)
		end, slope := 0.0, 0.0
		if len(lag) > 0 {
			end = lag[len(lag)-1]
		}
		var hts, hlag []float64
		for i, t := range ts {
			if t > T*trendFrom {
				hts, hlag = append(hts, t), append(hlag, lag[i])
			}
		}
		if len(hts) >= 3 {
			_, slope = stat.LinearRegression(hts, hlag, nil, false)
		}
		// Delivered in steady state (the last 80%, after the group has
		// joined and the pipeline filled): what was acknowledged less what
		// the lag grew by. Consumers complete a poll's records together,
		// so the lag's trend measures their rate better than the lumpy
		// per-interval counts do.
		_, acked := window(res, "acked_per_s", T*trendFrom, T)
		v.Delivered = min(v.Delivered, max(0, mean(acked)-slope))
		v.LagGrowth = max(v.LagGrowth, slope/rate)
		limit := maxLag.Seconds() * rate
		v.Checks = append(v.Checks,
			Check{Name: "lag bounded, " + g.Name,
				Pass:     end <= limit,
				Measured: fmt.Sprintf("%s messages at the end of producing (%s of traffic)", fmtCount(end), fmtSeconds(end/rate)),
				Limit:    fmt.Sprintf("≤ %s (max_lag %s)", fmtCount(limit), maxLag)},
			Check{Name: "lag not growing, " + g.Name,
				Pass:     slope <= LagGrowthShare*rate,
				Measured: fmt.Sprintf("%s/s over the last 80%% of producing (%s of the offered rate)", fmtSigned(slope), pctOf(slope, rate)),
				Limit:    fmt.Sprintf("≤ %s/s (%.0f%%)", fmtCount(LagGrowthShare*rate), LagGrowthShare*100)})
	}
	if math.IsInf(v.Delivered, 1) {
		v.Delivered = 0
	}
	if slo.P99E2E > 0 {
		v.Checks = append(v.Checks, Check{Name: "p99 end-to-end", Pass: res.E2ELatency.Count > 0 && v.P99 <= slo.P99E2E.Seconds(),
			Measured: fmtSeconds(v.P99), Limit: "≤ " + slo.P99E2E.String() + " (slo.p99_e2e)"})
	}

	v.Resources = measure()
	// A broker resource busy nearly all the time has a queue that only
	// grows: the run may be too short to show it as lag (a page cache
	// absorbs disk writes for a while), but the rate is not sustainable.
	name, busy := "", 0.0
	for _, r := range v.Resources {
		if r.Saturates && r.Key != "consumers" && r.Measured > busy {
			name, busy = r.Name, r.Measured
		}
	}
	v.Checks = append(v.Checks, Check{Name: "no broker resource saturated", Pass: busy < SaturatedBusy,
		Measured: fmt.Sprintf("busiest: %s, %.1f%% busy", name, busy*100),
		Limit:    fmt.Sprintf("< %.0f%% busy", SaturatedBusy*100)})
	v.Sustains = true
	firstCheck := ""
	for _, c := range v.Checks {
		if !c.Pass {
			v.Sustains = false
			if firstCheck == "" {
				firstCheck = c.Name
			}
		}
	}
	v.Holds = v.Sustains
	nearest, nearestRatio := "", -1.0
	for _, r := range v.Resources {
		if !r.Pass {
			v.Holds = false
		}
		if ratio := r.Measured / r.Target; ratio > nearestRatio {
			nearest, nearestRatio = r.Name, ratio
		}
	}
	// The binding: a failing resource over its target, else (when only a
	// check fails) the busiest saturating resource if it is nearly full,
	// else the failing check; when the plan holds, the resource nearest
	// its target.
	switch {
	case !v.Holds && failingResource(v) != "":
		v.Binding = failingResource(v)
	case !v.Holds:
		if r, u := busiest(v); u >= 0.9 {
			v.Binding = r
		} else {
			v.Binding = firstCheck
		}
	default:
		v.Binding = nearest
	}
}

// failingResource is the resource furthest over its target, or "".
func failingResource(v *Verification) string {
	name, ratio := "", 0.0
	for _, r := range v.Resources {
		if !r.Pass && r.Measured/r.Target > ratio {
			name, ratio = r.Name, r.Measured/r.Target
		}
	}
	return name
}

// busiest is the saturating resource with the highest measured
// utilisation.
func busiest(v *Verification) (string, float64) {
	name, u := "", -1.0
	for _, r := range v.Resources {
		if r.Saturates && r.Measured > u {
			name, u = r.Name, r.Measured
		}
	}
	return name, u
}

// resources measures each constraint on the busiest broker while
// producing and sets the plan's arithmetic at the same rate beside it.
func resources(v *Verification, p *capacity.Plan, res *model.Results) []Resource {
	w := p.Workload
	T := v.Duration.Seconds()
	bytesPerSec := v.Rate * p.BytesPerMessage
	rf := float64(w.ReplicationFactor)
	n := float64(v.Brokers)
	netTarget := float64(w.NetworkTarget)
	fill := float64(w.DiskFillTarget)
	if v.Which == "recommended" {
		netTarget = min(netTarget, float64(w.RecommendedNetworkTarget))
		fill = min(fill, float64(w.RecommendedDiskFill))
	}
	busiestUtil := func(res *model.Results, key string) float64 { return busiestUtil(res, key, T) }
	var out []Resource
	add := func(r Resource) {
		r.Pass = r.Measured <= r.Target+1e-12
		out = append(out, r)
	}
	// The recommended plan's NICs carry the wire bytes, and the busiest
	// broker more than its share (capacity.WireBytes, NICImbalance).
	wireBytes, imb := bytesPerSec, 1.0
	if v.Which == "recommended" && p.Recommended.WireBytesPerMessage > 0 {
		wireBytes = v.Rate * p.Recommended.WireBytesPerMessage
		imb, _ = capacity.NICImbalance(w, v.Rate, v.Brokers)
	}
	add(Resource{Key: "nic_in", Name: "broker NIC ingress", Saturates: true,
		Plan: wireBytes * rf / n / float64(w.NICBandwidth) * imb, Measured: busiestUtil(res, "nic_in"), Target: netTarget})
	add(Resource{Key: "nic_out", Name: "broker NIC egress", Saturates: true,
		Plan: wireBytes * (float64(w.ConsumerGroups) + rf - 1) / n / float64(w.NICBandwidth) * imb, Measured: busiestUtil(res, "nic_out"), Target: netTarget})
	add(Resource{Key: "disk_write", Name: "broker disk write", Saturates: true,
		Plan: bytesPerSec * rf / n / float64(w.DiskThroughput), Measured: busiestUtil(res, "disk_write"), Target: 1})
	add(Resource{Key: "disk_read", Name: "broker disk read", Saturates: true,
		Plan: math.NaN(), Measured: busiestUtil(res, "disk_read"), Target: 1, Note: "reads past the page cache; the plan assumes none"})
	add(Resource{Key: "cpu", Name: "broker CPU", Saturates: true,
		Plan: math.NaN(), Measured: busiestUtil(res, "cpu"), Target: 1, Note: "request handler threads; the plan has no CPU arithmetic"})

	// Storage: the bytes the busiest broker's disk wrote per message
	// offered (record batches as stored, every replica it holds), at the
	// average rate, kept for the retention, against its disk.
	diskW, busiestReplicas := 0.0, 0
	for _, b := range res.Brokers {
		_, u := window(res, fmt.Sprintf("util/%d/disk_write", b.ID), 0, T)
		if m := mean(u); m > diskW {
			diskW, busiestReplicas = m, b.Replicas
		}
	}
	perMsg := diskW * float64(w.DiskThroughput) / v.Rate
	note := fmt.Sprintf("the busiest broker's disk writes %s per message (the plan: %s × RF %d ÷ %d brokers = %s), at the average %s, kept %s",
		units.FormatBytes(perMsg), units.FormatBytes(p.BytesPerMessage), w.ReplicationFactor, v.Brokers, units.FormatBytes(p.BytesPerMessage*rf/n), units.Rate(p.AvgMessagesPerSec), w.Retention)
	if busiestReplicas > 0 {
		// That broker holds busiestReplicas of the topic's partitions'
		// replicas: each of its records stands for one message, so a
		// message's stored size is perMsg × partitions ÷ replicas.
		stored := perMsg * float64(v.Partitions) / float64(busiestReplicas)
		note += fmt.Sprintf("; it holds %d of the %d replicas (%.1f on average), and each record takes %s on disk",
			busiestReplicas, v.Partitions*w.ReplicationFactor, float64(v.Partitions)*rf/n, units.FormatBytes(stored))
		if extra := stored - p.BytesPerMessage; extra > 0.01*p.BytesPerMessage {
			note += fmt.Sprintf(" — %s more than the plan counts (message_overhead)", units.FormatBytes(extra))
		}
	}
	add(Resource{Key: "storage", Name: "broker storage",
		Plan:     p.ReplicatedBytes / n / float64(w.DiskPerBroker),
		Measured: perMsg * p.AvgMessagesPerSec * w.Retention.Seconds() / float64(w.DiskPerBroker), Target: fill,
		Note: note})
	replicas := 0
	for _, b := range res.Brokers {
		replicas = max(replicas, b.Replicas)
	}
	add(Resource{Key: "replicas", Name: "partition replicas per broker",
		Plan:     float64(v.Partitions) * rf / n / float64(w.MaxPartitionsPerBroker),
		Measured: float64(replicas) / float64(w.MaxPartitionsPerBroker), Target: 1,
		Note: fmt.Sprintf("%d replicas on the busiest broker of %d allowed", replicas, w.MaxPartitionsPerBroker)})
	if w.ConsumerThroughput > 0 && v.ConsumersPerGroup > 0 {
		mu := float64(w.ConsumerThroughput) * float64(v.ConsumersPerGroup)
		add(Resource{Key: "consumers", Name: "consumers", Saturates: true,
			Plan: v.Rate / mu, Measured: v.Delivered / mu, Target: 1,
			Note: fmt.Sprintf("delivered per group ÷ (%d consumers × %s)", v.ConsumersPerGroup, units.Rate(w.ConsumerThroughput))})
	}
	return out
}

func fmtCount(x float64) string { return units.FormatSI(math.Round(x)) }

func fmtSigned(x float64) string {
	if x < 0 {
		return "−" + units.FormatSI(-x)
	}
	return units.FormatSI(x)
}

func fmtSeconds(s float64) string {
	switch {
	case s == 0:
		return "0s"
	case s < 1e-3:
		return strconv.FormatFloat(s*1e6, 'f', 0, 64) + "µs"
	case s < 1:
		return strconv.FormatFloat(s*1e3, 'f', 1, 64) + "ms"
	}
	return strconv.FormatFloat(s, 'f', 2, 64) + "s"
}

// Verdict is the verification's one-sentence answer.
func (v *Verification) Verdict() string {
	what := plural(v.Brokers, "broker") + ", " + plural(v.Partitions, "partition")
	if v.BrokerDown {
		what += ", one broker down"
	}
	if v.Holds {
		return fmt.Sprintf("The %s plan (%s) holds at %s: lag bounded, nothing lost, every resource within its target; nearest its limit: %s.",
			v.Which, what, units.Rate(v.Rate), v.Binding)
	}
	var failed []string
	for _, c := range v.Checks {
		if !c.Pass {
			failed = append(failed, c.Name)
		}
	}
	for _, r := range v.Resources {
		if !r.Pass {
			failed = append(failed, fmt.Sprintf("%s at %s of a %s target", r.Name, pct(r.Measured), pct(r.Target)))
		}
	}
	return fmt.Sprintf("The %s plan (%s) does not hold at %s: %s gives out first (%s).",
		v.Which, what, units.Rate(v.Rate), v.Binding, strings.Join(failed, "; "))
}

func pct(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return strconv.FormatFloat(x*100, 'f', 1, 64) + "%"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// busiestUtil is the highest mean utilisation of a broker resource while
// producing (the first T seconds).
func busiestUtil(res *model.Results, key string, T float64) float64 {
	m := 0.0
	for _, b := range res.Brokers {
		_, u := window(res, fmt.Sprintf("util/%d/%s", b.ID, key), 0, T)
		m = max(m, mean(u))
	}
	return m
}

// brokerResources are the throughput resources of the busiest broker,
// for a run with no plan to compare with.
func brokerResources(res *model.Results, T float64) []Resource {
	var out []Resource
	for _, r := range []struct{ key, name string }{
		{"nic_in", "broker NIC ingress"}, {"nic_out", "broker NIC egress"}, {"disk_write", "broker disk write"},
		{"disk_read", "broker disk read"}, {"cpu", "broker CPU"},
	} {
		u := busiestUtil(res, r.key, T)
		out = append(out, Resource{Key: r.key, Name: r.name, Plan: math.NaN(), Measured: u, Target: 1, Saturates: true, Pass: u <= 1})
	}
	return out
}

// pctOf is x as a share of of, to a tenth of a percent, with no "−0.0%".
func pctOf(x, of float64) string {
	p := 100 * x / of
	if math.Abs(p) < 0.05 {
		p = 0
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}
