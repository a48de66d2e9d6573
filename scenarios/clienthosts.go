package scenarios

import (
	"sort"

	"mqsim/scenarios/units"
)

// ClientHardware is the host each producer and consumer instance runs on
// (one instance per host): its NIC, its cores and what the client's work
// costs on them. Zero fields take the client profile's value.
type ClientHardware struct {
	NIC   units.Bandwidth `yaml:"nic" json:"nic"`     // each way
	Cores int             `yaml:"cores" json:"cores"` // threads doing the client's work
	// CPUPerRecord is the per-record work: serialisation, the
	// partitioner and appending to a batch (producer); parsing and
	// handing a record to the application (consumer).
	CPUPerRecord units.Duration `yaml:"cpu_per_record" json:"cpu_per_record"`
	// CPUPerMB is the per-byte work without compression: copying and
	// the batch's CRC-32C, per MB on the wire.
	CPUPerMB      units.Duration `yaml:"cpu_per_mb" json:"cpu_per_mb"`
	CPUPerRequest units.Duration `yaml:"cpu_per_request" json:"cpu_per_request"` // a request or fetch sent and its answer read
}

// ClientProfile is a named client host.
type ClientProfile struct {
	Name     string
	Doc      string
	Hardware ClientHardware
	Sources  []string
}

// DefaultClientProfile is the client host when a scenario names none.
const DefaultClientProfile = "client-25g"

// clientCPUSources: where the per-record and per-byte costs come from.
var clientCPUSources = []string{
	"cpu_per_record 1.2us: one producer thread sent 821,557 records/s of 100 B (no replication) in " +
		"\"Benchmarking Apache Kafka: 2 Million Writes Per Second (On Three Cheap Machines)\" (LinkedIn " +
		"engineering blog, 2014), 1/821,557 s = 1.2 µs a record; one consumer thread read 940,521 records/s, 1.1 µs",
	"cpu_per_mb 150us: framing and CRC-32C run at about 7,300 MB/s on one core (the project's log-engine " +
		"comparison), 137 µs per MB, rounded up for the copy into the socket",
	"cpu_per_request 20us: an estimate, the brokers' own per-request cost in the cloud-nvme-25g profile",
}

var clientProfiles = []ClientProfile{
	{Name: "client-1g", Doc: "an application host on 1 GbE with 4 cores",
		Hardware: ClientHardware{NIC: 125e6, Cores: 4, CPUPerRecord: 1200 * units.Nanosecond,
			CPUPerMB: 150 * units.Microsecond, CPUPerRequest: 20 * units.Microsecond},
		Sources: clientCPUSources},
	{Name: "client-10g", Doc: "an application host on 10 GbE with 8 cores",
		Hardware: ClientHardware{NIC: 1.25e9, Cores: 8, CPUPerRecord: 1200 * units.Nanosecond,
			CPUPerMB: 150 * units.Microsecond, CPUPerRequest: 20 * units.Microsecond},
		Sources: clientCPUSources},
	{Name: "client-25g", Doc: "a cloud VM on 25 Gbps with 16 cores, as the default brokers",
		Hardware: ClientHardware{NIC: 3.125e9, Cores: 16, CPUPerRecord: 1200 * units.Nanosecond,
			CPUPerMB: 150 * units.Microsecond, CPUPerRequest: 20 * units.Microsecond},
		Sources: clientCPUSources},
}

// ClientProfiles returns the built-in client hosts, sorted by name.
func ClientProfiles() []ClientProfile {
	out := append([]ClientProfile(nil), clientProfiles...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupClientProfile returns the client profile called name.
func LookupClientProfile(name string) (ClientProfile, bool) {
	for _, p := range clientProfiles {
		if p.Name == name {
			return p, true
		}
	}
	return ClientProfile{}, false
}

// Codec is a compression codec's cost on one core: MB/s of uncompressed
// data it compresses (producer) and decompresses (consumer).
type Codec struct {
	Name                       string
	CompressMBs, DecompressMBs float64
	Source                     string
}

// codecSource is the benchmark every codec's speed comes from.
const codecSource = "lzbench 1.7.1 README (one core of an Intel Core i5-4300U, silesia.tar)"

// Codecs are the producer codecs Kafka offers, with measured speeds.
// gzip is zlib at level 6 (java.util.zip's default, which Kafka's gzip
// uses); zstd is level 2 of the table, next to Kafka's default level 3
// (between levels 2 and 5 of the table, so it compresses somewhat slower).
var Codecs = []Codec{
	{"none", 0, 0, "no work"},
	{"gzip", 20, 267, codecSource + ": zlib 1.2.11 -6"},
	{"snappy", 327, 1075, codecSource + ": snappy 1.1.4"},
	{"lz4", 452, 2244, codecSource + ": lz4 1.7.5"},
	{"zstd", 185, 587, codecSource + ": zstd 1.1.4 -2"},
}

// LookupCodec returns the codec called name ("" is none).
func LookupCodec(name string) (Codec, bool) {
	if name == "" {
		name = "none"
	}
	for _, c := range Codecs {
		if c.Name == name {
			return c, true
		}
	}
	return Codec{}, false
}

func clientProfileNames() []string {
	var names []string
	for _, p := range ClientProfiles() {
		names = append(names, p.Name)
	}
	return names
}

// clientDefaults resolves the client profile into ClientHardware.
func (s *Scenario) clientDefaults() {
	if s.ClientProfile == "" {
		s.ClientProfile = DefaultClientProfile
	}
	p, ok := LookupClientProfile(s.ClientProfile)
	if !ok {
		return
	}
	h := &s.ClientHardware
	if h.NIC == 0 {
		h.NIC = p.Hardware.NIC
	}
	if h.Cores == 0 {
		h.Cores = p.Hardware.Cores
	}
	if h.CPUPerRecord == 0 {
		h.CPUPerRecord = p.Hardware.CPUPerRecord
	}
	if h.CPUPerMB == 0 {
		h.CPUPerMB = p.Hardware.CPUPerMB
	}
	if h.CPUPerRequest == 0 {
		h.CPUPerRequest = p.Hardware.CPUPerRequest
	}
}

func (s *Scenario) validateClients(v *validator) {
	if _, ok := LookupClientProfile(s.ClientProfile); !ok {
		v.add("client_profile", "unknown client profile %q%s%s", s.ClientProfile, DidYouMean(s.ClientProfile, clientProfileNames()),
			NameList("client profiles (see 'mqsim scenarios --profiles')", clientProfileNames()))
	}
	h := &s.ClientHardware
	if h.NIC <= 0 {
		v.add("client_hardware.nic", "must be above 0")
	}
	v.between("client_hardware.cores", h.Cores, 1, 1024)
	if h.CPUPerRecord < 0 || h.CPUPerMB < 0 || h.CPUPerRequest < 0 {
		v.add("client_hardware", "CPU costs must not be negative")
	}
}
