package node

import (
	"testing"

	"mqsim/sim"
)

// A request's CPU cost is the per-request time plus the per-byte time: at
// 20 µs per request and 300 µs per MB, 1 MB costs 20 + 300 = 320 µs.
func TestCPUCost(t *testing.T) {
	m, err := New(sim.New(1), "b", Spec{NICIn: 1e9, NICOut: 1e9, DiskWrite: 1e9, DiskRead: 1e9, CPUThreads: 8,
		CPUPerRequest: 20 * sim.Microsecond, CPUPerByte: float64(300*sim.Microsecond) / 1e6})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.CPUCost(1e6), 320*sim.Microsecond; got != want {
		t.Errorf("CPUCost(1MB) = %v, want %v", got, want)
	}
	if got := m.CPUCost(0); got != 20*sim.Microsecond {
		t.Errorf("CPUCost(0) = %v, want the per-request 20µs", got)
	}
}

// A machine with a zero-rate resource is refused, not built to stall.
func TestNewRefusesZeroRate(t *testing.T) {
	if _, err := New(sim.New(1), "b", Spec{NICIn: 0, NICOut: 1, DiskWrite: 1, DiskRead: 1, CPUThreads: 1}); err == nil {
		t.Error("New with a zero NIC rate: nil error, want one")
	}
}
