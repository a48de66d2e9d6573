package scenarios

import (
	"reflect"
	"sort"

	"mqsim/scenarios/units"
)

// Profile is a named broker machine. A scenario picks one with
// cluster.profile and may override any number under cluster.hardware.
type Profile struct {
	Name     string
	Doc      string
	Hardware Hardware
	// Sources says where the numbers that are not the machine's
	// nameplate (write-back, fsync) come from, one line each.
	Sources []string
}

// linuxWriteback is Linux's write-back defaults, in every profile.
var linuxWriteback = Hardware{DirtyRatio: 0.20, DirtyBackgroundRatio: 0.10,
	DirtyExpire: 30 * units.Second, DirtyWriteback: 5 * units.Second}

const brokerRecordSource = "cpu_per_record 0.15us: one pass over a record on one core — a length + CRC-32C " +
	"framing and a buffered write of 500 B records ran at 7.1M records/s, 141 ns a record (the project's " +
	"log-engine comparison); a leader's log validation walks every record of a batch the same way (its " +
	"header varints, offset and timestamp), so this is a lower bound, rounded up"

const linuxWritebackSource = "dirty_ratio 20%, dirty_background_ratio 10%, dirty_expire 30s, dirty_writeback 5s: " +
	"Linux's defaults for vm.dirty_ratio, vm.dirty_background_ratio, vm.dirty_expire_centisecs and " +
	"vm.dirty_writeback_centisecs (kernel Documentation/admin-guide/sysctl/vm.rst)"

// withWriteback is h with Linux's write-back defaults and fsync latency.
func withWriteback(h Hardware, fsync string) Hardware {
	h.DirtyRatio, h.DirtyBackgroundRatio = linuxWriteback.DirtyRatio, linuxWriteback.DirtyBackgroundRatio
	h.DirtyExpire, h.DirtyWriteback = linuxWriteback.DirtyExpire, linuxWriteback.DirtyWriteback
	d, err := ParseTimeDist(fsync)
	if err != nil {
		panic("profile fsync latency " + fsync + ": " + err.Error()) // a constant of this file
	}
	h.FsyncLatency = d
	return h
}

// How a NIC serves its connections (Hardware.NICQueue; "" is fair).
const (
	NICQueueFair = "fair"
	NICQueueFIFO = "fifo"
)

// DefaultProfile is the hardware a scenario runs on when it names none.
const DefaultProfile = "cloud-nvme-25g"

// profiles are typical machines, not measurements of any one product.
// Network latency is one way between two brokers or a client and a broker,
// with uniform jitter of ± NetworkJitter. CPUThreads is Kafka's default
// num.io.threads (8): the threads that handle requests.
var profiles = []Profile{
	{
		Name: "hdd-1g",
		Doc:  "on-premises broker: 1 GbE, spinning disks (sequential 200 MB/s), 16 GiB page cache",
		Hardware: withWriteback(Hardware{
			NICIn: 125e6, NICOut: 125e6, // 1 Gbit/s
			DiskWrite: 200e6, DiskRead: 200e6,
			DiskSeek:   12700 * units.Microsecond,
			PageCache:  16 << 30,
			CPUThreads: 8, CPUPerRequest: 50 * units.Microsecond, CPUPerMB: 1 * units.Millisecond,
			CPUPerRecord:   150 * units.Nanosecond,
			NetworkLatency: 200 * units.Microsecond, NetworkJitter: 50 * units.Microsecond,
		}, "lognormal(median=8ms, p99=25ms)"),
		Sources: []string{linuxWritebackSource, brokerRecordSource,
			"disk_seek 12.7ms: derived for a 7,200 rpm disk, each random access waiting half a revolution " +
				"(60/7,200/2 s = 4.2 ms) and an average seek (about 8.5 ms on 3.5-inch 7,200 rpm datasheets): " +
				"79 random 4 KiB accesses a second, 0.32 MB/s, against 200 MB/s sequential",
			"fsync_latency median 8ms, p99 25ms: derived for a 7,200 rpm disk without a write cache it may trust " +
				"(one revolution is 60/7,200 s = 8.3 ms; an fsync writes the data and then the file system's journal " +
				"commit, about one revolution in all; a seek of 8-10 ms to the journal and back, and queueing behind " +
				"write-back, make the tail about three revolutions)"},
	},
	{
		Name: "local-ssd-10g",
		Doc:  "bare-metal broker: 10 GbE, local SATA SSD (500 MB/s write), 32 GiB page cache",
		Hardware: withWriteback(Hardware{
			NICIn: 1.25e9, NICOut: 1.25e9, // 10 Gbit/s
			DiskWrite: 500e6, DiskRead: 550e6,
			DiskSeek:   4 * units.Microsecond,
			PageCache:  32 << 30,
			CPUThreads: 8, CPUPerRequest: 30 * units.Microsecond, CPUPerMB: 500 * units.Microsecond,
			CPUPerRecord:   150 * units.Nanosecond,
			NetworkLatency: 100 * units.Microsecond, NetworkJitter: 20 * units.Microsecond,
		}, "lognormal(median=1ms, p99=5ms)"),
		Sources: []string{linuxWritebackSource, brokerRecordSource,
			"disk_seek 4us: typical SATA SSD datasheets state about 80K random 4 KiB writes a second (330 MB/s) " +
				"against 500 MB/s sequential: 4 KiB/330 MB/s − 4 KiB/500 MB/s = 4 µs an access",
			"fsync_latency median 1ms, p99 5ms: an estimate for a SATA SSD without power-loss protection, " +
				"which must flush its volatile cache to flash on every fsync (FLUSH CACHE over SATA), about five " +
				"times the NVMe figure at the median, with a longer tail from the drive's garbage collection"},
	},
	{
		Name: "cloud-nvme-25g",
		Doc:  "cloud VM: 25 Gbps network, local NVMe (1.5 GB/s write, 3 GB/s read), 64 GiB page cache, one zone",
		Hardware: withWriteback(Hardware{
			NICIn: 3.125e9, NICOut: 3.125e9, // 25 Gbit/s
			DiskWrite: 1.5e9, DiskRead: 3e9,
			DiskSeek:   700 * units.Nanosecond,
			PageCache:  64 << 30,
			CPUThreads: 8, CPUPerRequest: 20 * units.Microsecond, CPUPerMB: 300 * units.Microsecond,
			CPUPerRecord:   150 * units.Nanosecond,
			NetworkLatency: 150 * units.Microsecond, NetworkJitter: 50 * units.Microsecond,
		}, "lognormal(median=200us, p99=300us)"),
		Sources: []string{linuxWritebackSource, brokerRecordSource,
			"disk_seek 0.7us: typical data-centre NVMe datasheets state about 300K random 4 KiB writes a second " +
				"(1.2 GB/s) against 1.5 GB/s sequential: 4 KiB/1.2 GB/s − 4 KiB/1.5 GB/s = 0.7 µs an access",
			"fsync_latency median 0.20ms, p99 0.30ms: measured, one 4 KiB write followed by fdatasync " +
				"on a local NVMe drive, repeated (the project's log-engine comparison)"},
	},
}

// Profiles returns the built-in hardware profiles, sorted by name.
func Profiles() []Profile {
	out := append([]Profile(nil), profiles...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupProfile returns the profile called name.
func LookupProfile(name string) (Profile, bool) {
	for _, p := range profiles {
		if p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}

func profileNames() []string {
	var names []string
	for _, p := range Profiles() {
		names = append(names, p.Name)
	}
	return names
}

// overlay fills every zero field of h with the profile's value.
func (h *Hardware) overlay(base Hardware) {
	v, b := reflect.ValueOf(h).Elem(), reflect.ValueOf(base)
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			v.Field(i).Set(b.Field(i))
		}
	}
}

// validateWriteback checks the page cache's write-back settings.
func (h *Hardware) validateWriteback(v *validator) {
	if h.DirtyRatio <= 0 || h.DirtyRatio > 1 {
		v.add("cluster.hardware.dirty_ratio", "%v must be above 0 and at most 100%% (Linux's default is 20%%)", h.DirtyRatio)
	}
	if h.DirtyBackgroundRatio <= 0 || h.DirtyBackgroundRatio > h.DirtyRatio {
		v.add("cluster.hardware.dirty_background_ratio", "%v must be above 0 and at most dirty_ratio %v (Linux's default is 10%%)", h.DirtyBackgroundRatio, h.DirtyRatio)
	}
	if h.DirtyExpire <= 0 {
		v.add("cluster.hardware.dirty_expire", "must be above 0 (Linux's default is 30s)")
	}
	if h.DirtyWriteback <= 0 {
		v.add("cluster.hardware.dirty_writeback", "must be above 0 (Linux's default is 5s)")
	}
	if h.PageCache <= 0 {
		v.add("cluster.hardware.page_cache", "must be above 0")
	}
}
