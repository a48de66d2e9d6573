package eventsource

import (
	"mqsim/model"
	"mqsim/model/commitlog"
)

// audit reconstructs one entity's balance as of a past time: the offset
// for that time from each partition's time index, then a fold of the
// entity's events below it, keeping the last few as the trail.
func audit(in Input, logs []*commitlog.Log) (*model.AuditResult, error) {
	a := in.Scenario.EventSourcing.Audit
	out := &model.AuditResult{Key: a.Key, At: a.At.Seconds(), Partition: -1}
	for pi, l := range logs {
		upto := l.HighWatermark()
		off, ok, err := l.OffsetForTime(int64(a.At / 1e6))
		if err != nil {
			return nil, err
		}
		if ok {
			upto = min(upto, off)
		}
		var trail []model.AuditEvent
		var bal, n, final int64
		err = in.cache.scan(l, 0, l.HighWatermark(), func(e Event) {
			if e.Key != a.Key {
				return
			}
			final += e.Amount
			if e.Offset >= upto {
				return
			}
			bal += e.Amount
			n++
			trail = append(trail, model.AuditEvent{Offset: e.Offset, At: e.At.Seconds(), Amount: e.Amount, Balance: bal})
			if len(trail) > a.Events {
				trail = trail[1:]
			}
		})
		if err != nil {
			return nil, err
		}
		if final == 0 && n == 0 && len(trail) == 0 {
			continue
		}
		out.Partition, out.Offset, out.Events, out.Balance, out.Final, out.Trail = pi, upto, n, bal, final, trail
	}
	return out, nil
}
