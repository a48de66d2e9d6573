package scenarios

import (
	"embed"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"mqsim/scenarios/units"
)

// OpenMessaging Benchmark input: a workload file (what to send) and a
// driver file (how the Kafka clients and topics are configured) become one
// scenario. The field names and meanings follow the benchmark's documented
// workload format; everything the benchmark would do that mqsim cannot
// reproduce is refused with the key and its line.

//go:embed omb/*.yaml
var ombFS embed.FS

// OMBFiles lists the shipped benchmark files (workloads and the Kafka
// driver), by the names --omb-workload and --omb-driver accept.
func OMBFiles() []string { return embeddedNames(ombFS, "omb") }

// readOMB reads a shipped benchmark file by name, or a file by path.
func readOMB(nameOrPath string) ([]byte, string, error) {
	if isBareName(nameOrPath) {
		if data, err := ombFS.ReadFile("omb/" + nameOrPath + ".yaml"); err == nil {
			return data, "omb/" + nameOrPath + ".yaml", nil
		}
		if _, err := os.Stat(nameOrPath); err != nil {
			return nil, "", &InputError{File: nameOrPath, Msg: "no shipped benchmark file by that name and no such file" +
				DidYouMean(nameOrPath, OMBFiles()) + NameList("shipped benchmark files", OMBFiles())}
		}
	}
	data, err := ReadFile(nameOrPath)
	return data, nameOrPath, err
}

// OMBWorkload is the benchmark's workload file.
type OMBWorkload struct {
	Name               string `yaml:"name"`
	Topics             int    `yaml:"topics"`
	PartitionsPerTopic int    `yaml:"partitionsPerTopic"`
	// KeyDistributor is NO_KEY (the default), KEY_ROUND_ROBIN or RANDOM_NANO.
	KeyDistributor string `yaml:"keyDistributor"`
	MessageSize    int64  `yaml:"messageSize"`
	// The randomized-payload settings change payload bytes, which matter
	// only to compression; simulated payloads are not bytes (a codec needs
	// compression_ratio), so they are read and have no further effect.
	UseRandomizedPayloads     bool    `yaml:"useRandomizedPayloads"`
	RandomBytesRatio          float64 `yaml:"randomBytesRatio"`
	RandomizedPayloadPoolSize int     `yaml:"randomizedPayloadPoolSize"`
	// PayloadFile is the message sent; its size is the message size when
	// the file can be read (relative to the workload file).
	PayloadFile             string   `yaml:"payloadFile"`
	SubscriptionsPerTopic   int      `yaml:"subscriptionsPerTopic"`
	ProducersPerTopic       int      `yaml:"producersPerTopic"`
	ConsumerPerSubscription int      `yaml:"consumerPerSubscription"`
	ProducerRate            float64  `yaml:"producerRate"` // messages/s over all producers
	ConsumerBacklogSizeGB   float64  `yaml:"consumerBacklogSizeGB"`
	BacklogDrainRatio       *float64 `yaml:"backlogDrainRatio"`
	TestDurationMinutes     float64  `yaml:"testDurationMinutes"`
	WarmupDurationMinutes   *float64 `yaml:"warmupDurationMinutes"` // default 1
}

// OMBDriver is the benchmark's driver file; only the Kafka driver is read.
// The config blocks are Java properties text with Kafka's names.
type OMBDriver struct {
	Name              string `yaml:"name"`
	DriverClass       string `yaml:"driverClass"`
	ReplicationFactor int    `yaml:"replicationFactor"`
	Reset             bool   `yaml:"reset"` // delete topics first: every simulated run starts empty
	TopicConfig       string `yaml:"topicConfig"`
	CommonConfig      string `yaml:"commonConfig"`
	ProducerConfig    string `yaml:"producerConfig"`
	ConsumerConfig    string `yaml:"consumerConfig"`
}

// Key distributors of the benchmark, and the key space its generator uses.
const (
	OMBNoKey         = "NO_KEY"
	OMBKeyRoundRobin = "KEY_ROUND_ROBIN"
	OMBRandomNano    = "RANDOM_NANO"
	// ombKeys is how many distinct keys the benchmark's key distributors
	// draw from (its key distributor's fixed pool of 10,000 keys).
	ombKeys = 10_000
)

// DefaultOMBWarmup is the benchmark's warmupDurationMinutes default.
const DefaultOMBWarmup = 1.0

// ombGiB is the benchmark's "GB" in consumerBacklogSizeGB: it multiplies by
// 1024³.
const ombGiB = 1 << 30

// LoadOMB reads a workload file and (when driverPath is not empty) a Kafka
// driver file and returns the scenario they describe, with kafka settings
// (from --producer-config and the like) and then sets applied, defaults
// filled and validated.
func LoadOMB(workloadPath, driverPath string, kafka []KafkaSetting, sets []string) (*LoadedScenario, error) {
	data, workloadPath, err := readOMB(workloadPath)
	if err != nil {
		return nil, err
	}
	var w OMBWorkload
	wroot, err := DecodeStrict(workloadPath, data, &w)
	if err != nil {
		return nil, err
	}
	var drv *OMBDriver
	var droot *yaml.Node
	if driverPath != "" {
		var ddata []byte
		if ddata, driverPath, err = readOMB(driverPath); err != nil {
			return nil, err
		}
		drv = &OMBDriver{}
		if droot, err = DecodeStrict(driverPath, ddata, drv); err != nil {
			return nil, err
		}
	}
	dir := filepath.Dir(workloadPath)
	if _, err := ombFS.ReadFile(workloadPath); err == nil {
		dir = "" // a shipped workload: its payload file is not shipped
	}
	s, err := OMBScenario(workloadPath, wroot, &w, dir)
	if err != nil {
		return nil, err
	}
	var driverSets []KafkaSetting
	if drv != nil {
		if driverSets, err = ombDriverSettings(driverPath, droot, drv, s); err != nil {
			return nil, err
		}
	}
	if err := ApplyKafka(s, append(driverSets, kafka...)); err != nil {
		return nil, err
	}
	if err := applySets(s, sets); err != nil {
		return nil, err
	}
	s.Defaults()
	if err := Located(workloadPath, nil, s.Validate()); err != nil {
		return nil, err
	}
	return &LoadedScenario{Scenario: *s, Source: workloadPath, MaxRate: w.ProducerRate == 0}, nil
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

// OMBScenario builds the scenario of a workload: topics topic-0…, one
// producer entry per topic with producersPerTopic instances sharing that
// topic's part of producerRate (evenly spaced sends, as the benchmark's
// rate limiter paces them), and subscriptionsPerTopic groups per topic of
// consumerPerSubscription consumers. The run lasts the warmup plus the test
// (plus the backlog build when consumerBacklogSizeGB is set); the warmup is
// left out of the latency statistics, as the benchmark leaves it out of its
// results. dir resolves a relative payloadFile; with dir "" the payload file
// is not read and messageSize stands.
func OMBScenario(source string, root *yaml.Node, w *OMBWorkload, dir string) (*Scenario, error) {
	bad := func(field, format string, a ...any) error {
		return &InputError{File: source, Line: LineOf(root, field), Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	if w.Topics < 1 {
		return nil, bad("topics", "want 1 or more topics")
	}
	if w.Topics > 1000 {
		return nil, bad("topics", "%d topics: at most 1000 are simulated", w.Topics)
	}
	if w.PartitionsPerTopic < 1 {
		return nil, bad("partitionsPerTopic", "want 1 or more partitions per topic")
	}
	if w.ProducersPerTopic < 1 {
		return nil, bad("producersPerTopic", "want 1 or more producers per topic")
	}
	if w.SubscriptionsPerTopic < 0 {
		return nil, bad("subscriptionsPerTopic", "must not be negative")
	}
	if w.SubscriptionsPerTopic > 0 && w.ConsumerPerSubscription < 1 {
		return nil, bad("consumerPerSubscription", "want 1 or more consumers per subscription")
	}
	rate := w.ProducerRate
	switch {
	case w.ProducerRate == 0 && w.ConsumerBacklogSizeGB > 0:
		return nil, bad("producerRate", "0 (search for the highest sustainable rate) with consumerBacklogSizeGB: the backlog's build time depends on the rate; give a rate")
	case w.ProducerRate == 0:
		// The benchmark probes for the highest rate the cluster sustains;
		// so does mqsim (the caller searches, see LoadedScenario.MaxRate),
		// starting here.
		rate = OMBSearchStart
	case w.ProducerRate < 0 || math.IsNaN(w.ProducerRate) || math.IsInf(w.ProducerRate, 0):
		return nil, bad("producerRate", "want a rate in messages/s above 0")
	}
	if w.TestDurationMinutes <= 0 {
		return nil, bad("testDurationMinutes", "want a test duration above 0 minutes")
	}
	warmup := DefaultOMBWarmup
	if w.WarmupDurationMinutes != nil {
		warmup = *w.WarmupDurationMinutes
	}
	if warmup < 0 {
		return nil, bad("warmupDurationMinutes", "must not be negative")
	}
	if w.BacklogDrainRatio != nil && *w.BacklogDrainRatio != 1 {
		return nil, bad("backlogDrainRatio", "only 1.0 (drain the whole backlog) is modelled: a run drains until its groups catch up or its drain time ends")
	}
	if w.ConsumerBacklogSizeGB < 0 {
		return nil, bad("consumerBacklogSizeGB", "must not be negative")
	}
	if w.ConsumerBacklogSizeGB > 0 && w.SubscriptionsPerTopic == 0 {
		return nil, bad("consumerBacklogSizeGB", "a backlog needs subscriptions to drain it")
	}

	size := w.MessageSize
	if w.PayloadFile != "" && (dir != "" || w.MessageSize <= 0) {
		p := w.PayloadFile
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		} else if size <= 0 {
			return nil, bad("payloadFile", "cannot read %s to learn the message size, and messageSize is not set", p)
		}
	}
	if size <= 0 {
		return nil, bad("messageSize", "want a message size in bytes above 0")
	}

	keys := ""
	switch strings.ToUpper(strings.TrimSpace(w.KeyDistributor)) {
	case "", OMBNoKey:
		keys = "none"
	case OMBKeyRoundRobin, OMBRandomNano:
		// Both spread messages evenly over the same 10,000 keys; which
		// key comes next does not change where the load falls.
		keys = fmt.Sprintf("uniform(%d)", ombKeys)
	default:
		return nil, bad("keyDistributor", "%q: want NO_KEY, KEY_ROUND_ROBIN or RANDOM_NANO", w.KeyDistributor)
	}

	name := strings.Trim(slugRE.ReplaceAllString(strings.ToLower(w.Name), "-"), "-")
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(source), filepath.Ext(source))
	}
	s := &Scenario{
		Name: "omb-" + name,
		Description: fmt.Sprintf("OpenMessaging Benchmark workload %q: %d topic(s) × %d partitions, %d B messages at %s.",
			w.Name, w.Topics, w.PartitionsPerTopic, size, ombRateText(w.ProducerRate)),
		Seed:   1,
		Warmup: minutes(warmup),
	}
	test := minutes(w.TestDurationMinutes)
	var build units.Duration
	if w.ConsumerBacklogSizeGB > 0 {
		// The benchmark pauses its consumers until the subscriptions hold
		// the requested backlog: subscriptions × sent × size ≥ GB × 1024³.
		secs := w.ConsumerBacklogSizeGB * ombGiB / (float64(w.SubscriptionsPerTopic) * w.ProducerRate * float64(size))
		build = units.Duration(math.Ceil(secs*1000)) * units.Millisecond
	}
	s.Duration = s.Warmup + build + test
	perTopic := rate / float64(w.Topics)
	for t := 0; t < w.Topics; t++ {
		topic := fmt.Sprintf("topic-%d", t)
		s.Topics = append(s.Topics, Topic{Name: topic, Partitions: w.PartitionsPerTopic})
		s.Producers = append(s.Producers, Producer{
			Name: fmt.Sprintf("producer-%d", t), Topic: topic, Instances: w.ProducersPerTopic,
			Rate: units.Rate(perTopic), Arrival: "constant", Keys: keys,
		})
		if err := s.Producers[t].MessageSize.UnmarshalYAML(&yaml.Node{Kind: yaml.ScalarNode, Value: fmt.Sprintf("const(%dB)", size)}); err != nil {
			return nil, err
		}
		for sub := 0; sub < w.SubscriptionsPerTopic; sub++ {
			g := ConsumerGroup{Name: fmt.Sprintf("sub-%d-%d", t, sub), Topic: topic, Consumers: w.ConsumerPerSubscription}
			if build > 0 {
				// A paused Kafka consumer keeps calling poll(): it is
				// never removed for exceeding max.poll.interval.ms. A
				// stall stops polling, so the interval must outlast it.
				g.MaxPollInterval = build + units.Minute
				for c := 0; c < w.ConsumerPerSubscription; c++ {
					c := c
					s.Faults = append(s.Faults, Fault{Type: "consumer-stall", At: s.Warmup, Duration: build,
						Group: g.Name, Consumer: &c, Label: "backlog build"})
				}
			}
			s.ConsumerGroups = append(s.ConsumerGroups, g)
		}
	}
	return s, nil
}

// OMBSearchStart is the first rate probed for a workload with
// producerRate 0, in messages/s over all producers.
const OMBSearchStart = 10_000

func ombRateText(r float64) string {
	if r == 0 {
		return "the highest rate the cluster sustains (producerRate 0)"
	}
	return strconv.FormatFloat(r, 'f', -1, 64) + " msg/s"
}

func minutes(m float64) units.Duration {
	return units.Duration(math.Round(m * float64(units.Minute)))
}

// ombDriverSettings checks a driver file and turns its replication factor
// and property blocks into settings, each error naming the driver file and
// the line inside the block.
func ombDriverSettings(source string, root *yaml.Node, d *OMBDriver, s *Scenario) ([]KafkaSetting, error) {
	if d.DriverClass != "" && !strings.Contains(strings.ToLower(d.DriverClass), "kafka") {
		return nil, &InputError{File: source, Line: LineOf(root, "driverClass"), Field: "driverClass",
			Msg: fmt.Sprintf("%q: only the Kafka driver is modelled", d.DriverClass)}
	}
	var out []KafkaSetting
	if d.ReplicationFactor != 0 {
		if d.ReplicationFactor < 0 {
			return nil, &InputError{File: source, Line: LineOf(root, "replicationFactor"), Field: "replicationFactor", Msg: "want 1 or more"}
		}
		for i := range s.Topics {
			s.Topics[i].ReplicationFactor = d.ReplicationFactor
		}
	}
	for _, b := range []struct {
		field string
		text  string
		roles []string
	}{
		{"commonConfig", d.CommonConfig, []string{RoleProducer, RoleConsumer}},
		{"topicConfig", d.TopicConfig, []string{RoleTopic}},
		{"producerConfig", d.ProducerConfig, []string{RoleProducer}},
		{"consumerConfig", d.ConsumerConfig, []string{RoleConsumer}},
	} {
		if strings.TrimSpace(b.text) == "" {
			continue
		}
		base := blockLine(root, b.field)
		props, err := ParseProperties(source, []byte(b.text))
		if err != nil {
			return nil, shiftLine(err, base, b.field)
		}
		for _, p := range props {
			var set []KafkaSetting
			for _, role := range b.roles {
				if _, ok := kafkaProps[role][p.Key]; ok || kafkaIgnoredReason(p.Key) != "" || role == b.roles[len(b.roles)-1] {
					set, err = KafkaSets(source, role, []Property{p})
					break
				}
			}
			if err != nil {
				return nil, shiftLine(err, base, b.field)
			}
			for i := range set {
				set[i].Line += base
			}
			out = append(out, set...)
		}
	}
	return out, nil
}

// blockLine is the line before the first line of a field's value: the
// key's own line for a block scalar (| or >), one less for a plain one.
func blockLine(root *yaml.Node, field string) int {
	n := root
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for i := 0; n != nil && i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == field {
			v := n.Content[i+1]
			if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				return v.Line
			}
			return v.Line - 1
		}
	}
	return 0
}

func shiftLine(err error, base int, field string) error {
	if ie, ok := err.(*InputError); ok {
		c := *ie
		if c.Line > 0 {
			c.Line += base
		}
		c.Field = field + ": " + c.Field
		if ie.Field == "" {
			c.Field = field
		}
		return &c
	}
	return err
}

// ApplyKafka applies settings from Kafka configuration to a scenario in
// order. A setting for every producer, group or topic does nothing when the
// scenario has none (a consumer.properties applied to a producer-only
// scenario); an error names the setting's file and line.
func ApplyKafka(s *Scenario, settings []KafkaSetting) error {
	for _, k := range settings {
		if k.Set == "" {
			continue
		}
		path, value, _ := strings.Cut(k.Set, "=")
		switch {
		case strings.HasPrefix(path, "producers.*") && len(s.Producers) == 0,
			strings.HasPrefix(path, "consumer_groups.*") && len(s.ConsumerGroups) == 0,
			strings.HasPrefix(path, "topics.*") && len(s.Topics) == 0:
			continue
		}
		if err := SetPath(s, path, value); err != nil {
			msg := err.Error()
			if ie, ok := err.(*InputError); ok {
				msg = ie.Msg
			}
			return &InputError{File: k.Source, Line: k.Line, Field: k.Key, Msg: msg}
		}
	}
	return nil
}
