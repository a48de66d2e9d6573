package kafka

import "fmt"

// A group's lag on partition i is the partition's high watermark minus
// the offset after the group's last processed record, never below 0; the
// group's lag is the sum over its topic's partitions (lag). max_lag and
// max_partition_lag are the largest values these take during the run,
// exactly, whatever the sample interval: every write of a group's position
// goes through setProcessed and every move of a high watermark through
// setHW, which keep a running total per group and raise the maxima when a
// value rises — O(1) per change and per group reading the partition, no
// scan over partitions.

// partLag is g's lag on partition i were its high watermark hw.
func (g *group) partLag(i int, hw int64) int64 { return max(hw-g.processed[i], 0) }

// setProcessed moves g's position on partition i to off.
func (g *group) setProcessed(i int, off int64) {
	hw := g.t.parts[i].hw
	old := g.partLag(i, hw)
	g.processed[i] = off
	g.lagMoved(old, g.partLag(i, hw))
}

// addPartitionLag gives g a position (0) on a partition added to its topic
// at run time, whose log is empty.
func (g *group) addPartitionLag() {
	g.processed = append(g.processed, 0)
	g.lagMoved(0, g.partLag(len(g.processed)-1, g.t.parts[len(g.processed)-1].hw))
}

// lagMoved applies a change of one partition's lag from old to now.
func (g *group) lagMoved(old, now int64) {
	if now == old {
		return
	}
	g.lagTotal += now - old
	if now > old && !g.lagFrozen {
		g.maxPartLag = max(g.maxPartLag, now)
		g.maxLag = max(g.maxLag, g.lagTotal)
		if g.onLagRise != nil {
			g.onLagRise()
		}
	}
}

// initLag starts the bookkeeping once g's positions are loaded (newGroup):
// the lag and the maxima are those of the state the group starts in.
func (g *group) initLag() {
	g.lagTotal, g.maxPartLag = g.lag()
	g.maxLag = g.lagTotal
}

// setHW moves p's high watermark to hw (forwards as followers catch up;
// to the new leader's, possibly lower, at an election) and the lag of
// every group reading p's topic with it.
func (p *partition) setHW(hw int64) {
	if hw == p.hw {
		return
	}
	for _, g := range p.t.groups {
		g.lagMoved(g.partLag(p.idx, p.hw), g.partLag(p.idx, hw))
	}
	p.hw = hw
}

// freezeLagMaxima ends the maxima at the end of the run: what settling the
// positions afterwards does (controller.settle, consumerResults) is not
// part of it. The running total stays exact.
func (w *world) freezeLagMaxima() {
	for _, g := range w.groups {
		g.lagFrozen = true
	}
}

// verifyLag makes every sampler tick, the end of the run and the end of
// settling check each group's running lag against the lag recomputed from
// every partition, and (during the run) the maxima against it (tests set
// it).
var verifyLag bool

// checkLags is verifyLag's check of every group (nil when it is off).
func (w *world) checkLags() error {
	if !verifyLag {
		return nil
	}
	for _, g := range w.groups {
		if err := g.checkLag(); err != nil {
			return err
		}
	}
	return nil
}

// checkLag is verifyLag's check for g.
func (g *group) checkLag() error {
	total, worst := g.lag()
	if total != g.lagTotal || !g.lagFrozen && (g.maxLag < total || g.maxPartLag < worst) {
		return fmt.Errorf("group %s at %v: running lag %d (max %d, partition max %d), recomputed %d (worst partition %d)",
			g.spec.Name, g.w.s.Now(), g.lagTotal, g.maxLag, g.maxPartLag, total, worst)
	}
	return nil
}
