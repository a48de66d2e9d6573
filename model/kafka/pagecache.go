package kafka

import (
	"mqsim/model"
	"mqsim/sim"
)

// The storage path of a broker's writes: every append lands in its
// machine's page cache (node.PageCache), which writes it back to the disk
// as Linux does; a writer past the dirty limit waits for write-back before
// its append (a leader's produce request after its CPU time, a follower's
// fetched batches before they are applied). What write-back or an fsync
// has put on the disk is each replica's flushed offset: a power loss
// (broker-crash with lose_page_cache) truncates each log to it.

// setupCache ties broker b's page cache to its replicas: a file is a
// replica's log, and the disk's progress is its flushed offset.
func (b *broker) setupCache() {
	b.Cache.OnClean = func(o int32, upto int64) {
		b.owned[o].flushed = upto
	}
}

// addReplica registers a new replica's log with its broker's page cache;
// what the log already holds (a resumed data directory) is on disk.
func (b *broker) addReplica(r *replica) {
	r.owner = b.Cache.NewOwner()
	r.flushed = r.log.LogEndOffset()
	r.flushReq = r.flushed
	b.owned = append(b.owned, r)
}

// prRoom holds a produce request whose CPU time is done until the
// broker's page cache has room for its writes (past the dirty limit, the
// write(2) in Kafka's handler blocks).
func (w *world) prRoom(id uint64) {
	if w.preqs[id].c.b.Cache.Room(id, w.fPrHandle) {
		w.prHandle(id)
	}
}

// rfDstRoom holds a follower's fetched batches until its page cache has
// room, then charges its CPU and applies them.
func (w *world) rfDstRoom(id uint64) {
	f := w.fetchers[id]
	if f.dst.Cache.Room(id, w.fRFDstCPU) {
		w.rfDstCPU(id)
	}
}

func (w *world) rfDstCPU(id uint64) {
	f := w.fetchers[id]
	w.useTime(f.dst.CPU, f.dst.CPUCost(f.bytes), w.fRFApply, id)
}

// powerLoss is a machine crash's page cache: what write-back had not put
// on the disk is gone, so each log is cut to its flushed offset. It
// returns the dirty bytes lost.
func (c *controller) powerLoss(b int) (int64, error) {
	br := c.w.brokers[b]
	lost := br.Cache.LoseDirty()
	for _, r := range c.onBrok[b] {
		if err := c.truncate(r, r.flushed); err != nil {
			return lost, err
		}
	}
	return lost, nil
}

// cacheResult is the broker's page cache in the results, when it did
// anything a reader should see: held writers, fsynced or lost data.
func (b *broker) cacheResult() *model.PageCacheResult {
	st := b.Cache.Stats
	if st.Blocked == 0 && st.Fsyncs == 0 && st.Lost == 0 {
		return nil
	}
	return &model.PageCacheResult{MaxDirtyBytes: st.MaxDirty, DirtyLimitBytes: b.Cache.Limit(), WritesHeld: st.Blocked,
		HeldSeconds: st.BlockedTime.Seconds(), WrittenBackBytes: st.WrittenBack, Fsyncs: st.Fsyncs,
		FsyncWriters: st.FsyncWrites, DirtyLostBytes: st.Lost}
}

// diskWriteResource is the disk write server's place in Resources.
const diskWriteResource = 2

// The disk's utilisation as results report it is the larger of the time
// it was busy and the share of its bandwidth the bytes written into the
// page cache need: write-back defers them (nothing reaches the disk in
// the first 30 s of a light run), but the disk must write every byte, so
// a capacity check reads the demand.

// diskDemand is one sampling interval's disk-write utilisation, given the
// disk's busy seconds in it.
func (b *broker) diskDemand(busy float64, iv sim.Time) float64 {
	dirtied := b.Cache.Stats.Dirtied
	demand := float64(dirtied-b.dirtiedPrev) / (float64(b.w.sc.Cluster.Hardware.DiskWrite) * iv.Seconds())
	b.dirtiedPrev = dirtied
	return max(busy/iv.Seconds(), demand)
}

// diskShare is the run's disk-write demand: bytes written into the page
// cache over the disk's bandwidth for the run's length.
func (b *broker) diskShare() float64 {
	secs := b.w.s.Now().Seconds()
	if secs <= 0 {
		return 0
	}
	return float64(b.Cache.Stats.Dirtied) / (float64(b.w.sc.Cluster.Hardware.DiskWrite) * secs)
}
