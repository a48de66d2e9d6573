package model

import "strings"

// Services is what a service graph (system: services) reports: the edge's
// availability, goodput and failures, the calls' timeouts, retries and
// breakers, the broker queues of asynchronous calls, and one row per
// service. It is embedded in Results (its JSON keys sit at the top
// level); other systems leave it zero. The edge's latency of successful
// requests is Results.E2ELatency; requests are Produced, successes Acked.
type Services struct {
	EdgeTimeouts int64 `json:"edge_timeouts,omitempty"` // edge requests the client gave up on
	// Availability is successes over edge requests; Goodput successes per
	// second while the client ran; MinGoodput the lowest sample of it
	// after warm-up.
	Availability      float64 `json:"availability,omitempty"`
	Goodput           float64 `json:"goodput,omitempty"`
	MinGoodput        float64 `json:"min_goodput,omitempty"`
	CallTimeouts      int64   `json:"call_timeouts,omitempty"`
	Rejections        int64   `json:"rejections,omitempty"`
	CallRetries       int64   `json:"call_retries,omitempty"`
	BudgetDenied      int64   `json:"budget_denied,omitempty"`
	ShortCircuited    int64   `json:"short_circuited,omitempty"`
	BreakerOpens      int64   `json:"breaker_opens,omitempty"`
	ExhaustedServices int64   `json:"exhausted_services,omitempty"`
	// LeafAmplification is call attempts that reached the deepest
	// service(s) per edge request.
	LeafAmplification float64 `json:"leaf_amplification,omitempty"`
	// AsyncLatency is from an edge request to its asynchronous work done
	// (queue wait included), after warm-up.
	AsyncLatency      Latency         `json:"async_latency_ms,omitzero"`
	AsyncBacklog      int64           `json:"async_backlog,omitempty"`
	AsyncFinalBacklog int64           `json:"async_final_backlog,omitempty"`
	ServiceStats      []ServiceResult `json:"services,omitempty"`
}

// ServiceResult is one service's row.
type ServiceResult struct {
	Name      string `json:"name"`
	Instances int    `json:"instances"`
	Threads   int    `json:"threads"` // per instance
	Depth     int    `json:"depth"`   // calls from the entry (-1: not reached)
	Arrived   int64  `json:"arrived"` // requests that reached an instance
	Completed int64  `json:"completed"`
	Failed    int64  `json:"failed"`
	Rejected  int64  `json:"rejected"` // refused by a full accept queue
	// Of the calls this service makes:
	Timeouts       int64 `json:"timeouts"`
	Retries        int64 `json:"retries"`
	BudgetDenied   int64 `json:"budget_denied,omitempty"`
	ShortCircuited int64 `json:"short_circuited,omitempty"`
	BreakerOpens   int64 `json:"breaker_opens,omitempty"`
	// Asynchronous messages it handled and dead-lettered.
	AsyncProcessed int64 `json:"async_processed,omitempty"`
	DeadLettered   int64 `json:"dead_lettered,omitempty"`

	Throughput      float64 `json:"throughput"`       // completed per second over the run
	LateGoodput     float64 `json:"late_goodput"`     // completed per second in the last quarter of the client's run
	Amplification   float64 `json:"amplification"`    // call attempts reaching it per edge request
	MeanUtilisation float64 `json:"mean_utilisation"` // busy threads over threads, mean over the run
	MaxUtilisation  float64 `json:"max_utilisation"`  // the busiest sample
	MaxQueue        int64   `json:"max_queue"`        // accept-queue length, all instances, largest
	MeanQueueWait   float64 `json:"mean_queue_wait_ms"`
	// ExhaustedAt is when every thread became busy and stayed so for at
	// least a second, the first time, in seconds (-1: never).
	ExhaustedAt float64 `json:"exhausted_at"`
	MaxBacklog  int64   `json:"max_backlog,omitempty"` // its broker queue's largest depth
	Via         string  `json:"via,omitempty"`         // the system its broker queue is on (reached asynchronously)
}

var servicesMetricNames = []string{"availability", "goodput", "min_goodput", "edge_timeouts", "call_timeouts", "rejections",
	"call_retries", "budget_denied", "short_circuited", "breaker_opens", "exhausted_services", "leaf_amplification",
	"async_p50", "async_p99", "async_backlog", "async_final_backlog"}

func (s *Services) metric(name string) (float64, string, bool) {
	c := func(v int64) (float64, string, bool) { return float64(v), KindCount, true }
	if rest, ok := strings.CutPrefix(name, "service."); ok {
		i := strings.LastIndexByte(rest, '.')
		if i <= 0 {
			return 0, "", false
		}
		for k := range s.ServiceStats {
			if sr := &s.ServiceStats[k]; sr.Name == rest[:i] {
				return sr.metric(rest[i+1:])
			}
		}
		return 0, "", false
	}
	switch name {
	case "availability":
		return s.Availability, KindRatio, true
	case "goodput":
		return s.Goodput, KindRate, true
	case "min_goodput":
		return s.MinGoodput, KindRate, true
	case "edge_timeouts":
		return c(s.EdgeTimeouts)
	case "call_timeouts":
		return c(s.CallTimeouts)
	case "rejections":
		return c(s.Rejections)
	case "call_retries":
		return c(s.CallRetries)
	case "budget_denied":
		return c(s.BudgetDenied)
	case "short_circuited":
		return c(s.ShortCircuited)
	case "breaker_opens":
		return c(s.BreakerOpens)
	case "exhausted_services":
		return c(s.ExhaustedServices)
	case "leaf_amplification":
		return s.LeafAmplification, KindCount, true
	case "async_p50":
		return s.AsyncLatency.P50 / 1000, KindDuration, true
	case "async_p99":
		return s.AsyncLatency.P99 / 1000, KindDuration, true
	case "async_backlog":
		return c(s.AsyncBacklog)
	case "async_final_backlog":
		return c(s.AsyncFinalBacklog)
	}
	return 0, "", false
}

// metric answers service.<name>.<key> (scenarios.ServiceMetrics).
func (sr *ServiceResult) metric(key string) (float64, string, bool) {
	c := func(v int64) (float64, string, bool) { return float64(v), KindCount, true }
	switch key {
	case "arrived":
		return c(sr.Arrived)
	case "completed":
		return c(sr.Completed)
	case "failed":
		return c(sr.Failed)
	case "rejected":
		return c(sr.Rejected)
	case "timeouts":
		return c(sr.Timeouts)
	case "retries":
		return c(sr.Retries)
	case "budget_denied":
		return c(sr.BudgetDenied)
	case "short_circuited":
		return c(sr.ShortCircuited)
	case "breaker_opens":
		return c(sr.BreakerOpens)
	case "throughput":
		return sr.Throughput, KindRate, true
	case "late_goodput":
		return sr.LateGoodput, KindRate, true
	case "utilisation":
		return sr.MeanUtilisation, KindRatio, true
	case "max_queue":
		return c(sr.MaxQueue)
	case "exhausted_at":
		return sr.ExhaustedAt, KindDuration, true
	case "amplification":
		return sr.Amplification, KindCount, true
	case "max_backlog":
		return c(sr.MaxBacklog)
	case "async_processed":
		return c(sr.AsyncProcessed)
	case "dead_lettered":
		return c(sr.DeadLettered)
	}
	return 0, "", false
}
