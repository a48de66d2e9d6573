package scenarios

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"mqsim/scenarios/units"
)

// SystemServices is the system of a service graph: `system: services`
// with a `services:` section (the services, their calls, the client and
// the broker queue asynchronous calls go through).
const SystemServices = "services"

// Defaults of a service graph, each from the practice it is named after
// (docs/scenarios.md, "Service graphs", lists the sources).
const (
	// Hystrix: execution.isolation.thread.timeoutInMilliseconds = 1000,
	// coreSize = 10 threads per command's pool.
	DefaultServiceTimeout = units.Second
	DefaultServiceThreads = 10
	// Tomcat's acceptCount: connections queued while every thread is busy.
	DefaultServiceQueue = 100
	// Exponential backoff with full jitter (the AWS SDKs' retry
	// strategy): a base of 100 ms doubling per attempt, capped at 20 s.
	DefaultServiceBackoff    = 100 * units.Millisecond
	DefaultServiceBackoffMax = 20 * units.Second
	// Finagle's RetryBudget: retries up to 20% of requests, plus 10 a
	// second so a quiet client can still retry.
	DefaultRetryBudgetRatio  = 0.2
	DefaultRetryBudgetMinPer = 10
	// Hystrix's circuit breaker: a 10 s rolling window, at least 20
	// requests in it, opens at 50% errors, sleeps 5 s before one trial
	// request (half-open).
	DefaultBreakerWindow    = 10 * units.Second
	DefaultBreakerVolume    = 20
	DefaultBreakerThreshold = 0.5
	DefaultBreakerSleep     = 5 * units.Second
	DefaultBreakerProbes    = 1
	// A request in one data centre: about half a millisecond each way.
	DefaultServiceNetLatency = 250 * units.Microsecond
	DefaultServiceNetJitter  = 50 * units.Microsecond
	// The client gives up on the edge after 10 s (a browser's or mobile
	// app's patience is of that order; a setting, not a truth).
	DefaultClientTimeout = 10 * units.Second
)

// Call modes.
const (
	CallSync  = "sync"
	CallAsync = "async"
)

// Jitter kinds for retry backoff (the names of the AWS Architecture Blog's
// "Exponential Backoff And Jitter").
var JitterKinds = []string{"none", "full", "equal"}

// ServiceFaultTypes are the faults a services section may list.
var ServiceFaultTypes = []string{"slow", "errors", "down", "crash", "partition"}

// Services is the `services:` section of a `system: services` scenario.
type Services struct {
	// Call is the mode of every call that states none: sync (the
	// default) or async. `--vary call=sync,async` switches them together.
	Call string `yaml:"call" json:"call"`
	// Timeout is the timeout of every synchronous call that states none
	// (Hystrix's 1s).
	Timeout units.Duration `yaml:"timeout" json:"timeout"`
	// NetworkLatency and NetworkJitter are one way between any two
	// instances (and the client).
	NetworkLatency units.Duration `yaml:"network_latency" json:"network_latency"`
	NetworkJitter  units.Duration `yaml:"network_jitter" json:"network_jitter"`
	Client         ServiceClient  `yaml:"client" json:"client"`
	// Queue is the broker every asynchronous call publishes to: one SQS
	// queue per service reached asynchronously (its inbox), with these
	// attributes and SQS's API latency (sqs.go's defaults).
	Queue ServiceQueue `yaml:"queue" json:"queue"`
	// Via is the system asynchronous calls go through unless a call
	// names its own: sqs (the queue above), rabbitmq, pulsar, kafka.
	Via    ServiceVia     `yaml:"via" json:"via"`
	Graph  []Service      `yaml:"graph" json:"graph"`
	Faults []ServiceFault `yaml:"faults" json:"faults,omitempty"`
}

// ServiceClient is where requests come from: open loop (rate and arrival,
// as a producer's) or closed loop (users, each waiting for its answer and
// thinking before the next).
type ServiceClient struct {
	Entry     string         `yaml:"entry" json:"entry"` // the service requests enter (default the first)
	Rate      units.Rate     `yaml:"rate" json:"rate,omitempty"`
	Arrival   string         `yaml:"arrival" json:"arrival,omitempty"` // as producers' (default poisson)
	Users     int            `yaml:"users" json:"users,omitempty"`
	ThinkTime TimeDist       `yaml:"think_time" json:"think_time,omitzero"`
	Timeout   units.Duration `yaml:"timeout" json:"timeout"` // the client gives up (10s)
}

// ServiceQueue is the broker queue of asynchronous calls.
type ServiceQueue struct {
	RequestLatency    units.Duration `yaml:"request_latency" json:"request_latency"`       // SQS API round trip (20ms)
	VisibilityTimeout units.Duration `yaml:"visibility_timeout" json:"visibility_timeout"` // 30s
	ReceiveWait       units.Duration `yaml:"receive_wait" json:"receive_wait"`             // long polling (20s)
	MaxMessages       int            `yaml:"max_messages" json:"max_messages"`             // per receive (10)
	MaxReceiveCount   int            `yaml:"max_receive_count" json:"max_receive_count"`   // then dropped to a DLQ (5)
}

// Service is one service: identical instances, each with a bounded pool of
// worker threads (a bulkhead) and a bounded accept queue.
type Service struct {
	Name      string `yaml:"name" json:"name"`
	Instances int    `yaml:"instances" json:"instances"` // default 1
	Threads   int    `yaml:"threads" json:"threads"`     // per instance (10)
	// Queue is the accept queue per instance (100); 0 means none: a
	// request finding every thread busy is rejected at once.
	Queue *int `yaml:"queue" json:"queue"`
	// ServiceTime is the thread's own work per request, before its calls.
	ServiceTime TimeDist `yaml:"service_time" json:"service_time"`
	Calls       []Call   `yaml:"calls" json:"calls,omitempty"`
	// Parallel makes the calls at once (a fan-out: futures joined before
	// answering) instead of one after another; the request then waits for
	// the slowest, and fails if any call without a fallback fails.
	Parallel bool `yaml:"parallel" json:"parallel,omitempty"`
}

// Call is one dependency of a service, made in order for each request.
type Call struct {
	To   string `yaml:"to" json:"to"`
	Mode string `yaml:"mode" json:"mode"` // sync or async (default services.call)
	// Share is the share of requests that make this call (100%): a
	// gateway routes 30% of its requests to orders.
	Share units.Ratio `yaml:"share" json:"share"`
	// Timeout (sync): the caller stops waiting (1s).
	Timeout units.Duration `yaml:"timeout" json:"timeout,omitempty"`
	// Retries (sync): attempts after the first (0), waiting backoff ×
	// 2^n capped at backoff_max, with jitter.
	Retries    int            `yaml:"retries" json:"retries,omitempty"`
	Backoff    units.Duration `yaml:"backoff" json:"backoff,omitempty"`
	BackoffMax units.Duration `yaml:"backoff_max" json:"backoff_max,omitempty"`
	Jitter     string         `yaml:"jitter" json:"jitter,omitempty"` // none, full (default), equal
	// RetryBudget (sync) caps retries as a token bucket.
	RetryBudget *RetryBudget `yaml:"retry_budget" json:"retry_budget,omitempty"`
	// Breaker (sync) is a circuit breaker on this call, one per caller
	// instance.
	Breaker *Breaker `yaml:"breaker" json:"breaker,omitempty"`
	// Fallback (sync): a failed call does not fail the request (a cached
	// or default answer), as Hystrix's getFallback.
	Fallback bool `yaml:"fallback" json:"fallback,omitempty"`
	// Via (async): the system the message goes through (services.via).
	Via *ServiceVia `yaml:"via" json:"via,omitempty"`
}

// Systems an asynchronous call can go through.
const (
	ViaSQS      = "sqs"
	ViaRabbitMQ = "rabbitmq"
	ViaPulsar   = "pulsar"
	ViaKafka    = "kafka"
)

// ViaSystems are the systems an asynchronous call can go through.
var ViaSystems = []string{ViaSQS, ViaRabbitMQ, ViaPulsar, ViaKafka}

// ServiceVia is the system in front of a service reached asynchronously:
// one queue (or topic) per callee on a small cluster of its own, on the
// run's network.
type ServiceVia struct {
	System string `yaml:"system" json:"system"` // sqs (default), rabbitmq, pulsar, kafka
	// Nodes are RabbitMQ nodes, Pulsar brokers with as many bookies, or
	// Kafka brokers (3); SQS is a service without nodes.
	Nodes int `yaml:"nodes" json:"nodes,omitempty"`
	// Replicas are the quorum queue's members, the ledger's ensemble and
	// write quorum (its ack quorum their majority), or the topic's
	// replication factor (3, at most nodes).
	Replicas int `yaml:"replicas" json:"replicas,omitempty"`
}

// RetryBudget is a token bucket per caller instance: each first attempt
// deposits Ratio of a token, MinPerSecond tokens accrue each second, the
// balance is capped at Burst, and a retry spends one.
type RetryBudget struct {
	Ratio        units.Ratio `yaml:"ratio" json:"ratio"`                   // 20%
	MinPerSecond float64     `yaml:"min_per_second" json:"min_per_second"` // 10
	Burst        float64     `yaml:"burst" json:"burst"`                   // 10 × min_per_second, at least 10
}

// Breaker is a circuit breaker with a rolling error window.
type Breaker struct {
	Window    units.Duration `yaml:"window" json:"window"`       // rolling window (10s)
	Volume    int            `yaml:"volume" json:"volume"`       // fewest calls in the window to judge (20)
	Threshold units.Ratio    `yaml:"threshold" json:"threshold"` // error share that opens it (50%)
	Sleep     units.Duration `yaml:"sleep" json:"sleep"`         // open this long before half-open (5s)
	Probes    int            `yaml:"probes" json:"probes"`       // trial calls half-open lets through (1)
}

// ServiceFault is something that goes wrong with one service.
type ServiceFault struct {
	Type     string         `yaml:"type" json:"type"` // slow, errors, down, crash, partition
	Service  string         `yaml:"service" json:"service"`
	At       units.Duration `yaml:"at" json:"at"`
	Duration units.Duration `yaml:"duration" json:"duration,omitempty"`
	Slowdown units.Ratio    `yaml:"slowdown" json:"slowdown,omitempty"` // slow: service time ×k
	Share    units.Ratio    `yaml:"share" json:"share,omitempty"`       // errors: share of requests failed
	Label    string         `yaml:"label" json:"label,omitempty"`
}

// QueueLen is the accept queue's length (resolved: never nil after
// Defaults).
func (s *Service) QueueLen() int {
	if s.Queue == nil {
		return DefaultServiceQueue
	}
	return *s.Queue
}

func init() {
	Metrics = append(Metrics,
		MetricInfo{"availability", KindRatio, "services: share of edge requests that succeeded"},
		MetricInfo{"goodput", KindRate, "services: successful edge requests per second while the client ran"},
		MetricInfo{"min_goodput", KindRate, "services: lowest goodput of any sample while the client ran (after warm-up)"},
		MetricInfo{"edge_timeouts", KindCount, "services: edge requests the client gave up on"},
		MetricInfo{"call_timeouts", KindCount, "services: synchronous call attempts that timed out, every edge"},
		MetricInfo{"rejections", KindCount, "services: requests refused by a full accept queue, every service"},
		MetricInfo{"call_retries", KindCount, "services: call attempts beyond the first, every edge"},
		MetricInfo{"budget_denied", KindCount, "services: retries a retry budget refused"},
		MetricInfo{"short_circuited", KindCount, "services: calls an open circuit breaker failed at once"},
		MetricInfo{"breaker_opens", KindCount, "services: times a circuit breaker opened"},
		MetricInfo{"exhausted_services", KindCount, "services: services whose every thread was busy at some sample"},
		MetricInfo{"leaf_amplification", KindCount, "services: attempts reaching the deepest service per edge request (kᵈ under retries)"},
		MetricInfo{"async_p50", KindDuration, "services: median time from the edge request to its asynchronous work done"},
		MetricInfo{"async_p99", KindDuration, "services: 99th percentile of the same"},
		MetricInfo{"async_backlog", KindCount, "services: largest number of messages in the broker queues at any sample"},
		MetricInfo{"async_final_backlog", KindCount, "services: messages still in the broker queues at the end"},
	)
}

// ServiceMetrics are the keys of service.<name>.<key> in an expect block:
// one service's own numbers.
var ServiceMetrics = []MetricInfo{
	{"arrived", KindCount, "requests that reached an instance"},
	{"completed", KindCount, "requests it answered OK"},
	{"failed", KindCount, "requests it answered with an error"},
	{"rejected", KindCount, "requests its full accept queues refused"},
	{"timeouts", KindCount, "its synchronous call attempts that timed out"},
	{"retries", KindCount, "its call attempts beyond the first"},
	{"budget_denied", KindCount, "its retries a retry budget refused"},
	{"short_circuited", KindCount, "its calls an open breaker failed at once"},
	{"breaker_opens", KindCount, "times its breakers opened"},
	{"throughput", KindRate, "requests answered OK per second over the run"},
	{"late_goodput", KindRate, "requests answered OK per second in the last quarter of the client's run"},
	{"utilisation", KindRatio, "mean share of its threads busy"},
	{"max_queue", KindCount, "its longest accept queue, all instances"},
	{"exhausted_at", KindDuration, "when every thread became busy for a second or more, first (-1s: never)"},
	{"amplification", KindCount, "call attempts reaching it per edge request"},
	{"max_backlog", KindCount, "its broker queue's largest depth"},
	{"async_processed", KindCount, "asynchronous messages it handled"},
	{"dead_lettered", KindCount, "its messages moved to the dead-letter queue"},
}

// serviceExpect checks the expect entries of the form
// service.<name>.<key> against the graph and ServiceMetrics, and returns
// the other entries for the shared checks.
func (s *Scenario) serviceExpect(v *validator) map[string]string {
	rest := map[string]string{}
	for _, name := range sortedKeys(s.Expect) {
		key, ok := strings.CutPrefix(name, "service.")
		if !ok {
			rest[name] = s.Expect[name]
			continue
		}
		field := "expect." + name
		i := strings.LastIndexByte(key, '.')
		if i <= 0 {
			v.add(field, "want service.<service name>.<key>, e.g. service.%s.late_goodput", firstService(s.Services))
			continue
		}
		svc, k := key[:i], key[i+1:]
		if s.Services == nil || !slices.Contains(serviceNames(s.Services.Graph), svc) {
			v.add(field, "%q names no service of this scenario%s", svc, DidYouMean(svc, serviceNames(s.servicesGraph())))
			continue
		}
		var m *MetricInfo
		for j := range ServiceMetrics {
			if ServiceMetrics[j].Name == k {
				m = &ServiceMetrics[j]
			}
		}
		if m == nil {
			v.add(field, "unknown service metric %q (known: %s)", k, metricNames(ServiceMetrics))
			continue
		}
		c, err := ParseCondition(s.Expect[name])
		if err != nil {
			v.add(field, "%v", err)
			continue
		}
		if err := c.fits(m.Kind); err != nil {
			v.add(field, "%q %v", s.Expect[name], err)
		}
	}
	return rest
}

func (s *Scenario) servicesGraph() []Service {
	if s.Services == nil {
		return nil
	}
	return s.Services.Graph
}

func firstService(c *Services) string {
	if c == nil || len(c.Graph) == 0 {
		return "NAME"
	}
	return c.Graph[0].Name
}

// defaultsServices fills the services section's zero fields.
func (s *Scenario) defaultsServices() {
	c := s.Services
	if c == nil {
		return
	}
	setStr(&c.Call, CallSync)
	setDur(&c.Timeout, DefaultServiceTimeout)
	setDur(&c.NetworkLatency, DefaultServiceNetLatency)
	setDur(&c.NetworkJitter, DefaultServiceNetJitter)
	if c.Client.Entry == "" && len(c.Graph) > 0 {
		c.Client.Entry = c.Graph[0].Name
	}
	if c.Client.Users == 0 {
		setStr(&c.Client.Arrival, "poisson")
	}
	setDur(&c.Client.Timeout, DefaultClientTimeout)
	q := &c.Queue
	setDur(&q.RequestLatency, DefaultSQSRequestLatency)
	setDur(&q.VisibilityTimeout, DefaultSQSVisibility)
	setDur(&q.ReceiveWait, MaxSQSReceiveWait)
	setInt(&q.MaxMessages, 10)
	setInt(&q.MaxReceiveCount, 5)
	c.Via.defaults()
	for i := range c.Graph {
		sv := &c.Graph[i]
		setInt(&sv.Instances, 1)
		setInt(&sv.Threads, DefaultServiceThreads)
		if sv.Queue == nil {
			n := DefaultServiceQueue
			sv.Queue = &n
		}
		for j := range sv.Calls {
			k := &sv.Calls[j]
			setStr(&k.Mode, c.Call)
			if k.Share == 0 {
				k.Share = 1
			}
			if k.Mode != CallSync {
				if k.Mode == CallAsync {
					// A call's via inherits what it leaves unset from services.via.
					if k.Via == nil {
						k.Via = &ServiceVia{}
					}
					if k.Via.System == "" || k.Via.System == c.Via.System {
						k.Via.System = c.Via.System
						setInt(&k.Via.Nodes, c.Via.Nodes)
						if k.Via.Replicas == 0 && c.Via.Replicas <= k.Via.Nodes {
							k.Via.Replicas = c.Via.Replicas
						}
					}
					k.Via.defaults()
				}
				continue
			}
			setDur(&k.Timeout, c.Timeout)
			setDur(&k.Backoff, DefaultServiceBackoff)
			setDur(&k.BackoffMax, DefaultServiceBackoffMax)
			setStr(&k.Jitter, "full")
			if b := k.RetryBudget; b != nil {
				if b.Ratio == 0 {
					b.Ratio = DefaultRetryBudgetRatio
				}
				if b.MinPerSecond == 0 {
					b.MinPerSecond = DefaultRetryBudgetMinPer
				}
				if b.Burst == 0 {
					b.Burst = max(10, 10*b.MinPerSecond)
				}
			}
			if b := k.Breaker; b != nil {
				setDur(&b.Window, DefaultBreakerWindow)
				setInt(&b.Volume, DefaultBreakerVolume)
				if b.Threshold == 0 {
					b.Threshold = DefaultBreakerThreshold
				}
				setDur(&b.Sleep, DefaultBreakerSleep)
				setInt(&b.Probes, DefaultBreakerProbes)
			}
		}
	}
}

// validateServices checks a `system: services` scenario: the section is
// there and alone (no topics, producers or groups), every call names a
// declared service, settings are in range. It reports whether the
// scenario is a service graph (the rest of Validate is then not for it).
func (s *Scenario) validateServices(v *validator) bool {
	if s.SystemName() != SystemServices {
		if s.Services != nil && !s.systemSet {
			v.add("services", "a services section with system: %s; it is read only under system: services", s.SystemName())
		}
		return false
	}
	c := s.Services
	if c == nil {
		v.add("services", "missing: system: services needs a services section with its graph")
		return true
	}
	if len(s.Topics) > 0 || len(s.Producers) > 0 || len(s.ConsumerGroups) > 0 {
		v.add("system", "services: a service graph has no topics, producers or consumer_groups (requests come from services.client; asynchronous calls go through services.queue)")
	}
	if s.Cluster.Brokers != DefaultBrokers || s.Cluster.Profile != DefaultProfile {
		v.add("cluster", "services: a service graph has no brokers (its asynchronous calls go through the SQS queues of services.queue)")
	}
	s.validateServiceNetFaults(v)
	v.oneOf("services.call", c.Call, CallSync, CallAsync)
	if c.Timeout <= 0 {
		v.add("services.timeout", "must be above 0: a synchronous call without a timeout holds its thread forever (Hystrix's default is 1s)")
	}
	if c.NetworkLatency < 0 || c.NetworkLatency > 10*units.Second {
		v.add("services.network_latency", "%v: want 0 to 10s", c.NetworkLatency)
	}
	if c.NetworkJitter < 0 || c.NetworkJitter > c.NetworkLatency {
		v.add("services.network_jitter", "%v: want 0 up to the latency (%v)", c.NetworkJitter, c.NetworkLatency)
	}
	names := map[string]int{}
	if len(c.Graph) == 0 {
		v.add("services.graph", "missing: declare at least one service")
	}
	for i, sv := range c.Graph {
		f := fmt.Sprintf("services.graph[%d].", i)
		switch j, dup := names[sv.Name]; {
		case sv.Name == "":
			v.add(f+"name", "missing: every service needs a name")
		case dup:
			v.add(f+"name", "service %q is already declared at services.graph[%d]", sv.Name, j)
		default:
			names[sv.Name] = i
		}
		v.between(f+"instances", sv.Instances, 1, MaxInstances)
		v.between(f+"threads", sv.Threads, 1, 100_000)
		if q := sv.QueueLen(); q < 0 || q > 10_000_000 {
			v.add(f+"queue", "%d is out of range: want 0 (no queue) to 10,000,000", q)
		}
		if sv.ServiceTime.Dist == nil {
			v.add(f+"service_time", "missing: the thread's own work per request, e.g. lognormal(median=5ms, p99=50ms)")
		} else if m := sv.ServiceTime.Mean(); math.IsNaN(m) || math.IsInf(m, 0) || m < 0 || m > 3600 {
			v.add(f+"service_time", "mean %gs is out of range: want 0 to 1h per request", m)
		}
	}
	for i, sv := range c.Graph {
		for j, k := range sv.Calls {
			f := fmt.Sprintf("services.graph[%d].calls[%d].", i, j)
			t, ok := names[k.To]
			switch {
			case k.To == "":
				v.add(f+"to", "missing: name the service called")
			case !ok:
				v.add(f+"to", "unknown service %q: declare it in services.graph%s", k.To, DidYouMean(k.To, serviceNames(c.Graph)))
			case t == i:
				v.add(f+"to", "service %q calls itself", k.To)
			}
			v.oneOf(f+"mode", k.Mode, CallSync, CallAsync)
			if k.Share <= 0 || k.Share > 1 {
				v.add(f+"share", "%v: want a share of requests above 0 and at most 100%%", k.Share)
			}
			if k.Mode == CallAsync {
				if k.Retries != 0 || k.RetryBudget != nil || k.Breaker != nil || k.Fallback || k.Timeout != 0 {
					v.add(f+"mode", "async: timeout, retries, retry_budget, breaker and fallback are for synchronous calls (an async call returns once the broker has the message; the queue redelivers)")
				}
				continue
			}
			if k.Via != nil {
				v.add(f+"via", "for asynchronous calls: a synchronous call goes straight to the callee")
			}
			if k.Timeout <= 0 {
				v.add(f+"timeout", "must be above 0: a synchronous call without a timeout holds its thread forever (Hystrix's default is 1s)")
			}
			v.between(f+"retries", k.Retries, 0, 100)
			if k.Backoff < 0 || k.BackoffMax < k.Backoff {
				v.add(f+"backoff_max", "%v is below backoff %v", k.BackoffMax, k.Backoff)
			}
			v.oneOf(f+"jitter", k.Jitter, JitterKinds...)
			if b := k.RetryBudget; b != nil {
				if b.Ratio < 0 || b.Ratio > 10 {
					v.add(f+"retry_budget.ratio", "%v: want 0 to 1000%%", b.Ratio)
				}
				if b.MinPerSecond < 0 || b.Burst < 1 {
					v.add(f+"retry_budget", "min_per_second must not be negative and burst at least 1")
				}
			}
			if b := k.Breaker; b != nil {
				if b.Threshold <= 0 || b.Threshold > 1 {
					v.add(f+"breaker.threshold", "%v: want an error share above 0 and at most 100%%", b.Threshold)
				}
				if b.Window <= 0 {
					v.add(f+"breaker.window", "must be above 0")
				}
				if b.Sleep <= 0 {
					v.add(f+"breaker.sleep", "must be above 0")
				}
				v.between(f+"breaker.volume", b.Volume, 1, 1_000_000)
				v.between(f+"breaker.probes", b.Probes, 1, 1000)
			}
		}
	}
	cl := c.Client
	if _, ok := names[cl.Entry]; !ok && cl.Entry != "" {
		v.add("services.client.entry", "unknown service %q%s", cl.Entry, DidYouMean(cl.Entry, serviceNames(c.Graph)))
	}
	switch {
	case cl.Users > 0 && cl.Rate > 0:
		v.add("services.client", "both rate (open loop) and users (closed loop): give one")
	case cl.Users > 0:
		if cl.ThinkTime.Dist == nil {
			v.add("services.client.think_time", "missing: closed-loop users think between requests, e.g. exp(1s)")
		} else if m := cl.ThinkTime.Mean(); math.IsNaN(m) || math.IsInf(m, 0) || m < 0 || m > 86400 {
			v.add("services.client.think_time", "mean %gs is out of range: want 0 to 1d", m)
		}
		if cl.Arrival != "" {
			v.add("services.client.arrival", "an arrival process is for an open-loop client (rate); users arrive by thinking")
		}
		v.between("services.client.users", cl.Users, 1, 1_000_000)
	case cl.Rate > 0:
		if cl.Rate > MaxRate {
			v.add("services.client.rate", "%v: at most %v", cl.Rate, units.Rate(MaxRate))
		}
		if _, err := ParseArrival(cl.Arrival); err != nil {
			v.add("services.client.arrival", "%v", err)
		}
		if cl.ThinkTime.Dist != nil {
			v.add("services.client.think_time", "think time is for closed-loop users; an open-loop client has a rate")
		}
	default:
		v.add("services.client", "missing: give rate (open loop, requests/s) or users with think_time (closed loop)")
	}
	if cl.Timeout <= 0 {
		v.add("services.client.timeout", "must be above 0")
	}
	q := c.Queue
	if q.RequestLatency <= 0 || q.RequestLatency > 10*units.Second {
		v.add("services.queue.request_latency", "%v: want above 0 and at most 10s (SQS's typical ~20ms)", q.RequestLatency)
	}
	if q.VisibilityTimeout <= 0 || q.VisibilityTimeout > MaxSQSVisibility {
		v.add("services.queue.visibility_timeout", "%v is out of range: want above 0 and at most 12h", q.VisibilityTimeout)
	}
	if q.ReceiveWait < 0 || q.ReceiveWait > MaxSQSReceiveWait {
		v.add("services.queue.receive_wait", "%v is out of range: SQS allows 0s to 20s", q.ReceiveWait)
	}
	v.between("services.queue.max_messages", q.MaxMessages, 1, 10)
	v.between("services.queue.max_receive_count", q.MaxReceiveCount, 1, 1000)
	c.Via.validate(v, "services.via")
	via := map[string]string{} // callee → the system its first async call goes through
	for i, sv := range c.Graph {
		for j, k := range sv.Calls {
			if k.Mode != CallAsync || k.Via == nil {
				continue
			}
			f := fmt.Sprintf("services.graph[%d].calls[%d].via", i, j)
			k.Via.validate(v, f)
			if sys, ok := via[k.To]; ok && sys != k.Via.System {
				v.add(f+".system", "%s: %s's other asynchronous callers go through %s; one service consumes from one system", k.Via.System, k.To, sys)
			} else if !ok {
				via[k.To] = k.Via.System
			}
		}
	}
	for i, ft := range c.Faults {
		f := fmt.Sprintf("services.faults[%d].", i)
		v.oneOf(f+"type", ft.Type, ServiceFaultTypes...)
		if _, ok := names[ft.Service]; !ok {
			v.add(f+"service", "unknown service %q%s", ft.Service, DidYouMean(ft.Service, serviceNames(c.Graph)))
		}
		if ft.At < 0 {
			v.add(f+"at", "must not be negative")
		}
		if ft.Duration < 0 {
			v.add(f+"duration", "must not be negative")
		}
		switch ft.Type {
		case "slow":
			if ft.Slowdown < 1 {
				v.add(f+"slowdown", "%v: want a factor of at least 1x (40x: 50ms becomes 2s)", ft.Slowdown)
			}
		case "errors":
			if ft.Share <= 0 || ft.Share > 1 {
				v.add(f+"share", "%v: want a share above 0 and at most 100%%", ft.Share)
			}
		}
		if ft.Type != "slow" && ft.Slowdown != 0 {
			v.add(f+"slowdown", "only for type: slow")
		}
		if ft.Type != "errors" && ft.Share != 0 {
			v.add(f+"share", "only for type: errors")
		}
	}
	return true
}

func (v *ServiceVia) defaults() {
	setStr(&v.System, ViaSQS)
	if v.System == ViaSQS {
		return
	}
	setInt(&v.Nodes, 3)
	setInt(&v.Replicas, min(3, v.Nodes))
}

func (x *ServiceVia) validate(v *validator, f string) {
	v.oneOf(f+".system", x.System, ViaSystems...)
	if x.System == ViaSQS {
		if x.Nodes != 0 || x.Replicas != 0 {
			v.add(f, "sqs: a managed service has no nodes or replicas to set")
		}
		return
	}
	v.between(f+".nodes", x.Nodes, 1, 100)
	if x.Replicas < 1 || x.Replicas > x.Nodes {
		v.add(f+".replicas", "%d: want 1 to nodes (%d)", x.Replicas, x.Nodes)
	}
}

// ServiceNetFaults are the top-level faults a service graph takes: the
// network's and the machines', on a service's instances (service: NAME).
var ServiceNetFaults = []string{"network-partition", "network-degrade", "broker-crash"}

// validateServiceNetFaults checks the top-level faults of a service graph:
// a network partition or degradation between a service's instances and
// other services (from: [service:NAME]), the client (clients) or every
// other node (peers); a crash of its instances' processes, or machines
// with lose_page_cache.
func (s *Scenario) validateServiceNetFaults(v *validator) {
	names := serviceNames(s.Services.Graph)
	for i := range s.Faults {
		f := &s.Faults[i]
		at := fmt.Sprintf("faults[%d]", i)
		if !slices.Contains(ServiceNetFaults, f.Type) {
			v.add(at+".type", "%q: a service graph takes the top-level faults %s (on a service: NAME), and its own in services.faults (%s)",
				f.Type, strings.Join(ServiceNetFaults, ", "), strings.Join(ServiceFaultTypes, ", "))
			continue
		}
		switch {
		case f.Service == "":
			v.add(at+".service", "missing: which service's instances (service: NAME)")
		case !slices.Contains(names, f.Service):
			v.add(at+".service", "unknown service %q%s", f.Service, DidYouMean(f.Service, names))
		}
		if f.Broker != nil || f.Leader != "" || f.Group != "" || f.Consumer != nil || f.Topic != "" || f.Producer != "" || f.Count != 0 {
			v.add(at, "a service graph's fault names a service, not a broker, leader, group, consumer, topic, producer or count")
		}
		if f.At < 0 || s.Duration > 0 && f.At >= s.Duration {
			v.add(at+".at", "%v: want from 0 to before the end of the run (%v)", f.At, s.Duration)
		}
		if f.Duration < 0 {
			v.add(at+".duration", "must not be negative")
		}
		if f.Type == "broker-crash" {
			if len(f.From) > 0 || f.Slowdown != 0 || f.Share != 0 {
				v.add(at, "a broker-crash takes lose_page_cache (the machine dies) and a duration, not from, slowdown or share")
			}
			continue
		}
		if f.LosePageCache {
			v.add(at+".lose_page_cache", "only for broker-crash")
		}
		if len(f.From) == 0 {
			v.add(at+".from", "missing: what the service is cut off from: service:NAME, clients or peers")
		}
		for j, from := range f.From {
			other, ok := strings.CutPrefix(from, "service:")
			switch {
			case from == "clients" || from == "peers":
			case ok && slices.Contains(names, other) && other != f.Service:
			default:
				v.add(fmt.Sprintf("%s.from[%d]", at, j), "%q: want service:NAME (another service), clients or peers", from)
			}
		}
		switch f.Type {
		case "network-partition":
			if f.Slowdown != 0 || f.Share != 0 {
				v.add(at, "a network-partition cuts; network-degrade takes slowdown and share")
			}
		case "network-degrade":
			if f.Slowdown == 0 && f.Share == 0 {
				v.add(at+".slowdown", "missing: a network-degrade fault needs a slowdown (e.g. 10x), a share of messages lost (e.g. 5%%), or both")
			}
			if f.Slowdown != 0 && f.Slowdown < 1 {
				v.add(at+".slowdown", "%v: want at least 1x", f.Slowdown)
			}
			if f.Share < 0 || f.Share > 1 {
				v.add(at+".share", "%v: want 0 to 100%%", f.Share)
			}
		}
	}
}

func serviceNames(g []Service) []string {
	out := make([]string, len(g))
	for i, s := range g {
		out[i] = s.Name
	}
	return out
}

// ServiceWarnings lists what is allowed but dangerous in a service graph:
// a cycle of synchronous calls (each caller's thread waits on the next, so
// the cycle can hold every thread of its services waiting on each other).
func (s *Scenario) serviceWarnings(v *validator) {
	c := s.Services
	if s.SystemName() != SystemServices || c == nil {
		return
	}
	idx := map[string]int{}
	for i, sv := range c.Graph {
		idx[sv.Name] = i
	}
	// Depth-first search for a back edge over synchronous calls.
	const (
		white = iota
		grey
		black
	)
	colour := make([]int, len(c.Graph))
	var stack []int
	reported := map[string]bool{}
	var visit func(i int)
	visit = func(i int) {
		colour[i] = grey
		stack = append(stack, i)
		for j, k := range c.Graph[i].Calls {
			t, ok := idx[k.To]
			if !ok || k.Mode != CallSync {
				continue
			}
			switch colour[t] {
			case white:
				visit(t)
			case grey:
				start := slices.Index(stack, t)
				var path []string
				for _, n := range stack[start:] {
					path = append(path, c.Graph[n].Name)
				}
				path = append(path, c.Graph[t].Name)
				key := strings.Join(path, "→")
				if !reported[key] {
					reported[key] = true
					v.add(fmt.Sprintf("services.graph[%d].calls[%d].to", i, j),
						"a cycle of synchronous calls (%s): each caller's thread waits on the next, so under load the cycle's pools can wait on each other until every call times out; make one call async", strings.Join(path, " → "))
				}
			}
		}
		stack = stack[:len(stack)-1]
		colour[i] = black
	}
	for i := range c.Graph {
		if colour[i] == white {
			visit(i)
		}
	}
}
