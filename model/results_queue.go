package model

// QueueService is what a managed queue service (SQS) reports beyond the
// shared results: its API calls and what they are billed. Other systems
// leave it at zero.
type QueueService struct {
	APIRequests    int64 `json:"api_requests,omitempty"`    // API calls made
	BilledRequests int64 `json:"billed_requests,omitempty"` // requests billed: each 64 KB chunk of a call's payload one
	EmptyReceives  int64 `json:"empty_receives,omitempty"`  // receives that returned no message
	Receives       int64 `json:"receives,omitempty"`        // message deliveries (a message received twice counts twice)
	// RequestsPerSecond is billed requests per second over the run;
	// MonthlyRequests the same rate over 30 days, and MonthlyCost those at
	// the scenario's price per million.
	RequestsPerSecond float64 `json:"requests_per_s,omitempty"`
	MonthlyRequests   float64 `json:"monthly_requests,omitempty"`
	MonthlyCost       float64 `json:"monthly_request_cost,omitempty"`
	ThrottledCalls    int64   `json:"throttled_calls,omitempty"`    // FIFO calls that waited for the per-action limit
	VisibilityChanges int64   `json:"visibility_changes,omitempty"` // ChangeMessageVisibility calls
	DedupDropped      int64   `json:"dedup_dropped,omitempty"`      // FIFO repeats within the deduplication interval
}

var queueMetricNames = []string{"api_requests", "billed_requests", "empty_receives", "receives", "requests_per_s",
	"monthly_requests", "throttled_calls", "visibility_changes", "dedup_dropped"}

func (q *QueueService) metric(name string) (float64, string, bool) {
	c := func(v int64) (float64, string, bool) { return float64(v), KindCount, true }
	switch name {
	case "api_requests":
		return c(q.APIRequests)
	case "billed_requests":
		return c(q.BilledRequests)
	case "empty_receives":
		return c(q.EmptyReceives)
	case "receives":
		return c(q.Receives)
	case "requests_per_s":
		return q.RequestsPerSecond, KindRate, true
	case "monthly_requests":
		return q.MonthlyRequests, KindCount, true
	case "throttled_calls":
		return c(q.ThrottledCalls)
	case "visibility_changes":
		return c(q.VisibilityChanges)
	case "dedup_dropped":
		return c(q.DedupDropped)
	}
	return 0, "", false
}
