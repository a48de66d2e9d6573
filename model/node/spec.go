package node

import (
	"mqsim/scenarios"
	"mqsim/sim"
)

// SpecFor is the machine a scenario's cluster hardware describes: every
// system's nodes on the same hardware cost the same.
func SpecFor(h *scenarios.Hardware) Spec {
	return Spec{
		NICIn: float64(h.NICIn), NICOut: float64(h.NICOut), DiskWrite: float64(h.DiskWrite), DiskRead: float64(h.DiskRead),
		CPUThreads: h.CPUThreads, CPUPerRequest: sim.Time(h.CPUPerRequest), CPUPerByte: float64(h.CPUPerMB) / 1e6,
		CPUPerRecord: sim.Time(h.CPUPerRecord),
		PageCache:    int64(h.PageCache), DirtyRatio: float64(h.DirtyRatio), DirtyBackgroundRatio: float64(h.DirtyBackgroundRatio),
		DirtyExpire: sim.Time(h.DirtyExpire), DirtyWriteback: sim.Time(h.DirtyWriteback), FsyncLatency: h.FsyncLatency.Dist,
		SeekWrite: sim.Time(h.DiskSeek), SeekRead: sim.Time(h.DiskSeek), FIFONIC: h.NICQueue == scenarios.NICQueueFIFO,
	}
}
