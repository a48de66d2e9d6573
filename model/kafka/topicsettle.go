package kafka

// A group settles (lost, unseen) only the messages that can reach its
// topic. The checker knows messages by producer, not by topic: without
// this, a group reading one topic would count every message of a
// producer writing another as lost. A topic that only producers write
// (no pipeline stage's output, retry topic or dead-letter topic: those
// carry other producers' ids) gets only its producers' messages; the
// others are marked handled for the group before it settles.

// settleOthers marks, for group g, the acknowledged messages of producers
// that cannot reach its topic as handled.
func (w *world) settleOthers(g *group) {
	name := g.t.spec.Name
	for gi := range w.sc.ConsumerGroups {
		gs := &w.sc.ConsumerGroups[gi]
		if pl := gs.Pipeline; pl != nil && pl.Output == name {
			return
		}
		if f := gs.Failures; f != nil {
			if f.DLQ == name {
				return
			}
			for _, rt := range f.RetryTopics {
				if rt.Topic == name {
					return
				}
			}
		}
	}
	other := make([]bool, len(w.prods))
	any := false
	for i, p := range w.prods {
		if p.t != g.t {
			other[i], any = true, true
		}
	}
	if !any {
		return
	}
	w.chk.Acked().Each(func(prod, part int, seq int32) {
		if prod >= 0 && prod < len(other) && other[prod] {
			w.chk.Handled(g.idx, prod, part, seq)
		}
	})
}
