package compare

import (
	"cmp"
	"fmt"
	"math"
	"sort"
	"strings"

	"mqsim/model"
	"mqsim/model/verify"
	"mqsim/scenarios/units"
)

// Criteria are the table's rows: the seed's, with p99 latency added.
var Criteria = []string{"Throughput", "Latency p99", "Ordering", "Retention", "Replay", "Delivery", "Use case", "Operations"}

// Seed is the seed's comparison table (its columns Kafka, RabbitMQ, SQS,
// Pulsar), the claims the measured cells are held against.
var Seed = map[string]map[string]string{
	"Kafka": {"Throughput": "Millions/sec", "Ordering": "Per-partition", "Retention": "Days/weeks (configurable)",
		"Replay": "Yes (offset reset)", "Delivery": "At-least-once (exactly-once available)", "Use case": "Event streaming, data pipeline",
		"Operations": "Complex (ZK/KRaft, brokers)"},
	"RabbitMQ": {"Throughput": "10-50K/sec", "Ordering": "Per-queue", "Retention": "Until consumed", "Replay": "No (consumed = gone)",
		"Delivery": "At-least-once", "Use case": "Task queue, RPC", "Operations": "Moderate"},
	"SQS": {"Throughput": "Unlimited (managed)", "Ordering": "Best-effort (FIFO available)", "Retention": "14 days max", "Replay": "No",
		"Delivery": "At-least-once", "Use case": "AWS serverless, simple", "Operations": "Zero (managed)"},
	"Pulsar": {"Throughput": "Millions/sec", "Ordering": "Per-partition", "Retention": "Tiered (infinite)", "Replay": "Yes",
		"Delivery": "At-least-once", "Use case": "Multi-tenant, geo-replicated", "Operations": "Complex"},
}

// seedColumn is the seed's column a system is held against ("" for the
// fan-out services, which the seed's table does not rate).
func seedColumn(id string) string {
	switch {
	case id == "kafka":
		return "Kafka"
	case strings.HasPrefix(id, "rabbitmq"):
		return "RabbitMQ"
	case strings.HasPrefix(id, "sqs"):
		return "SQS"
	case id == "pulsar":
		return "Pulsar"
	}
	return ""
}

// Cell is one measured cell.
type Cell struct {
	Text string // the measurement, short
	// Contradicts is set when the measurement contradicts the seed's
	// claim; Why explains it.
	Contradicts bool
	Why         string
	NA          bool // not applicable (Text says why)
}

// Cell returns the cell of a criterion for a column.
func (c *Comparison) Cell(col *Column, criterion string) Cell {
	if col.Skipped != "" {
		return Cell{Text: "not run: " + col.Skipped, NA: true}
	}
	st := col.Runs[TrialSteady]
	if st == nil || st.Results == nil {
		msg := "the steady trial failed"
		if st != nil && st.Err != "" {
			msg += ": " + st.Err
		}
		return Cell{Text: msg, NA: true}
	}
	r := st.Results
	seed := Seed[seedColumn(col.ID)][criterion]
	switch criterion {
	case "Throughput":
		return c.throughput(col, r, seed)
	case "Latency p99":
		return Cell{Text: fmt.Sprintf("%s end to end, %s to ack", ms(r.E2ELatency.P99), ms(r.AckLatency.P99))}
	case "Ordering":
		txt := fmt.Sprintf("%s reordered of %s (keys: %d)", units.FormatSI(float64(r.Reordered)), units.FormatSI(float64(r.Acked*int64(col.Groups))), c.Keys)
		cell := Cell{Text: txt}
		if r.Reordered > 0 && (seed == "Per-partition" || seed == "Per-queue") {
			cell.Contradicts = true
			if seed == "Per-queue" {
				cell.Why = "a queue keeps order only with one consumer: competing consumers (here " + fmt.Sprint(c.Consumers) + " per queue) and redeliveries reorder a key's messages"
			} else {
				cell.Why = "per-partition order held by the log, but redelivery after a fault or parallel processing reordered some keys"
			}
		}
		return cell
	case "Retention":
		return Cell{Text: c.retention(col, r)}
	case "Replay":
		rp := col.Runs[TrialReplay]
		if rp == nil || rp.NA != "" {
			cell := Cell{Text: "no: " + rp.NA}
			if strings.HasPrefix(seed, "Yes") {
				cell.Contradicts = true
				cell.Why = "the seed says replay is possible"
			}
			return cell
		}
		if rp.Results == nil {
			return Cell{Text: "replay trial failed: " + rp.Err, NA: true}
		}
		g := findGroup(rp.Results, "replay")
		if g == nil {
			return Cell{Text: "replay trial has no replay group", NA: true}
		}
		secs := rp.Results.SimSeconds - (c.Duration.Seconds() - 1)
		cell := Cell{Text: fmt.Sprintf("yes: %s messages of history re-read in %.1fs", units.FormatSI(float64(g.Processed)), secs)}
		// The trial's history is its producing time; a reset to an hour
		// ago replays an hour of the workload's peak at the rate
		// measured here.
		if secs > 0 && g.Processed > 0 {
			rate := float64(g.Processed) / secs
			hour := c.PeakRate * 3600
			cell.Text += fmt.Sprintf(" (%s/s): an hour of the peak (%s messages) would take about %.0f min", units.FormatSI(rate), units.FormatSI(hour),
				math.Ceil(hour/rate/60))
		}
		if g.Processed < rp.Results.Acked*9/10 {
			cell.Contradicts = strings.HasPrefix(seed, "Yes")
			cell.Text = fmt.Sprintf("partly: %s of %s messages re-read", units.FormatSI(float64(g.Processed)), units.FormatSI(float64(rp.Results.Acked)))
			cell.Why = "the replaying group did not get the whole history back"
		}
		return cell
	case "Delivery":
		var parts []string
		lost := false
		for _, t := range []string{TrialSteady, TrialCrash, TrialNode} {
			tr := col.Runs[t]
			switch {
			case tr == nil:
			case tr.NA != "":
				parts = append(parts, t+": n/a")
			case tr.Results == nil:
				parts = append(parts, t+": failed")
			default:
				x := tr.Results
				parts = append(parts, fmt.Sprintf("%s: %d lost, %s dup", t, x.Lost, units.FormatSI(float64(x.Duplicates))))
				lost = lost || x.Lost > 0
			}
		}
		cell := Cell{Text: strings.Join(parts, "; ")}
		if lost && strings.Contains(seed, "At-least-once") {
			cell.Contradicts = true
			cell.Why = "acknowledged messages were lost in a fault trial: at-least-once holds only for what the system replicated before it acknowledged (a classic queue lives on one node)"
		}
		return cell
	case "Use case":
		if seed == "" {
			switch col.ID {
			case "sns-sqs":
				return Cell{Text: "fan-out to queues and endpoints, with filtering (not measured: a judgement)"}
			case "pubsub":
				return Cell{Text: "managed pub/sub on Google Cloud (not measured: a judgement)"}
			}
		}
		return Cell{Text: seed + " (not measured: a judgement)"}
	case "Operations":
		if col.Managed {
			return Cell{Text: c.managed(col)}
		}
		return Cell{Text: fmt.Sprintf("%d nodes: %s", col.Nodes, col.NodesOf)}
	}
	return Cell{Text: "?", NA: true}
}

func ms(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.1fs", v/1000)
	}
	return fmt.Sprintf("%.3gms", v)
}

func findGroup(r *model.Results, name string) *model.GroupResult {
	for i := range r.Groups {
		if r.Groups[i].Name == name {
			return &r.Groups[i]
		}
	}
	return nil
}

// groupRate is group i's processed messages per second of producing time.
func groupRate(r *model.Results, i int, secs float64) float64 {
	if i >= len(r.Groups) || secs <= 0 {
		return 0
	}
	return float64(r.Groups[i].Processed) / secs
}

func (c *Comparison) bottleneck(col *Column) string {
	switch col.ID {
	case "sqs-fifo":
		return "a FIFO queue takes 300 API calls/s per action without high-throughput mode: sends go 10 to a call, but each message is deleted by its own call (DeleteMessageBatch is not modelled), so about 300 messages/s"
	case "sqs-standard", "sns-sqs":
		return "consumer threads make one receive per request latency: add consumers (or batch) to go faster"
	}
	st := col.Runs[TrialSteady].Results
	if st.BusiestResource != "" {
		return fmt.Sprintf("its busiest resource, %s, was %.0f%% busy", st.BusiestResource, 100*st.BusiestUtilisation)
	}
	return "its consumers fell behind"
}

func (c *Comparison) retention(col *Column, r *model.Results) string {
	lost := fmt.Sprintf("; %d lost to retention in the trials", r.LostToRetention)
	sc := col.Scenario
	switch {
	case sc == nil:
		return "unknown"
	case col.Kind == "kafka" || col.Kind == "pulsar":
		if len(sc.Topics) > 0 {
			return fmt.Sprintf("log kept %s whether read or not", sc.Topics[0].Retention) + lost
		}
	case col.Kind == "rabbitmq":
		return "until consumed (acked messages deleted)" + lost
	case col.Kind == "sqs" && sc.SQS != nil:
		return fmt.Sprintf("until deleted, at most %s (max 14d)", sc.SQS.Queues[0].Retention) + lost
	case col.Kind == "sns" && sc.SNS != nil:
		return fmt.Sprintf("SNS keeps nothing; each queue until deleted, at most %s", sc.SNS.Subscriptions[0].Queue.Retention) + lost
	case col.Kind == "pubsub":
		return "until acked (message retention not modelled; Pub/Sub's default is 7 days)" + lost
	}
	return "see the system's section" + lost
}

// Needs are the decision framework's questions `--need` accepts.
var Needs = map[string]string{
	"replay":        "re-read history after it was consumed",
	"per-key-order": "no message of a key processed after a later one (steady trial)",
	"fan-out":       "every consumer group gets every message",
	"no-loss":       "nothing acknowledged lost in any trial",
	"no-duplicates": "no message processed twice in any trial",
	"managed":       "no machines to run",
	"throughput":    "keeps up with the workload's peak",
	"routing":       "routing by key patterns, priorities (RabbitMQ exchanges; SNS filter policies)",
	"multi-region":  "built-in geo-replication",
	"low-latency":   "p99 end to end under 100 ms in the steady trial",
}

// NeedNames lists Needs' keys, sorted.
func NeedNames() []string {
	var out []string
	for k := range Needs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Verdict is one system's answer to a list of needs.
type Verdict struct {
	Label   string
	OK      bool
	Reasons []string // why excluded, or why it fits
	p99     float64
	nodes   int
}

// Decide filters the columns by needs (each one a key of Needs) and ranks
// those that meet all of them: fewest nodes to run, then lowest p99.
func (c *Comparison) Decide(needs []string) ([]Verdict, error) {
	for _, n := range needs {
		if _, ok := Needs[n]; !ok {
			return nil, fmt.Errorf("unknown need %q: want %s", n, strings.Join(NeedNames(), ", "))
		}
	}
	var out []Verdict
	for _, col := range c.Columns {
		v := Verdict{Label: col.Label, OK: true, nodes: col.Nodes}
		if col.Skipped != "" {
			v.OK = false
			v.Reasons = []string{"not run: " + col.Skipped}
			out = append(out, v)
			continue
		}
		st := col.Runs[TrialSteady].Results
		if st == nil {
			v.OK = false
			v.Reasons = []string{"the steady trial failed"}
			out = append(out, v)
			continue
		}
		v.p99 = st.E2ELatency.P99
		for _, n := range needs {
			ok, why := c.meets(col, n)
			if !ok {
				v.OK = false
			}
			if !ok || len(needs) > 0 {
				v.Reasons = append(v.Reasons, n+": "+why)
			}
		}
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.OK != b.OK {
			return a.OK
		}
		if a.nodes != b.nodes {
			return a.nodes < b.nodes
		}
		return a.p99 < b.p99
	})
	return out, nil
}

func (c *Comparison) meets(col *Column, need string) (bool, string) {
	st := col.Runs[TrialSteady].Results
	trials := func(fn func(r *model.Results) int64) (int64, []string) {
		var n int64
		var seen []string
		for _, t := range []string{TrialSteady, TrialCrash, TrialNode} {
			if tr := col.Runs[t]; tr != nil && tr.Results != nil {
				n += fn(tr.Results)
				seen = append(seen, t)
			}
		}
		return n, seen
	}
	switch need {
	case "replay":
		cell := c.Cell(col, "Replay")
		return strings.HasPrefix(cell.Text, "yes"), cell.Text
	case "per-key-order":
		if st.Reordered > 0 {
			return false, fmt.Sprintf("%d messages reordered in the steady trial", st.Reordered)
		}
		return true, "0 reordered in the steady trial"
	case "fan-out":
		if col.Groups < 2 {
			return false, "a queue hands each message to one consumer: fan-out needs SNS in front (the SNS → SQS column)"
		}
		return true, fmt.Sprintf("%d groups each processed every message", col.Groups)
	case "no-loss":
		n, seen := trials(func(r *model.Results) int64 { return r.Lost })
		if n > 0 {
			return false, fmt.Sprintf("%d acknowledged messages lost (%s)", n, strings.Join(seen, ", "))
		}
		return true, "0 lost in " + strings.Join(seen, ", ")
	case "no-duplicates":
		n, seen := trials(func(r *model.Results) int64 { return r.Duplicates })
		if n > 0 {
			return false, fmt.Sprintf("%d duplicates (%s): at-least-once needs idempotent consumers", n, strings.Join(seen, ", "))
		}
		return true, "0 duplicates in " + strings.Join(seen, ", ")
	case "managed":
		if !col.Managed {
			return false, fmt.Sprintf("%d nodes to run", col.Nodes)
		}
		return true, "managed"
	case "throughput":
		cell := c.Cell(col, "Throughput")
		return strings.HasSuffix(cell.Text, "kept up"), cell.Text
	case "routing":
		if col.Kind == "rabbitmq" || col.Kind == "sns" {
			return true, "exchanges and bindings (RabbitMQ) or filter policies (SNS)"
		}
		return false, "no broker-side routing: consumers filter"
	case "multi-region":
		if col.Kind == "pulsar" {
			return true, "built-in geo-replication per namespace"
		}
		return false, "no built-in geo-replication modelled (a replicator is extra)"
	case "low-latency":
		if st.E2ELatency.P99 >= 100 {
			return false, "p99 " + ms(st.E2ELatency.P99)
		}
		return true, "p99 " + ms(st.E2ELatency.P99)
	}
	return false, "unknown need"
}

// Contradictions lists the marked cells: column, criterion and why.
func (c *Comparison) Contradictions() [][3]string {
	var out [][3]string
	for _, crit := range Criteria {
		for _, col := range c.Columns {
			if cell := c.Cell(col, crit); cell.Contradicts {
				out = append(out, [3]string{col.Label, crit, cell.Why})
			}
		}
	}
	return out
}

// throughput is the Throughput cell: the highest rate the system's
// cluster sustained in the maximum-rate search (consumers free), then
// whether the trial at the workload's rate kept up.
func (c *Comparison) throughput(col *Column, r *model.Results, seed string) Cell {
	out := groupRate(r, 0, c.Duration.Seconds())
	// Kept up: the backlog never exceeded one second of traffic.
	kept := float64(r.MaxLag) <= c.Rate && r.Unseen == 0
	at := fmt.Sprintf("at %s/s: %s/s in, %s/s out per group", units.FormatSI(c.Rate), units.FormatSI(r.ThroughputIn), units.FormatSI(out))
	if kept {
		at += ", kept up"
	} else {
		at += fmt.Sprintf(", fell behind (backlog up to %s)", units.FormatSI(float64(r.MaxLag)))
	}
	h := col.Max
	var max string
	switch {
	case h == nil && col.MaxErr != "":
		max = "max not found (" + col.MaxErr + ")"
	case h == nil:
		max = "max not searched"
	case h.HoldsTo == 0:
		max = fmt.Sprintf("max below %s/s with consumers that cost nothing (%s)", units.FormatSI(h.FailsAt), cmp.Or(h.FirstOut, "nothing sustained"))
	case h.FailsAt == 0:
		max = fmt.Sprintf("max ≥ %s/s with consumers that cost nothing (the search's ceiling)", units.FormatSI(h.HoldsTo))
	default:
		max = fmt.Sprintf("max %s/s with consumers that cost nothing (at %s/s %s)", units.FormatSI(h.HoldsTo), units.FormatSI(h.FailsAt), gaveOutText(h))
	}
	cell := Cell{Text: max + "; " + at}
	reached := 0.0
	if h != nil {
		reached = h.HoldsTo
	}
	bounded := h != nil && h.FailsAt > 0
	switch {
	case !kept && (strings.Contains(seed, "Unlimited") || strings.Contains(seed, "Millions")):
		cell.Contradicts = true
		cell.Why = fmt.Sprintf("the seed says %q, but this run did not carry %s/s: %s", seed, units.FormatSI(c.Rate), c.bottleneck(col))
	case bounded && strings.Contains(seed, "Millions") && reached < 1e6:
		cell.Contradicts = true
		cell.Why = fmt.Sprintf("the seed says %q; this cluster (%s) gives out at %s/s with %s-byte messages: millions need more or bigger machines, smaller messages or more partitions", seed, col.NodesOf, units.FormatSI(h.FailsAt), units.FormatSI(float64(c.Plan.Workload.MessageSize)))
	case bounded && strings.Contains(seed, "Unlimited") && reached < c.PeakRate:
		cell.Contradicts = true
		cell.Why = fmt.Sprintf("the seed says %q, but it gives out at %s/s: %s", seed, units.FormatSI(h.FailsAt), c.bottleneck(col))
	case seed == "10-50K/sec" && reached > 50_000:
		cell.Contradicts = true
		cell.Why = "above the seed's 10–50K/s: the seed's figure is quorum queues with 1 KB messages; smaller messages, classic queues or streams go further"
	case seed == "10-50K/sec" && bounded && reached < 10_000:
		cell.Contradicts = true
		cell.Why = fmt.Sprintf("below the seed's 10–50K/s on these %d nodes: %s", col.Nodes, gaveOutText(h))
	}
	return cell
}

// gaveOutText says what failed first above the maximum rate.
func gaveOutText(h *verify.HeadroomResult) string {
	switch {
	case h.FirstOut == "":
		return "it does not keep up"
	case h.Saturated:
		return h.FirstOut + " is full"
	}
	return fmt.Sprintf("it fails the check %q", h.FirstOut)
}

// Stated limits of the managed services, from their documentation (the
// SQS and SNS developer guides' quota pages, the Pub/Sub docs).
var stated = map[string]string{
	"sqs-standard": "no per-queue call limit for standard queues, about 120,000 messages in flight, batches of ≤ 10",
	"sqs-fifo":     "300 calls/s per action (3,000 messages/s in batches of 10; high-throughput mode goes ×10 by region), 120,000 in flight",
	"sns-sqs":      "SNS standard topics state no publish limit (FIFO topics: 3,000 messages/s and 20 MB/s), then each queue's SQS limits",
	"pubsub":       "about 1 MB/s of publishes per ordering key; no per-topic limit here",
}

// managed is a managed service's Operations cell: no nodes, the limits
// that bound it, and what the maximum-rate search met.
func (c *Comparison) managed(col *Column) string {
	txt := "managed (no nodes to size); stated limits: " + stated[col.ID]
	h := col.Max
	switch {
	case h == nil:
		return txt
	case h.FailsAt == 0:
		return txt + fmt.Sprintf("; measured: none binds up to %s/s, the search's ceiling", units.FormatSI(h.HoldsTo))
	case col.ID == "sqs-fifo" && h.HoldsTo <= 1.1*300:
		return txt + fmt.Sprintf("; measured: the 300 calls/s limit binds at %s/s: each message is deleted by its own call", units.FormatSI(h.HoldsTo))
	case col.Kind == "sqs" || col.Kind == "sns":
		return txt + fmt.Sprintf("; measured: no service limit binds at %s/s — the %d consumers' receive loops do (one call per request latency each): more consumers go faster", units.FormatSI(h.HoldsTo), c.Consumers)
	}
	return txt + fmt.Sprintf("; measured: it gives out at %s/s (%s)", units.FormatSI(h.FailsAt), gaveOutText(h))
}
