package capacity

import (
	"fmt"
	"math"
	"strings"
	"time"

	"mqsim/scenarios/units"
)

// Sizing a point-to-point queue instead of a Kafka cluster: RabbitMQ
// quorum queues (nodes for the per-queue throughput, the backlog's memory
// and disk, the fsynced write rate) and Amazon SQS (requests, batches,
// consumers, in-flight messages, the visibility timeout, FIFO limits and
// the monthly request bill). The volume rows (rates, message size, peak
// bytes) are the Kafka plan's; the rows after them are the system's.

// Systems QueuePlan sizes.
const (
	SystemRabbitMQ = "rabbitmq"
	SystemSQS      = "sqs"
)

// QueueWorkload is a workload's `queue:` section: what sizing a queue
// needs beyond the shared fields. Zero values mean the defaults below.
type QueueWorkload struct {
	// ServiceTime is a consumer's mean time per message (default: 1 ÷
	// consumer_throughput when given, else 10ms); ServiceP99 its 99th
	// percentile (default ServiceTime × ln 100, as if exponential).
	ServiceTime units.Duration `yaml:"service_time" json:"service_time_seconds,omitempty"`
	ServiceP99  units.Duration `yaml:"service_p99" json:"service_p99_seconds,omitempty"`
	// Backlog is how long the queue must hold the peak with its consumers
	// stopped (default 1h): memory and disk are sized for it.
	Backlog units.Duration `yaml:"backlog" json:"backlog_seconds,omitempty"`

	// RabbitMQ.
	QuorumSize          int            `yaml:"quorum_size" json:"quorum_size,omitempty"`                     // 3
	NodeMemory          units.Bytes    `yaml:"node_memory" json:"node_memory,omitempty"`                     // 16 GiB
	MemoryHighWatermark units.Ratio    `yaml:"memory_high_watermark" json:"memory_high_watermark,omitempty"` // 0.6
	CPUPerMessage       units.Duration `yaml:"cpu_per_message" json:"cpu_per_message_seconds,omitempty"`     // 20µs
	CPUPerMB            units.Duration `yaml:"cpu_per_mb" json:"cpu_per_mb_seconds,omitempty"`               // 300µs

	// SQS.
	FIFO            bool           `yaml:"fifo" json:"fifo,omitempty"`
	HighThroughput  bool           `yaml:"high_throughput" json:"high_throughput,omitempty"`
	RequestLatency  units.Duration `yaml:"request_latency" json:"request_latency_seconds,omitempty"` // 20ms
	SendBatch       int            `yaml:"send_batch" json:"send_batch,omitempty"`                   // 10
	ReceiveBatch    int            `yaml:"receive_batch" json:"receive_batch,omitempty"`             // 10
	DeleteBatch     int            `yaml:"delete_batch" json:"delete_batch,omitempty"`               // 10 (DeleteMessageBatch)
	VisibilityRatio units.Ratio    `yaml:"visibility_margin" json:"visibility_margin,omitempty"`     // 1.5x
	PricePerMillion float64        `yaml:"price_per_million" json:"price_per_million,omitempty"`     // 0.40
}

// Queue defaults (docs/capacity.md gives their sources).
const (
	DefaultQueueServiceTime    = 10 * units.Millisecond
	DefaultQueueBacklog        = units.Hour
	DefaultQuorumSize          = 3
	DefaultNodeMemory          = 16 << 30
	DefaultMemoryHighWatermark = 0.6
	DefaultQueueCPUPerMessage  = 20 * units.Microsecond  // the default machine profile's cost per request
	DefaultQueueCPUPerMB       = 300 * units.Microsecond // and per MB
	QuorumMessageBytes         = 32                      // quorum-queue metadata in memory per message
	QuorumWALBytes             = 512 << 20               // a node's quorum WAL before it rolls over
	DefaultSQSRequestLatency   = 20 * units.Millisecond
	DefaultSQSBatch            = 10
	DefaultVisibilityMargin    = 1.5
	DefaultSQSPricePerMillion  = 0.40
	SQSChunk                   = 64 << 10 // billing: each 64 KB of a call's payload is one request
	SQSInFlightLimit           = 120_000
	SQSFIFOCallsPerSec         = 300
	SQSFIFOHighThroughput      = 18_000 // calls/s per action in high-throughput mode (us-east-1, Oct 2023)
	SQSMaxVisibility           = 12 * units.Hour
	daysPerMonth               = 30
)

func (q QueueWorkload) defaults(w Workload) QueueWorkload {
	if q.ServiceTime == 0 {
		q.ServiceTime = DefaultQueueServiceTime
		if w.ConsumerThroughput > 0 {
			q.ServiceTime = units.Duration(float64(time.Second) / float64(w.ConsumerThroughput))
		}
	}
	if q.ServiceP99 == 0 {
		q.ServiceP99 = units.Duration(float64(q.ServiceTime) * math.Log(100))
	}
	setDefault(&q.Backlog, DefaultQueueBacklog)
	if q.QuorumSize == 0 {
		q.QuorumSize = DefaultQuorumSize
	}
	if q.NodeMemory == 0 {
		q.NodeMemory = DefaultNodeMemory
	}
	if q.MemoryHighWatermark == 0 {
		q.MemoryHighWatermark = DefaultMemoryHighWatermark
	}
	setDefault(&q.CPUPerMessage, DefaultQueueCPUPerMessage)
	setDefault(&q.CPUPerMB, DefaultQueueCPUPerMB)
	setDefault(&q.RequestLatency, DefaultSQSRequestLatency)
	for _, b := range []*int{&q.SendBatch, &q.ReceiveBatch, &q.DeleteBatch} {
		if *b == 0 {
			*b = DefaultSQSBatch
		}
	}
	if q.VisibilityRatio == 0 {
		q.VisibilityRatio = DefaultVisibilityMargin
	}
	if q.PricePerMillion == 0 {
		q.PricePerMillion = DefaultSQSPricePerMillion
	}
	return q
}

func setDefault(d *units.Duration, v units.Duration) {
	if *d == 0 {
		*d = v
	}
}

func (q QueueWorkload) validate(system string) error {
	var errs []string
	bad := func(field, format string, a ...any) {
		errs = append(errs, "queue."+field+": "+fmt.Sprintf(format, a...))
	}
	if q.ServiceTime < 0 || q.ServiceTime > units.Hour {
		bad("service_time", "%v: want above 0 and at most 1h", q.ServiceTime)
	}
	if q.ServiceP99 < q.ServiceTime {
		bad("service_p99", "%v is below the mean service_time %v", q.ServiceP99, q.ServiceTime)
	}
	if q.Backlog < 0 || q.Backlog > 14*units.Day {
		bad("backlog", "%v: want 0 to 14d", q.Backlog)
	}
	if system == SystemRabbitMQ {
		if q.QuorumSize < 1 || q.QuorumSize > 7 {
			bad("quorum_size", "%d: want 1 to 7 (RabbitMQ advises odd sizes up to 7)", q.QuorumSize)
		}
		if q.NodeMemory < 1<<30 {
			bad("node_memory", "%v: want at least 1 GiB (a quorum node needs 3–4× its 512 MiB WAL)", q.NodeMemory)
		}
		if q.MemoryHighWatermark <= 0 || q.MemoryHighWatermark > 1 {
			bad("memory_high_watermark", "%v: want above 0 and at most 1", q.MemoryHighWatermark)
		}
		if q.CPUPerMessage <= 0 || q.CPUPerMB < 0 {
			bad("cpu_per_message", "want above 0 (and cpu_per_mb 0 or more)")
		}
	}
	if system == SystemSQS {
		if q.RequestLatency <= 0 || q.RequestLatency > 10*units.Second {
			bad("request_latency", "%v: want above 0 and at most 10s", q.RequestLatency)
		}
		for _, b := range []struct {
			f string
			n int
		}{{"send_batch", q.SendBatch}, {"receive_batch", q.ReceiveBatch}, {"delete_batch", q.DeleteBatch}} {
			if b.n < 1 || b.n > 10 {
				bad(b.f, "%d: SQS batches hold 1 to 10 messages", b.n)
			}
		}
		if q.VisibilityRatio < 1 || q.VisibilityRatio > 100 {
			bad("visibility_margin", "%v: want 1x to 100x", q.VisibilityRatio)
		}
		if q.PricePerMillion < 0 {
			bad("price_per_million", "must not be negative")
		}
		if q.HighThroughput && !q.FIFO {
			bad("high_throughput", "a FIFO queue's mode: set fifo: true too")
		}
	}
	if len(errs) > 0 {
		return &FieldError{Field: strings.SplitN(errs[0], ":", 2)[0], Msg: strings.TrimSpace(strings.SplitN(strings.Join(errs, "; "), ":", 2)[1])}
	}
	return nil
}

// QueuePlan sizes the workload of p for system (rabbitmq or sqs): p's
// volume rows, then the system's rows, its constraints and a verdict. The
// Kafka rows (partitions, brokers) are left out.
func QueuePlan(p *Plan, system string) (*Plan, error) {
	w := p.Workload
	qw := QueueWorkload{}
	if w.Queue != nil {
		qw = *w.Queue
	}
	q := qw.defaults(w)
	if err := q.validate(system); err != nil {
		return nil, err
	}
	out := &Plan{SchemaVersion: p.SchemaVersion, ToolVersion: p.ToolVersion, Workload: w, System: system,
		MessagesPerDay: p.MessagesPerDay, AvgMessagesPerSec: p.AvgMessagesPerSec, PeakMessagesPerSec: p.PeakMessagesPerSec,
		BytesPerMessage: p.BytesPerMessage, BytesPerDay: p.BytesPerDay, PeakBytesPerSec: p.PeakBytesPerSec}
	out.Workload.Queue = &q
	for _, r := range p.Rows {
		switch r.Key {
		case "messages_per_day", "avg_messages_per_sec", "peak_messages_per_sec", "bytes_per_message", "bytes_per_day", "peak_bytes_per_sec":
			out.Rows = append(out.Rows, r)
		}
	}
	switch system {
	case SystemRabbitMQ:
		return out, rabbitRows(out, q)
	case SystemSQS:
		return out, sqsRows(out, q)
	}
	return nil, &FieldError{Field: "system", Msg: fmt.Sprintf("%q: want kafka, rabbitmq or sqs", system)}
}

func (p *Plan) add(key, qty, formula string, v float64, unit, human, why string) {
	p.Rows = append(p.Rows, Row{Key: key, Quantity: qty, Formula: formula, Value: v, Unit: unit, Human: human, Why: why})
}

// rabbitRows: quorum queues on nodes.
func rabbitRows(p *Plan, q QueueWorkload) error {
	w := p.Workload
	peak, size := p.PeakMessagesPerSec, p.BytesPerMessage
	perMsg := q.CPUPerMessage.Seconds() + size/1e6*q.CPUPerMB.Seconds()
	perQueue := 1 / perMsg
	p.add("rabbitmq_queue_throughput", "Messages/s per queue", fmt.Sprintf("1 / (%v + %s × %v per MB)", q.CPUPerMessage, units.FormatBytes(size), q.CPUPerMB),
		perQueue, "msg/s", fmtRate(perQueue), "A queue is one Erlang process on its leader's node: one core's worth of messages, however many nodes.")
	queues := peak / perQueue
	nq, err := count(queues, MaxPartitions, "queue.cpu_per_message", "queues", "peak ÷ per-queue rate")
	if err != nil {
		return err
	}
	p.add("rabbitmq_queues", "Queues (at least)", fmt.Sprintf("%s / %s per queue", fmtRate(peak), fmtRate(perQueue)),
		float64(nq), "queues", fmtNum(float64(nq)), "Past one queue's rate, shard the work over several queues (and their consumers).")
	backlogMsgs := peak * q.Backlog.Seconds()
	p.add("rabbitmq_backlog_messages", "Backlog to hold", fmt.Sprintf("%s × %v", fmtRate(peak), q.Backlog),
		backlogMsgs, "messages", units.FormatSI(backlogMsgs), "What piles up at the peak while consumers are down for the backlog window.")
	meta := backlogMsgs * QuorumMessageBytes * float64(q.QuorumSize)
	p.add("rabbitmq_backlog_memory", "Backlog metadata in memory", fmt.Sprintf("%s × 32 B × %d members", units.FormatSI(backlogMsgs), q.QuorumSize),
		meta, "bytes", units.FormatBytes(meta), "A quorum queue keeps ≥ 32 B per message in memory on every member, whatever the body's size.")
	usable := float64(q.NodeMemory) * float64(q.MemoryHighWatermark)
	perNodeFixed := 4.0 * QuorumWALBytes
	memNodes := meta / (usable - perNodeFixed)
	if usable <= perNodeFixed {
		return &FieldError{Field: "queue.node_memory", Msg: fmt.Sprintf("%v × %v leaves no room beside 4 × the 512 MiB WAL", q.NodeMemory, q.MemoryHighWatermark)}
	}
	p.add("rabbitmq_memory_nodes", "Nodes for memory", fmt.Sprintf("%s / (%v × %s − 4 × 512 MiB WAL)", units.FormatBytes(meta), q.NodeMemory, q.MemoryHighWatermark),
		memNodes, "nodes", fmtNum(memNodes), "Past the memory high watermark every publisher in the cluster blocks; RAM must also hold 3–4× the WAL.")
	disk := backlogMsgs * size * float64(q.QuorumSize)
	p.add("rabbitmq_backlog_disk", "Backlog on disk", fmt.Sprintf("%s × %s × %d members", units.FormatSI(backlogMsgs), units.FormatBytes(size), q.QuorumSize),
		disk, "bytes", units.FormatBytes(disk), "Every member writes the message to its log segments; acknowledged messages are deleted, so only the backlog stays.")
	diskNodes := disk / (float64(w.DiskPerBroker) * float64(w.DiskFillTarget))
	p.add("rabbitmq_disk_nodes", "Nodes for disk space", fmt.Sprintf("%s / (%s × %s fill)", units.FormatBytes(disk), units.FormatBytes(float64(w.DiskPerBroker)), w.DiskFillTarget.Percent()),
		diskNodes, "nodes", fmtNum(diskNodes), "The backlog's replicas must fit the nodes' disks.")
	writes := p.PeakBytesPerSec * float64(q.QuorumSize)
	p.add("rabbitmq_disk_write", "Fsynced writes (cluster)", fmt.Sprintf("%s/s × %d members", units.FormatBytes(p.PeakBytesPerSec), q.QuorumSize),
		writes, "bytes/s", units.FormatBytes(writes)+"/s", "Each member fsyncs every message into its node's WAL before the publisher's confirm (batched across queues per node).")
	ioNodes := writes / float64(w.DiskThroughput)
	p.add("rabbitmq_disk_throughput_nodes", "Nodes for disk throughput", fmt.Sprintf("%s/s / %s/s per node", units.FormatBytes(writes), units.FormatBytes(float64(w.DiskThroughput))),
		ioNodes, "nodes", fmtNum(ioNodes), "The WAL is written twice in the end (WAL, then segments); this counts the first write only.")
	nic := p.PeakBytesPerSec * float64(q.QuorumSize+1) / (float64(w.NICBandwidth) * float64(w.NetworkTarget))
	p.add("rabbitmq_network_nodes", "Nodes for the network", fmt.Sprintf("%s/s × (1 + %d members) / (%s/s × %s)", units.FormatBytes(p.PeakBytesPerSec), q.QuorumSize, units.FormatBytes(float64(w.NICBandwidth)), w.NetworkTarget.Percent()),
		nic, "nodes", fmtNum(nic), "Each message crosses the NICs Q + 1 times: in from the publisher, to the Q − 1 other members, out to a consumer.")
	cons := []Constraint{
		{Name: "quorum size", Exact: float64(q.QuorumSize)},
		{Name: "memory", Exact: memNodes},
		{Name: "disk space", Exact: diskNodes},
		{Name: "disk throughput", Exact: ioNodes},
		{Name: "network", Exact: nic},
	}
	nodes, binding := 0, ""
	for i := range cons {
		c := &cons[i]
		c.Brokers = max(1, ceil(c.Exact))
		if c.Brokers > nodes {
			nodes, binding = c.Brokers, c.Name
		}
	}
	if nodes > MaxBrokers {
		return &FieldError{Field: "queue.backlog", Msg: fmt.Sprintf("gives %d nodes, past the sane bound of %d", nodes, MaxBrokers)}
	}
	for i := range cons {
		cons[i].Utilisation = cons[i].Exact / float64(nodes)
	}
	v := float64(nodes)
	p.add("rabbitmq_nodes", "Nodes", fmt.Sprintf("max(%d quorum, %s memory, %s disk, %s disk I/O, %s network)", q.QuorumSize, fmtNum(memNodes), fmtNum(diskNodes), fmtNum(ioNodes), fmtNum(nic)),
		v, "nodes", fmtNum(v), "The binding constraint sets the cluster; a quorum queue needs a node per member.")
	p.Brokers, p.BindingConstraint, p.Constraints = nodes, binding, cons
	p.Recommended = Recommendation{DiskFill: w.DiskFillTarget, Headroom: w.Headroom, NetworkTarget: w.NetworkTarget,
		Brokers: nodes, BindingConstraint: binding, Constraints: cons}
	p.Verdict = []string{
		fmt.Sprintf("RabbitMQ: %d quorum queue(s) of %d members (one queue does %s), on %d nodes — %s binds.", nq, q.QuorumSize, fmtRate(perQueue), nodes, binding),
		fmt.Sprintf("An hour-scale backlog costs memory even on disk: %s of metadata for %s messages.", units.FormatBytes(meta), units.FormatSI(backlogMsgs)),
	}
	return nil
}

// sqsRows: requests, consumers and limits of an SQS queue.
func sqsRows(p *Plan, q QueueWorkload) error {
	peak, avg, size := p.PeakMessagesPerSec, p.AvgMessagesPerSec, p.BytesPerMessage
	chunks := func(batch int) float64 { return math.Max(1, math.Ceil(float64(batch)*size/SQSChunk)) }
	send := peak / float64(q.SendBatch)
	recv := peak / float64(q.ReceiveBatch)
	del := peak / float64(q.DeleteBatch)
	p.add("sqs_send_calls", "SendMessage calls/s", fmt.Sprintf("%s / %d per batch", fmtRate(peak), q.SendBatch),
		send, "calls/s", fmtRate(send), "SendMessageBatch carries up to 10 messages (1 MiB in all) per call.")
	p.add("sqs_receive_calls", "ReceiveMessage calls/s", fmt.Sprintf("%s / %d per receive", fmtRate(peak), q.ReceiveBatch),
		recv, "calls/s", fmtRate(recv), "With long polling a busy queue fills each receive; short polling adds empty receives on top.")
	p.add("sqs_delete_calls", "DeleteMessage calls/s", fmt.Sprintf("%s / %d per batch", fmtRate(peak), q.DeleteBatch),
		del, "calls/s", fmtRate(del), "Every message is deleted after processing; DeleteMessageBatch takes up to 10 receipt handles.")
	billed := send*chunks(q.SendBatch) + recv*chunks(q.ReceiveBatch) + del
	p.add("sqs_billed_requests", "Billed requests/s (peak)", fmt.Sprintf("%s × %.0f + %s × %.0f chunks + %s", fmtRate(send), chunks(q.SendBatch), fmtRate(recv), chunks(q.ReceiveBatch), fmtRate(del)),
		billed, "requests/s", fmtRate(billed), "Each 64 KB of a call's payload is billed as one request.")
	monthly := billed * avg / peak * SecondsPerDay * daysPerMonth
	cost := monthly / 1e6 * q.PricePerMillion
	p.add("sqs_monthly_requests", "Billed requests a month", fmt.Sprintf("%s × (%s average / %s peak) × 86,400 s × 30 days", fmtRate(billed), fmtRate(avg), fmtRate(peak)),
		monthly, "requests", units.FormatSI(monthly), fmt.Sprintf("At $%.2f per million: $%s a month (the price is a setting, not a truth).", q.PricePerMillion, fmtMoney(cost)))
	lat := q.RequestLatency.Seconds()
	cycle := q.ServiceTime.Seconds() + 2*lat/float64(q.ReceiveBatch)
	consumers := peak * cycle
	nc, err := count(consumers, MaxThroughput, "queue.service_time", "consumers", "peak × time per message")
	if err != nil {
		return err
	}
	p.add("sqs_consumers", "Consumer threads", fmt.Sprintf("%s × (%v + 2 × %v / %d per receive)", fmtRate(peak), q.ServiceTime, q.RequestLatency, q.ReceiveBatch),
		float64(nc), "threads", fmtNum(float64(nc)), "Each thread receives a batch, works through it, deletes it: its round trips are shared by the batch.")
	inFlight := peak * (q.ServiceTime.Seconds()*float64(q.ReceiveBatch) + lat)
	p.add("sqs_in_flight", "Messages in flight", fmt.Sprintf("%s × (%d × %v + %v)", fmtRate(peak), q.ReceiveBatch, q.ServiceTime, q.RequestLatency),
		inFlight, "messages", units.FormatSI(inFlight), fmt.Sprintf("Received but not deleted (Little's law); a queue allows %s: this is %.1f%% of it.", units.FormatSI(SQSInFlightLimit), 100*inFlight/SQSInFlightLimit))
	// SQS takes whole seconds.
	vis := math.Max(1, math.Ceil(float64(q.VisibilityRatio)*(q.ServiceP99.Seconds()+float64(q.ReceiveBatch-1)*q.ServiceTime.Seconds())-1e-9))
	visHuman := units.Duration(vis * float64(time.Second)).String()
	p.add("sqs_visibility_timeout", "Visibility timeout", fmt.Sprintf("%s × (%v p99 + %d × %v before the last of a batch), whole seconds", q.VisibilityRatio, q.ServiceP99, q.ReceiveBatch-1, q.ServiceTime),
		vis, "seconds", visHuman, "Shorter than the work and a second consumer gets the message while the first still works on it.")
	if vis > SQSMaxVisibility.Seconds() {
		return &FieldError{Field: "queue.service_p99", Msg: fmt.Sprintf("needs a visibility timeout of %s, past SQS's 12h: call ChangeMessageVisibility while working, or split the work", visHuman)}
	}
	verdict := []string{fmt.Sprintf("SQS: %s consumer threads, %s billed requests at the peak (%s a month), visibility timeout %s.", fmtNum(float64(nc)), fmtRate(billed), units.FormatSI(monthly), visHuman)}
	if inFlight > SQSInFlightLimit {
		verdict = append(verdict, "Past the 120,000 in-flight limit: receives fail with OverLimit; use smaller receive batches or split the queue.")
	}
	if q.FIFO {
		limit := float64(SQSFIFOCallsPerSec)
		if q.HighThroughput {
			limit = SQSFIFOHighThroughput
		}
		msgs := limit * float64(q.SendBatch)
		p.add("sqs_fifo_rate_limit", "FIFO messages/s limit", fmt.Sprintf("%.0f calls/s × %d per batch", limit, q.SendBatch),
			msgs, "msg/s", fmtRate(msgs), "A FIFO queue allows 300 calls/s per action (18,000 in high-throughput mode); batches multiply it by up to 10.")
		groups := peak * q.ServiceTime.Seconds()
		ng, err := count(groups, MaxThroughput, "queue.service_time", "message groups", "peak × service time")
		if err != nil {
			return err
		}
		p.add("sqs_fifo_groups", "Message groups (at least)", fmt.Sprintf("%s × %v", fmtRate(peak), q.ServiceTime),
			float64(ng), "groups", fmtNum(float64(ng)), "A group is blocked while any of its messages is in flight: each group goes one message at a time, so the rate needs this many groups busy at once.")
		if peak > msgs {
			verdict = append(verdict, fmt.Sprintf("The peak %s is past the FIFO limit of %s: use high-throughput mode, larger batches or several queues.", fmtRate(peak), fmtRate(msgs)))
		}
	}
	p.Verdict = verdict
	return nil
}

func fmtMoney(v float64) string {
	if v >= 100 {
		return units.FormatSI(math.Round(v))
	}
	return fmt.Sprintf("%.2f", v)
}
