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
}

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
		Hardware: Hardware{
			NICIn: 125e6, NICOut: 125e6, // 1 Gbit/s
			DiskWrite: 200e6, DiskRead: 200e6,
			PageCache:  16 << 30,
			CPUThreads: 8, CPUPerRequest: 50 * units.Microsecond, CPUPerMB: 1 * units.Millisecond,
			NetworkLatency: 200 * units.Microsecond, NetworkJitter: 50 * units.Microsecond,
		},
	},
	{
		Name: "local-ssd-10g",
		Doc:  "bare-metal broker: 10 GbE, local SATA SSD (500 MB/s write), 32 GiB page cache",
		Hardware: Hardware{
			NICIn: 1.25e9, NICOut: 1.25e9, // 10 Gbit/s
			DiskWrite: 500e6, DiskRead: 550e6,
			PageCache:  32 << 30,
			CPUThreads: 8, CPUPerRequest: 30 * units.Microsecond, CPUPerMB: 500 * units.Microsecond,
			NetworkLatency: 100 * units.Microsecond, NetworkJitter: 20 * units.Microsecond,
		},
	},
	{
		Name: "cloud-nvme-25g",
		Doc:  "cloud VM: 25 Gbps network, local NVMe (1.5 GB/s write, 3 GB/s read), 64 GiB page cache, one zone",
		Hardware: Hardware{
			NICIn: 3.125e9, NICOut: 3.125e9, // 25 Gbit/s
			DiskWrite: 1.5e9, DiskRead: 3e9,
			PageCache:  64 << 30,
			CPUThreads: 8, CPUPerRequest: 20 * units.Microsecond, CPUPerMB: 300 * units.Microsecond,
			NetworkLatency: 150 * units.Microsecond, NetworkJitter: 50 * units.Microsecond,
		},
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
