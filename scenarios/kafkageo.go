package scenarios

import (
	"fmt"
	"maps"
	"slices"

	"mqsim/scenarios/units"
)

// Kafka's client quotas and MirrorMaker 2-style geo-replication: the
// quotas: and mirror: sections of a Kafka scenario (model/kafka quota.go,
// mirror.go).

// Client quota defaults: Kafka's quota.window.num and
// quota.window.size.seconds.
const (
	DefaultQuotaWindowNum  = 11
	DefaultQuotaWindowSize = units.Second
)

// MirrorMaker 2 defaults (its connector configuration reference).
const (
	DefaultMirrorEmitCheckpoints = 60 * units.Second // emit.checkpoints.interval.seconds
	DefaultMirrorOffsetLagMax    = 100               // offset.lag.max
	DefaultMirrorSeparator       = "."               // replication.policy.separator
)

// Quotas are the brokers' client quotas. Each broker measures a client
// id's bytes (all its instances and connections together) over WindowNum
// samples of WindowSize; a response that takes the measured rate over the
// quota carries throttle_time_ms = (rate − quota) / quota × window, and
// the broker mutes the connection that long (Kafka 2.0 on, KIP-219).
type Quotas struct {
	WindowNum  int            `yaml:"window_num" json:"window_num"`   // quota.window.num
	WindowSize units.Duration `yaml:"window_size" json:"window_size"` // quota.window.size.seconds
	Clients    []ClientQuota  `yaml:"clients" json:"clients"`
}

// ClientQuota is one client id's quota on every broker.
type ClientQuota struct {
	// ClientID names a producer or a consumer group (the client.id of
	// each of its instances or members, which share the quota).
	ClientID string `yaml:"client_id" json:"client_id"`
	// ProducerByteRate is producer_byte_rate: produce request bytes per
	// second per broker (0: none).
	ProducerByteRate units.Bytes `yaml:"producer_byte_rate" json:"producer_byte_rate,omitempty"`
	// ConsumerByteRate is consumer_byte_rate: fetch response bytes per
	// second per broker for a consumer group's members (0: none).
	ConsumerByteRate units.Bytes `yaml:"consumer_byte_rate" json:"consumer_byte_rate,omitempty"`
	// RequestPercentage is request_percentage: handler-thread time per
	// quota window, in percent of one thread, of a producer's requests
	// (0: none).
	RequestPercentage float64 `yaml:"request_percentage" json:"request_percentage,omitempty"`
}

// Mirror is MirrorMaker 2-style geo-replication between Kafka clusters,
// one per region. Regions, WAN and outages are declared as for Pulsar's
// geo-replication (the same shapes; under --vary system=kafka a file's
// pulsar regions, WAN and outages are taken when mirror.regions is not
// given, so one file runs on both). Every topic
// a region's producers write is replicated to every other region as the
// remote topic SOURCE<separator>TOPIC by a replicator running in the
// target region: a consumer group on the source cluster (fetching across
// the WAN) and a producer into the target cluster, with offset syncs and
// checkpoints of the source groups' committed offsets.
type Mirror struct {
	Regions       []PulsarRegion       `yaml:"regions" json:"regions,omitempty"`
	WANLatency    units.Duration       `yaml:"wan_latency" json:"wan_latency,omitempty"`
	WANBandwidth  units.Bytes          `yaml:"wan_bandwidth" json:"wan_bandwidth,omitempty"`
	RegionOutages []PulsarRegionOutage `yaml:"region_outages" json:"region_outages,omitempty"`
	// EmitCheckpointsInterval is emit.checkpoints.interval.seconds: how
	// often the source groups' committed offsets are translated and
	// written to the target.
	EmitCheckpointsInterval units.Duration `yaml:"emit_checkpoints_interval" json:"emit_checkpoints_interval"`
	// OffsetLagMax is offset.lag.max: an offset sync is written once the
	// upstream offset has moved this many records past the last one.
	OffsetLagMax int `yaml:"offset_lag_max" json:"offset_lag_max"`
	// Separator is replication.policy.separator.
	Separator string `yaml:"separator" json:"separator"`
}

// RemoteTopic is the name of topic's copy from region source.
func (m *Mirror) RemoteTopic(source, topic string) string { return source + m.Separator + topic }

func init() {
	Metrics = append(Metrics,
		MetricInfo{"quota_throttled", KindCount, "Kafka: produce responses that carried a throttle time (client quotas)"},
		MetricInfo{"quota_throttle_time", KindDuration, "Kafka: produce throttle time summed over responses (client quotas)"},
		MetricInfo{"mirror_records", KindCount, "Kafka: records the replicators wrote to remote topics"},
		MetricInfo{"mirror_checkpoints", KindCount, "Kafka: checkpoints the replicators emitted (a group's partition each)"},
		MetricInfo{"failover_reprocessed", KindCount, "Kafka: records source groups had processed that failing over to the last checkpoint in another region processes again"},
	)
}

// defaultsKafkaGeo fills the quotas: and mirror: sections of a Kafka
// scenario; a compared file's pulsar regions become the mirror's.
func (s *Scenario) defaultsKafkaGeo() {
	if s.SystemName() != SystemKafka {
		return
	}
	if q := s.Quotas; q != nil {
		setInt(&q.WindowNum, DefaultQuotaWindowNum)
		setDur(&q.WindowSize, DefaultQuotaWindowSize)
	}
	if p := s.Pulsar; p != nil && len(p.Regions) > 0 && (s.Mirror == nil || len(s.Mirror.Regions) == 0) {
		if s.Mirror == nil {
			s.Mirror = &Mirror{}
		}
		m := s.Mirror
		m.Regions, m.RegionOutages = slices.Clone(p.Regions), slices.Clone(p.RegionOutages)
		setDur(&m.WANLatency, p.WANLatency)
		setBytes(&m.WANBandwidth, p.WANBandwidth)
	}
	if m := s.Mirror; m != nil {
		setDur(&m.WANLatency, DefaultPulsarWANLatency)
		setBytes(&m.WANBandwidth, DefaultPulsarWANBandwidth)
		setDur(&m.EmitCheckpointsInterval, DefaultMirrorEmitCheckpoints)
		setInt(&m.OffsetLagMax, DefaultMirrorOffsetLagMax)
		setStr(&m.Separator, DefaultMirrorSeparator)
	}
}

// validateKafkaGeo checks the quotas: and mirror: sections (and refuses
// them under another system unless the file compares systems).
func (s *Scenario) validateKafkaGeo(v *validator) {
	if s.SystemName() != SystemKafka {
		for _, x := range []struct {
			f   string
			set bool
		}{{"quotas", s.Quotas != nil}, {"mirror", s.Mirror != nil}} {
			if x.set && !s.comparing() {
				v.add(x.f, "a Kafka section under system: %s: set system: kafka, or compare systems with --vary system=…", s.SystemName())
			}
		}
		return
	}
	prods, groups := map[string]bool{}, map[string]bool{}
	for _, p := range s.Producers {
		prods[p.Name] = true
	}
	for _, g := range s.ConsumerGroups {
		groups[g.Name] = true
	}
	if q := s.Quotas; q != nil {
		v.between("quotas.window_num", q.WindowNum, 2, 100)
		v.positive("quotas.window_size", q.WindowSize, "quota.window.size.seconds, e.g. 1s")
		seen := map[string]bool{}
		for i, c := range q.Clients {
			f := fmt.Sprintf("quotas.clients[%d].", i)
			switch {
			case !prods[c.ClientID] && !groups[c.ClientID]:
				v.add(f+"client_id", "%q is neither a producer's nor a consumer group's name", c.ClientID)
			case seen[c.ClientID]:
				v.add(f+"client_id", "%q has a quota already", c.ClientID)
			}
			seen[c.ClientID] = true
			if c.ProducerByteRate < 0 || c.ProducerByteRate > 0 && !prods[c.ClientID] {
				v.add(f+"producer_byte_rate", "want a rate of 0 or more for a producer's client_id (0: none)")
			}
			if c.RequestPercentage < 0 || c.RequestPercentage > 0 && !prods[c.ClientID] {
				v.add(f+"request_percentage", "want 0 or more for a producer's client_id (0: none)")
			}
			if c.ConsumerByteRate < 0 || c.ConsumerByteRate > 0 && !groups[c.ClientID] {
				v.add(f+"consumer_byte_rate", "want a rate of 0 or more for a consumer group's client_id (0: none)")
			}
			if c.ProducerByteRate == 0 && c.RequestPercentage == 0 && c.ConsumerByteRate == 0 {
				v.add(f+"producer_byte_rate", "none of producer_byte_rate, consumer_byte_rate and request_percentage is set: the entry limits nothing")
			}
		}
	}
	s.validateMirror(v, prods)
}

func (s *Scenario) validateMirror(v *validator, prods map[string]bool) {
	m := s.Mirror
	if m == nil {
		return
	}
	if len(m.Regions) < 2 || len(m.Regions) > 8 {
		v.add("mirror.regions", "%d regions: want 2 to 8 (one Kafka cluster each)", len(m.Regions))
	}
	v.positive("mirror.wan_latency", m.WANLatency, "one way between regions, e.g. 40ms")
	if m.WANBandwidth <= 0 {
		v.add("mirror.wan_bandwidth", "%v: want a rate above 0 (bytes per second)", m.WANBandwidth)
	}
	v.positive("mirror.emit_checkpoints_interval", m.EmitCheckpointsInterval, "emit.checkpoints.interval.seconds, e.g. 60s")
	if m.OffsetLagMax < 1 {
		v.add("mirror.offset_lag_max", "%d: want at least 1", m.OffsetLagMax)
	}
	if m.Separator == "" {
		v.add("mirror.separator", "empty: want e.g. \".\"")
	}
	groups := map[string]bool{}
	for _, g := range s.ConsumerGroups {
		groups[g.Name] = true
	}
	names := map[string]bool{}
	placed := map[string]int{}
	for i, r := range m.Regions {
		f := fmt.Sprintf("mirror.regions[%d].", i)
		if r.Name == "" || names[r.Name] {
			v.add(f+"name", "%q: want a unique, non-empty region name", r.Name)
		}
		names[r.Name] = true
		for j, p := range r.Producers {
			if !prods[p] {
				v.add(fmt.Sprintf("%sproducers[%d]", f, j), "%q is not a producer's name", p)
			}
			placed["p/"+p]++
		}
		for j, g := range r.Groups {
			if !groups[g] {
				v.add(fmt.Sprintf("%sgroups[%d]", f, j), "%q is not a consumer group's name", g)
			}
			placed["g/"+g]++
		}
	}
	for _, k := range slices.Sorted(maps.Keys(placed)) {
		if n := placed[k]; n > 1 {
			v.add("mirror.regions", "%s is in %d regions: each client is in one", k[2:], n)
		}
	}
	// The replicators copy one region's producers' topics: every producer
	// is in one region (the first, when not listed).
	src := -1
	for _, p := range s.Producers {
		ri := 0
		for i, r := range m.Regions {
			if slices.Contains(r.Producers, p.Name) {
				ri = i
			}
		}
		if src >= 0 && ri != src {
			v.add("mirror.regions", "producers in two regions (%s and %s): the Kafka mirror replicates from one source region", m.Regions[src].Name, m.Regions[ri].Name)
			break
		}
		src = ri
	}
	for i, o := range m.RegionOutages {
		f := fmt.Sprintf("mirror.region_outages[%d].", i)
		if !names[o.Region] {
			v.add(f+"region", "%q is not a region of mirror.regions", o.Region)
		}
		if o.At <= 0 || o.At >= s.Duration {
			v.add(f+"at", "%v: want within the run (after 0, before the duration %v)", o.At, s.Duration)
		}
		if o.Duration < 0 {
			v.add(f+"duration", "must not be negative (0: the region never returns)")
		}
	}
	if len(s.Faults) > 0 {
		v.add("faults", "not with mirror: (region_outages are the mirror's faults)")
	}
}

// MirrorGroup is the resolved consumer group a replicator reads topic
// with on its source cluster: one consumer, no processing time, reading
// from the earliest offset (MirrorMaker 2's source consumer), every other
// setting Kafka's default.
func MirrorGroup(name, topic string) ConsumerGroup {
	t := Scenario{ConsumerGroups: []ConsumerGroup{{Name: name, Topic: topic, AutoOffsetReset: "earliest"}}}
	t.Defaults()
	return t.ConsumerGroups[0]
}
