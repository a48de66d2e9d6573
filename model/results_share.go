package model

// ShareGroups is what Kafka share groups (KIP-932, consumer groups of
// type: share) report beyond the shared results. Other runs leave it at
// zero.
type ShareGroups struct {
	ShareAcquisitions int64 `json:"share_acquisitions,omitempty"` // records handed to a member under a lock
	ShareRedeliveries int64 `json:"share_redeliveries,omitempty"` // acquisitions of a record delivered before
	LockExpiries      int64 `json:"lock_expiries,omitempty"`      // acquisition locks that ran out before an acknowledgement
	ShareReleased     int64 `json:"share_released,omitempty"`     // records released when their member's connection closed
	Archived          int64 `json:"archived,omitempty"`           // records archived at the delivery count limit
	ShareStateWrites  int64 `json:"share_state_writes,omitempty"` // writes of share-partition state to the share coordinator
	StaleAcks         int64 `json:"stale_acks,omitempty"`         // acknowledgements refused: the lock had expired or been released
	MaxShareWindow    int64 `json:"max_share_window,omitempty"`   // largest in-flight window (end − start offset) of a share-partition
}

var shareMetricNames = []string{"share_acquisitions", "share_redeliveries", "lock_expiries", "share_released",
	"archived", "share_state_writes", "stale_acks", "max_share_window"}

func (s *ShareGroups) metric(name string) (float64, string, bool) {
	c := func(v int64) (float64, string, bool) { return float64(v), KindCount, true }
	switch name {
	case "share_acquisitions":
		return c(s.ShareAcquisitions)
	case "share_redeliveries":
		return c(s.ShareRedeliveries)
	case "lock_expiries":
		return c(s.LockExpiries)
	case "share_released":
		return c(s.ShareReleased)
	case "archived":
		return c(s.Archived)
	case "share_state_writes":
		return c(s.ShareStateWrites)
	case "stale_acks":
		return c(s.StaleAcks)
	case "max_share_window":
		return c(s.MaxShareWindow)
	}
	return 0, "", false
}
