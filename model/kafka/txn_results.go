package kafka

import "mqsim/sim"

// txnResults fills Results.Transactions.
func (w *world) txnResults(r *Results) error {
	t := &r.Transactions
	for _, g := range w.groups {
		g.countAbortedRead()
		if g.tx != nil {
			t.AbortedRecordsRead += g.tx.abortedRead
		}
		if st := g.stage; st != nil {
			t.StageOutputs += st.outputs
			t.StageRequests += st.produceRequests
		}
	}
	tc := w.txn
	if tc == nil {
		return nil
	}
	t.Committed, t.Aborted, t.TimedOut, t.FencedProducers = tc.committed, tc.aborted, tc.timedOut, tc.fenced
	t.Markers, t.LogWrites, t.Requests, t.ClientRequests = tc.markers, tc.logWrites, tc.requests, tc.clientRequests
	stall := tc.maxStall
	now := w.s.Now()
	for _, m := range tc.order {
		if m.state == txnOngoing || m.state == txnPrepareCommit || m.state == txnPrepareAbort {
			t.Open++
			for _, a := range m.added {
				stall = max(stall, now-a)
			}
		}
	}
	t.LSOStallSeconds = sim.Time(stall).Seconds()
	return nil
}
