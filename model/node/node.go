package node

import (
	"fmt"

	"mqsim/sim"
)

// Spec is one machine's hardware, in the kernel's units.
type Spec struct {
	NICIn, NICOut       float64 // bytes/s each way
	DiskWrite, DiskRead float64 // bytes/s
	CPUThreads          int     // request-handler threads
	CPUPerRequest       sim.Time
	CPUPerByte          float64 // ns of handler time per byte of records
	CPUPerRecord        sim.Time
	PageCache           int64 // bytes of memory for the page cache

	// Write-back, as Linux's vm.dirty_* settings: ratios of PageCache,
	// the age at which dirty data is due and how often the flusher
	// looks. Zero takes Linux's default (LinuxDirtyRatio and the rest).
	DirtyRatio, DirtyBackgroundRatio float64
	DirtyExpire, DirtyWriteback      sim.Time
	// FsyncLatency is the time a disk takes to confirm an fsync once the
	// file's bytes are written (seconds); nil is none.
	FsyncLatency sim.Dist
	// SeekWrite and SeekRead are what an I/O costs the disk beyond its
	// bytes when it goes to another file than the disk's previous one (a
	// seek and rotation on a spinning disk, next to nothing on flash): one
	// file written or read at a time is sequential, many interleaved are
	// random.
	SeekWrite, SeekRead sim.Time
	// FIFONIC makes each NIC direction one first-in-first-out queue
	// instead of sharing it fairly between connections.
	FIFONIC bool
}

// Machine is a node's resources: NIC in and out (byte-rate servers shared
// fairly between connections), disk write and read (byte-rate servers,
// first in first out), request-handler threads (a
// multi-server CPU) and the size of its page cache. Saturation shows as
// queueing delay in the servers.
type Machine struct {
	NICIn, NICOut, DiskW, DiskR *sim.RateServer
	CPU                         *sim.RateServer
	CPUReq                      sim.Time
	CPUPerByte                  float64
	CPUPerRecord                sim.Time
	PageCache                   int64
	Cache                       *PageCache
	seekRead                    float64 // bytes of disk-read time a seek costs
	lastRead                    int32   // the file the disk last read, -1 none
}

// New builds a machine on s; its servers are named prefix/nic-in,
// prefix/nic-out, prefix/disk-write, prefix/disk-read and prefix/cpu.
func New(s *sim.Sim, prefix string, spec Spec) (*Machine, error) {
	m := &Machine{CPUReq: spec.CPUPerRequest, CPUPerByte: spec.CPUPerByte, CPUPerRecord: spec.CPUPerRecord, PageCache: spec.PageCache,
		seekRead: spec.SeekRead.Seconds() * spec.DiskRead, lastRead: -1}
	for _, r := range []struct {
		dst     **sim.RateServer
		name    string
		servers int
		rate    float64
	}{
		{&m.NICIn, "nic-in", 1, spec.NICIn}, {&m.NICOut, "nic-out", 1, spec.NICOut},
		{&m.DiskW, "disk-write", 1, spec.DiskWrite}, {&m.DiskR, "disk-read", 1, spec.DiskRead},
		{&m.CPU, "cpu", spec.CPUThreads, 1},
	} {
		// A NIC is shared fairly between connections (Linux's fq and TCP's
		// congestion control converge to that), not one queue.
		fair := (r.dst == &m.NICIn || r.dst == &m.NICOut) && !spec.FIFONIC
		rs, err := sim.NewRateServer(s, sim.RateServerConfig{Name: fmt.Sprintf("%s/%s", prefix, r.name), Servers: r.servers, Rate: r.rate, Fair: fair})
		if err != nil {
			return nil, err
		}
		*r.dst = rs
	}
	if spec.DirtyRatio <= 0 {
		spec.DirtyRatio = LinuxDirtyRatio
	}
	if spec.DirtyBackgroundRatio <= 0 {
		spec.DirtyBackgroundRatio = LinuxDirtyBackgroundRatio
	}
	if spec.DirtyExpire <= 0 {
		spec.DirtyExpire = LinuxDirtyExpire
	}
	if spec.DirtyWriteback <= 0 {
		spec.DirtyWriteback = LinuxDirtyWriteback
	}
	m.Cache = newPageCache(s, m.DiskW, spec, s.Stream(prefix+"/fsync"))
	return m, nil
}

// CPUCost is the handler time for a request carrying bytes of records.
func (m *Machine) CPUCost(bytes int64) sim.Time {
	return m.CPUReq + sim.Time(float64(bytes)*m.CPUPerByte)
}

// CPUCostRecords is the handler time for a request carrying records
// records in bytes bytes: CPUCost plus CPUPerRecord for each record.
func (m *Machine) CPUCostRecords(records, bytes int64) sim.Time {
	return m.CPUCost(bytes) + sim.Time(records)*m.CPUPerRecord
}

// Resources lists the machine's servers in a fixed order, that of
// ResourceNames.
func (m *Machine) Resources() [5]*sim.RateServer {
	return [5]*sim.RateServer{m.NICIn, m.NICOut, m.DiskW, m.DiskR, m.CPU}
}

// ResourceNames names Resources' servers, as results report them.
var ResourceNames = [5]string{"nic_in", "nic_out", "disk_write", "disk_read", "cpu"}

// ReadWork is the disk-read work, in bytes at the disk's rate, of reading
// bytes of file (a page-cache owner) that the cache does not hold: the
// bytes, plus a seek when the disk last read another file.
func (m *Machine) ReadWork(file int32, bytes int64) float64 {
	if bytes <= 0 {
		return 0
	}
	w := float64(bytes)
	if file != m.lastRead {
		w += m.seekRead
		m.lastRead = file
	}
	return w
}
