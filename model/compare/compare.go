package compare

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"mqsim/capacity"
	"mqsim/model"
	"mqsim/model/verify"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// Trials, in table order.
const (
	TrialSteady = "steady"
	TrialCrash  = "consumer-crash"
	TrialNode   = "node-failure"
	TrialReplay = "replay"
)

// Trials lists the trial names in order.
var Trials = []string{TrialSteady, TrialCrash, TrialNode, TrialReplay}

// Options says how to compare.
type Options struct {
	// Duration is each trial's producing time (default 20 s): the fault
	// trials strike at a quarter and end at a half of it.
	Duration units.Duration
	// MaxRate caps the simulated rate (default 5K/s) so every system runs
	// in seconds; the table says when the peak was capped.
	MaxRate float64
	// Groups is how many of the workload's consumer groups to play (at
	// most 2 by default): enough to show fan-out.
	Groups int
	// Seed of every trial (default 1).
	Seed uint64
	// Parallel runs this many trials at once (default 1).
	Parallel int
	// Systems, if set, restricts the comparison to these row ids.
	Systems []string
	// Search bounds each system's maximum-rate search (zero: SearchBudget);
	// NoSearch skips it (the throughput cell then says so).
	Search   verify.Budget
	NoSearch bool
}

// SearchBudget bounds each system's maximum-rate search: 6 probes after
// the first, each at most 150K messages over 0.5 to 3 simulated seconds,
// so the highest rate it can find is 300K/s — a system above it is
// reported as "at least" that.
var SearchBudget = verify.Budget{Probes: 6, Messages: 150_000, MinDuration: 500 * units.Millisecond, MaxDuration: 3 * units.Second}

// System is one column of the table: a system and the settings it runs
// with (RabbitMQ's two queue types, SQS's two queue types, SNS fanning out
// to SQS).
type System struct {
	ID    string // "kafka", "rabbitmq-quorum", … (Options.Systems)
	Label string // the column heading
	Kind  string // the model's system name
	// Managed systems expose no node: the node-failure trial does not apply.
	Managed bool
	// Log systems keep what was consumed: the replay trial applies.
	Log bool
}

// Candidates are the systems a comparison tries, in column order; a kind
// not registered in the model is reported as skipped.
var Candidates = []System{
	{ID: "kafka", Label: "Kafka", Kind: scenarios.SystemKafka, Log: true},
	{ID: "rabbitmq-quorum", Label: "RabbitMQ quorum", Kind: scenarios.SystemRabbitMQ},
	{ID: "rabbitmq-classic", Label: "RabbitMQ classic", Kind: scenarios.SystemRabbitMQ},
	{ID: "sqs-standard", Label: "SQS standard", Kind: scenarios.SystemSQS, Managed: true},
	{ID: "sqs-fifo", Label: "SQS FIFO", Kind: scenarios.SystemSQS, Managed: true},
	{ID: "pulsar", Label: "Pulsar", Kind: "pulsar", Log: true},
	{ID: "sns-sqs", Label: "SNS → SQS", Kind: scenarios.SystemSNS, Managed: true},
	{ID: "pubsub", Label: "Pub/Sub", Kind: scenarios.SystemPubSub, Managed: true},
}

// noReplay says why a system has no history to replay.
var noReplay = map[string]string{
	scenarios.SystemRabbitMQ: "an acked message is deleted from its queue (streams, not modelled here, keep history)",
	scenarios.SystemSQS:      "a deleted message is gone: no history to replay",
	scenarios.SystemSNS:      "SNS keeps nothing, and each queue deletes what was consumed",
	scenarios.SystemPubSub:   "an acked message is gone (seek with retain_acked_messages is not modelled)",
}

// Run is one trial of one system.
type Run struct {
	Trial   string
	Results *model.Results // nil when the trial does not apply or failed
	NA      string         // why the trial does not apply
	Err     string         // the scenario was refused or the run failed
}

// Column is one system's trials.
type Column struct {
	System
	Skipped string // the system is not linked in, or its scenario was refused
	Nodes   int    // machines to run (0 for a managed service)
	NodesOf string // where the node count comes from
	Groups  int    // consumer groups played (SQS: 1, no fan-out)
	Runs    map[string]*Run
	// Scenario is the steady trial's resolved scenario (nil if skipped).
	Scenario *scenarios.Scenario
	// Max is the maximum-rate search on the steady trial's cluster with
	// consumers that cost nothing (nil when skipped or failed: MaxErr).
	Max    *verify.HeadroomResult
	MaxErr string
}

// Comparison is every system's trials of one workload.
type Comparison struct {
	Workload string
	Plan     *capacity.Plan
	// RabbitPlan sizes the RabbitMQ columns (mqsim capacity --system
	// rabbitmq); nil when the workload cannot be sized for it.
	RabbitPlan *capacity.Plan
	Rate       float64 // the simulated rate
	PeakRate   float64 // the workload's peak
	Duration   units.Duration
	Consumers  int     // per group, from the plan
	Service    float64 // seconds per message per consumer
	Keys       int
	Columns    []*Column
}

// Compare sizes the workload, builds every candidate system's scenario
// and plays its trials.
func Compare(w capacity.Workload, opt Options) (*Comparison, error) {
	if opt.Duration <= 0 {
		opt.Duration = 20 * units.Second
	}
	if opt.MaxRate <= 0 {
		opt.MaxRate = 5000
	}
	if opt.Groups <= 0 {
		opt.Groups = 2
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	if opt.Search.Probes == 0 {
		opt.Search = SearchBudget
	}
	opt.Parallel = max(1, opt.Parallel)
	p, err := capacity.Compute(w)
	if err != nil {
		return nil, err
	}
	c := &Comparison{Workload: p.Workload.Name, Plan: p, PeakRate: p.PeakMessagesPerSec, Duration: opt.Duration,
		Rate: math.Min(p.PeakMessagesPerSec, opt.MaxRate), Keys: 1000}
	if c.Workload == "" {
		c.Workload = "workload"
	}
	if rp, err := capacity.QueuePlan(p, capacity.SystemRabbitMQ); err == nil {
		c.RabbitPlan = rp
	}
	c.Consumers = p.ConsumersPerGroup
	if p.Workload.ConsumerThroughput > 0 {
		c.Service = 1 / float64(p.Workload.ConsumerThroughput)
	}
	// Consumers scale with the simulated rate when it is capped.
	if c.Rate < c.PeakRate {
		c.Consumers = max(1, int(math.Ceil(float64(p.ConsumersPerGroup)*c.Rate/c.PeakRate)))
	}
	groups := min(opt.Groups, max(1, p.Workload.ConsumerGroups))
	registered := model.Systems()
	type job struct {
		col   *Column
		trial string
		sc    *scenarios.Scenario
		src   string // the max-rate search's scenario (trial "")
	}
	var jobs []job
	for _, sys := range Candidates {
		if len(opt.Systems) > 0 && !slices.Contains(opt.Systems, sys.ID) {
			continue
		}
		col := &Column{System: sys, Runs: map[string]*Run{}, Groups: groups}
		c.Columns = append(c.Columns, col)
		if !slices.Contains(registered, sys.Kind) {
			col.Skipped = fmt.Sprintf("system %q is not part of this build", sys.Kind)
			continue
		}
		col.Nodes, col.NodesOf = c.nodes(sys)
		if sys.Kind == scenarios.SystemSQS {
			col.Groups = 1 // a queue hands each message to one consumer: no fan-out without SNS
		}
		for _, trial := range Trials {
			r := &Run{Trial: trial}
			col.Runs[trial] = r
			switch {
			case trial == TrialNode && sys.Managed:
				r.NA = "a managed service exposes no node to fail"
				continue
			case trial == TrialReplay && !sys.Log:
				r.NA = noReplay[sys.Kind]
				continue
			}
			src := c.scenarioYAML(col, trial)
			ls, err := scenarios.ParseScenario("compare/"+sys.ID+"-"+trial+".yaml", []byte(src), nil)
			if err != nil {
				r.Err = firstLine(err.Error())
				if trial == TrialSteady {
					col.Skipped = "its scenario was refused: " + r.Err
				}
				continue
			}
			sc := &ls.Scenario
			sc.Seed = opt.Seed
			if trial == TrialSteady {
				col.Scenario = sc
				if sc.Pulsar != nil {
					col.Nodes = sc.Cluster.Brokers + sc.Pulsar.Bookies + sc.Pulsar.MetadataNodes
					col.NodesOf = fmt.Sprintf("%d brokers (the capacity plan's), %d BookKeeper bookies and %d metadata-store nodes",
						sc.Cluster.Brokers, sc.Pulsar.Bookies, sc.Pulsar.MetadataNodes)
				}
			}
			jobs = append(jobs, job{col: col, trial: trial, sc: sc})
		}
		if col.Scenario != nil && !opt.NoSearch {
			jobs = append(jobs, job{col: col, src: c.scenarioYAML(col, trialMax)})
		}
	}
	// Run in parallel; each run is deterministic and writes only its own Run.
	var wg sync.WaitGroup
	next := make(chan job)
	for range opt.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				if j.src != "" {
					j.col.Max, j.col.MaxErr = c.maxRate(j.col, j.src, opt)
					continue
				}
				res, err := model.Run(j.sc, model.Options{})
				r := j.col.Runs[j.trial]
				if err != nil {
					r.Err = firstLine(err.Error())
					continue
				}
				r.Results = res
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	return c, nil
}

// trialMax is the maximum-rate search's scenario: the steady trial with
// consumers whose processing costs nothing, so the system's own limits
// bind, not the workload's service time.
const trialMax = "max-rate"

// maxRate searches the highest rate the column's cluster sustains (lag
// bounded, the load accepted and acknowledged, nothing lost), starting
// at the simulated rate.
func (c *Comparison) maxRate(col *Column, src string, opt Options) (*verify.HeadroomResult, string) {
	name := "compare/" + col.ID + "-" + trialMax + ".yaml"
	load := func(sets []string) (*scenarios.LoadedScenario, error) {
		ls, err := scenarios.ParseScenario(name, []byte(src), sets)
		if err == nil {
			ls.Seed = opt.Seed
		}
		return ls, err
	}
	base, err := load(nil)
	if err != nil {
		return nil, firstLine(err.Error())
	}
	h, err := verify.MaxRateWithin(load, base, c.Rate, opt.Search)
	if err != nil {
		return nil, firstLine(err.Error())
	}
	return h, ""
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// nodes is the operations footprint: the machines the operator runs.
func (c *Comparison) nodes(sys System) (int, string) {
	switch {
	case sys.Managed:
		return 0, "managed: no machines to run"
	case sys.Kind == scenarios.SystemKafka:
		return c.Plan.Brokers, "brokers from the capacity plan"
	case sys.Kind == scenarios.SystemRabbitMQ:
		if c.RabbitPlan != nil {
			return c.rabbitNodes(), fmt.Sprintf("nodes from the RabbitMQ capacity plan (%s binds)", c.RabbitPlan.BindingConstraint)
		}
		return 3, "a quorum of 3 nodes (one node fails and the queue goes on)"
	}
	return c.Plan.Brokers, "brokers from the capacity plan (its storage nodes come on top)"
}

// rabbitNodes is the RabbitMQ columns' node count: the RabbitMQ capacity
// plan's, at least 3 (a quorum queue's members each need a node).
func (c *Comparison) rabbitNodes() int {
	if c.RabbitPlan == nil {
		return 3
	}
	return max(3, c.RabbitPlan.Brokers)
}

// scenarioYAML writes the scenario of one system and trial.
func (c *Comparison) scenarioYAML(col *Column, trial string) string {
	d := c.Duration
	var b strings.Builder
	fmt.Fprintf(&b, "name: compare-%s-%s\ndescription: the workload %s on %s, trial %s\nseed: 1\nduration: %s\ndrain: 2m\nsample_interval: 1s\n",
		col.ID, trial, c.Workload, col.Label, trial, d)
	w := c.Plan.Workload
	size := int64(w.MessageSize)
	processing := fmt.Sprintf("const(%s)", units.Duration(c.Service*1e9))
	if c.Service == 0 || trial == trialMax {
		processing = "0"
	}
	topic := "events"
	groupTopic := func(i int) string { return topic }
	keys := fmt.Sprintf("uniform(%d)", c.Keys)
	switch col.ID {
	case "kafka", "pulsar", "rabbitmq-quorum", "rabbitmq-classic":
		if col.Kind != scenarios.SystemKafka {
			fmt.Fprintf(&b, "system: %s\n", col.Kind)
		}
		brokers := c.Plan.Brokers
		if col.Kind == scenarios.SystemRabbitMQ {
			brokers = c.rabbitNodes()
		}
		rf := min(int(w.ReplicationFactor), brokers)
		if col.Kind == scenarios.SystemRabbitMQ {
			// One ordered queue per group, replicated by quorum_size: the
			// topic is only the exchange's name.
			fmt.Fprintf(&b, "cluster: {brokers: %d}\ntopics:\n  - {name: %s, partitions: 1}\n", brokers, topic)
		} else if col.Kind == "pulsar" {
			// Pulsar replicates by its ledgers' quorums, not by topic.
			// Its retention keeps acknowledged messages (pulsar.topics[]).
			fmt.Fprintf(&b, "cluster: {brokers: %d}\ntopics:\n  - {name: %s, partitions: %d}\n",
				brokers, topic, c.Plan.Partitions)
		} else {
			fmt.Fprintf(&b, "cluster: {brokers: %d}\ntopics:\n  - {name: %s, partitions: %d, replication_factor: %d, min_insync_replicas: %d, retention: %s}\n",
				brokers, topic, c.Plan.Partitions, rf, min(2, rf), w.Retention)
		}
		if col.Kind == "pulsar" {
			// A failover subscription per group: one active consumer per
			// partition, the others standing by — the counterpart of a
			// Kafka consumer group (per-partition order, the seed's
			// claim for Pulsar, with the same consumers and partitions).
			fmt.Fprintf(&b, "pulsar:\n  topics:\n    - {topic: %s, retention_time: %s}\n  subscriptions:\n", topic, w.Retention)
			for i := range col.Groups {
				fmt.Fprintf(&b, "    - {group: group-%d, type: failover}\n", i+1)
			}
			if trial == TrialReplay {
				b.WriteString("    - {group: replay, type: failover, initial_position: earliest}\n")
			}
		}
		if col.Kind == scenarios.SystemRabbitMQ {
			qt := strings.TrimPrefix(col.ID, "rabbitmq-")
			b.WriteString("rabbitmq:\n  queues:\n")
			for i := range col.Groups {
				fmt.Fprintf(&b, "    - {group: group-%d, type: %s}\n", i+1, qt)
			}
			if trial == TrialReplay {
				fmt.Fprintf(&b, "    - {group: replay, type: %s}\n", qt)
			}
		}
	case "sqs-standard", "sqs-fifo":
		topic = "events"
		qtype := "standard"
		if col.ID == "sqs-fifo" {
			topic, qtype = "events.fifo", "fifo"
		}
		fmt.Fprintf(&b, "system: sqs\nsqs:\n  max_messages: 10\n  send_batch: 10\n  queues:\n    - {name: %s, type: %s, receive_wait: 20s}\n", topic, qtype)
		groupTopic = func(int) string { return topic }
	case "sns-sqs":
		b.WriteString("system: sns\nsns:\n  topics: [{name: events}]\n  subscriptions:\n")
		for i := range col.Groups {
			fmt.Fprintf(&b, "    - {name: group-%d-queue, topic: events, queue: {receive_wait: 20s, max_messages: 10}}\n", i+1)
		}
		groupTopic = func(i int) string { return fmt.Sprintf("group-%d-queue", i+1) }
	case "pubsub":
		b.WriteString("system: pubsub\npubsub:\n  topics: [{name: events}]\n  subscriptions:\n")
		for i := range col.Groups {
			fmt.Fprintf(&b, "    - {name: group-%d-sub, topic: events}\n", i+1)
		}
		groupTopic = func(i int) string { return fmt.Sprintf("group-%d-sub", i+1) }
	}
	fmt.Fprintf(&b, "producers:\n  - {name: producers, topic: %s, rate: %.4f/s, keys: %q, message_size: %dB}\n", topic, c.Rate, keys, size)
	b.WriteString("consumer_groups:\n")
	for i := range col.Groups {
		fmt.Fprintf(&b, "  - {name: group-%d, topic: %s, consumers: %d, processing: %q", i+1, groupTopic(i), c.Consumers, processing)
		if col.Kind == scenarios.SystemKafka {
			b.WriteString(", commit: after")
		}
		b.WriteString("}\n")
	}
	if trial == TrialReplay {
		fmt.Fprintf(&b, "  - {name: replay, topic: %s, consumers: %d, processing: %q", topic, c.Consumers, processing)
		if col.Kind == scenarios.SystemKafka {
			b.WriteString(", auto_offset_reset: earliest")
		}
		b.WriteString("}\n")
	}
	switch trial {
	case TrialCrash:
		fmt.Fprintf(&b, "faults:\n  - {type: consumer-crash, group: group-1, consumer: 0, at: %s, duration: %s}\n", d/4, d/4)
	case TrialNode:
		fmt.Fprintf(&b, "faults:\n  - {type: broker-crash, broker: 0, at: %s, duration: %s}\n", d/4, d/4)
	case TrialReplay:
		// The replay group starts when the producers stop and reads the
		// whole history from the earliest offset.
		b.WriteString("faults:\n")
		for i := range c.Consumers {
			fmt.Fprintf(&b, "  - {type: consumer-crash, group: replay, consumer: %d, at: 0s, duration: %s}\n", i, d-units.Second)
		}
	}
	return b.String()
}
