package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kafka configuration files (producer.properties, consumer.properties,
// server.properties, and the property blocks of a benchmark driver file)
// are Java properties files. ParseProperties reads them; KafkaSets turns
// the properties into --set entries on scenario fields, through one table
// (kafkaProps) that says which scenario field each Kafka name sets.

// Property is one key=value of a properties file.
type Property struct {
	Key   string
	Value string
	Line  int // 1-based line where the entry starts
}

// ParseProperties reads Java properties text: '#' and '!' comment lines,
// key=value, key: value and key value, backslash escapes (\t \n \r \f,
// \uXXXX, and \ before any other character for that character), and lines
// continued by an odd number of trailing backslashes. Unlike Java, an entry
// with no value and a key given twice are errors: both are mistakes in a
// configuration file. Errors are *InputError naming source and line.
func ParseProperties(source string, data []byte) ([]Property, error) {
	if len(data) > MaxFileSize {
		return nil, &InputError{File: source, Msg: fmt.Sprintf("larger than %d KiB: not a properties file", MaxFileSize>>10)}
	}
	if !utf8.Valid(data) {
		line := 1 + strings.Count(string(data[:firstInvalidUTF8(data)]), "\n")
		return nil, &InputError{File: source, Line: line, Msg: "not UTF-8 text"}
	}
	text := strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(text, "\n")
	var out []Property
	seen := map[string]int{}
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := strings.TrimLeft(lines[i], " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		// Join continuation lines: an odd count of trailing backslashes.
		logical := line
		for trailingBackslashes(logical)%2 == 1 {
			logical = logical[:len(logical)-1]
			if i+1 >= len(lines) {
				break
			}
			i++
			logical += strings.TrimLeft(lines[i], " \t\f")
		}
		key, value, sep, err := splitProperty(logical)
		if err != nil {
			return nil, &InputError{File: source, Line: start, Msg: err.Error()}
		}
		if key == "" {
			return nil, &InputError{File: source, Line: start, Msg: "an entry with no key (want key=value)"}
		}
		if !sep && value == "" {
			return nil, &InputError{File: source, Line: start, Field: key, Msg: "has no value (want key=value)"}
		}
		if prev, ok := seen[key]; ok {
			return nil, &InputError{File: source, Line: start, Field: key, Msg: fmt.Sprintf("given twice (first on line %d)", prev)}
		}
		seen[key] = start
		out = append(out, Property{Key: key, Value: value, Line: start})
	}
	return out, nil
}

func trailingBackslashes(s string) int {
	n := 0
	for n < len(s) && s[len(s)-1-n] == '\\' {
		n++
	}
	return n
}

// splitProperty splits a logical line into its unescaped key and value;
// sep reports whether a '=' or ':' separated them.
func splitProperty(s string) (key, value string, sep bool, err error) {
	i := 0
	for i < len(s) {
		c := s[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		i++
	}
	rawKey := s[:min(i, len(s))]
	rest := s[min(i, len(s)):]
	rest = strings.TrimLeft(rest, " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		sep = true
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	if key, err = unescapeProperty(rawKey); err != nil {
		return "", "", false, err
	}
	if value, err = unescapeProperty(rest); err != nil {
		return "", "", false, err
	}
	return key, value, sep, nil
}

func unescapeProperty(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i >= len(s) {
			break
		}
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+5 > len(s) {
				return "", fmt.Errorf(`malformed \u escape %q: want four hex digits`, s[i-1:])
			}
			r, err := strconv.ParseUint(s[i+1:i+5], 16, 32)
			if err != nil {
				return "", fmt.Errorf(`malformed \u escape %q: want four hex digits`, s[i-1:i+5])
			}
			b.WriteRune(rune(r))
			i += 4
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// Roles of a Kafka configuration file: which client or server it configures.
const (
	RoleProducer = "producer"
	RoleConsumer = "consumer"
	RoleBroker   = "broker"
	RoleTopic    = "topic"
)

// kafkaProp says which scenario field a Kafka property sets and how its
// value is written there.
type kafkaProp struct {
	path string                       // a --set path; "*" for every producer, group or topic
	conv func(string) (string, error) // Kafka's value → the scenario's
}

func msValue(v string) (string, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return "", fmt.Errorf("%q: want a whole number of milliseconds", v)
	}
	return strconv.FormatInt(n, 10) + "ms", nil
}

func scaled(unit string) func(string) (string, error) {
	return func(v string) (string, error) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return "", fmt.Errorf("%q: want a whole number of %s", v, map[string]string{"h": "hours", "m": "minutes"}[unit])
		}
		return strconv.FormatInt(n, 10) + unit, nil
	}
}

// voterCount is how many voters controller.quorum.voters lists
// ("1@host:9093,2@host:9093,…").
func voterCount(v string) (string, error) {
	n := 0
	for _, e := range strings.Split(v, ",") {
		if strings.TrimSpace(e) != "" {
			n++
		}
	}
	if n == 0 {
		return "", fmt.Errorf("%q: want a list of id@host:port voters", v)
	}
	return strconv.Itoa(n), nil
}

func countValue(v string) (string, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return "", fmt.Errorf("%q: want a whole number", v)
	}
	return strconv.FormatInt(n, 10), nil
}

func bytesValue(v string) (string, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return "", fmt.Errorf("%q: want a whole number of bytes", v)
	}
	return strconv.FormatInt(n, 10) + "B", nil
}

// retentionBytes: Kafka's -1 means unlimited, which is the scenario's 0.
func retentionBytes(v string) (string, error) {
	if strings.TrimSpace(v) == "-1" {
		return "0", nil
	}
	return bytesValue(v)
}

func retentionMs(v string) (string, error) {
	if strings.TrimSpace(v) == "-1" {
		return "", fmt.Errorf("-1 (keep forever) is not modelled: give a retention time")
	}
	return msValue(v)
}

func boolValue(v string) (string, error) {
	switch strings.ToLower(v) {
	case "true", "false":
		return strings.ToLower(v), nil
	}
	return "", fmt.Errorf("%q: want true or false", v)
}

func oneOf(values ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		l := strings.ToLower(v)
		if slices.Contains(values, l) {
			return l, nil
		}
		return "", fmt.Errorf("%q: want %s", v, strings.Join(values, ", "))
	}
}

func acksValue(v string) (string, error) {
	switch strings.ToLower(v) {
	case "all", "-1":
		return "all", nil
	case "0", "1":
		return v, nil
	}
	return "", fmt.Errorf("%q: want all, -1, 0 or 1", v)
}

// autoCommit: with enable.auto.commit=false the client commits after it
// has processed what it polled (what the benchmark's Kafka consumer does).
func autoCommit(v string) (string, error) {
	b, err := boolValue(v)
	if err != nil {
		return "", err
	}
	if b == "true" {
		return "auto", nil
	}
	return "after", nil
}

// assignor maps partition.assignment.strategy (class names or short names,
// a comma-separated list whose first entry the group uses) to the
// scenario's assignment.
func assignor(v string) (string, error) {
	first := strings.TrimSpace(strings.Split(v, ",")[0])
	short := first[strings.LastIndex(first, ".")+1:]
	switch strings.ToLower(short) {
	case "rangeassignor", "range":
		return "range", nil
	case "roundrobinassignor", "roundrobin":
		return "roundrobin", nil
	case "cooperativestickyassignor", "cooperative-sticky":
		return "cooperative-sticky", nil
	}
	return "", fmt.Errorf("%q: the assignors modelled are RangeAssignor, RoundRobinAssignor and CooperativeStickyAssignor", first)
}

func nonEmptyTrue(v string) (string, error) {
	if strings.TrimSpace(v) == "" {
		return "false", nil
	}
	return "true", nil
}

// kafkaProps maps each Kafka property mqsim models, by role, to the
// scenario field it sets.
var kafkaProps = map[string]map[string]kafkaProp{
	RoleProducer: {
		"acks":                                  {"producers.*.acks", acksValue},
		"batch.size":                            {"producers.*.batch_size", bytesValue},
		"linger.ms":                             {"producers.*.linger", msValue},
		"compression.type":                      {"producers.*.compression", oneOf("none", "gzip", "snappy", "lz4", "zstd")},
		"max.in.flight.requests.per.connection": {"producers.*.max_in_flight", countValue},
		"retries":                               {"producers.*.retries", countValue},
		"retry.backoff.ms":                      {"producers.*.retry_backoff", msValue},
		"retry.backoff.max.ms":                  {"producers.*.retry_backoff_max", msValue},
		"delivery.timeout.ms":                   {"producers.*.delivery_timeout", msValue},
		"request.timeout.ms":                    {"producers.*.request_timeout", msValue},
		"metadata.max.age.ms":                   {"producers.*.metadata_max_age", msValue},
		"buffer.memory":                         {"producers.*.buffer_memory", bytesValue},
		"max.block.ms":                          {"producers.*.max_block", msValue},
		"enable.idempotence":                    {"producers.*.enable_idempotence", boolValue},
	},
	RoleConsumer: {
		"max.poll.records":              {"consumer_groups.*.max_poll_records", countValue},
		"fetch.min.bytes":               {"consumer_groups.*.fetch_min_bytes", bytesValue},
		"fetch.max.wait.ms":             {"consumer_groups.*.fetch_max_wait", msValue},
		"max.partition.fetch.bytes":     {"consumer_groups.*.max_partition_fetch_bytes", bytesValue},
		"fetch.max.bytes":               {"consumer_groups.*.fetch_max_bytes", bytesValue},
		"enable.auto.commit":            {"consumer_groups.*.commit", autoCommit},
		"auto.commit.interval.ms":       {"consumer_groups.*.auto_commit_interval", msValue},
		"partition.assignment.strategy": {"consumer_groups.*.assignment", assignor},
		"isolation.level":               {"consumer_groups.*.isolation_level", oneOf("read_uncommitted", "read_committed")},
		"auto.offset.reset":             {"consumer_groups.*.auto_offset_reset", oneOf("earliest", "latest", "none")},
		"session.timeout.ms":            {"consumer_groups.*.session_timeout", msValue},
		"heartbeat.interval.ms":         {"consumer_groups.*.heartbeat_interval", msValue},
		"max.poll.interval.ms":          {"consumer_groups.*.max_poll_interval", msValue},
		"group.instance.id":             {"consumer_groups.*.static_membership", nonEmptyTrue},
		"metadata.max.age.ms":           {"consumer_groups.*.metadata_max_age", msValue},
		"request.timeout.ms":            {"consumer_groups.*.coordinator_request_timeout", msValue},
	},
	RoleBroker: {
		"replica.lag.time.max.ms":                   {"cluster.replica_lag_time_max", msValue},
		"replica.fetch.wait.max.ms":                 {"cluster.replica_fetch_wait_max", msValue},
		"replica.fetch.min.bytes":                   {"cluster.replica_fetch_min_bytes", bytesValue},
		"replica.fetch.max.bytes":                   {"cluster.replica_fetch_max_bytes", bytesValue},
		"num.replica.fetchers":                      {"cluster.num_replica_fetchers", countValue},
		"min.insync.replicas":                       {"cluster.min_insync_replicas", countValue},
		"unclean.leader.election.enable":            {"cluster.unclean_leader_election", boolValue},
		"log.retention.check.interval.ms":           {"cluster.retention_check_interval", msValue},
		"broker.session.timeout.ms":                 {"cluster.broker_session_timeout", msValue},
		"broker.heartbeat.interval.ms":              {"cluster.broker_heartbeat_interval", msValue},
		"log.retention.ms":                          {"topics.*.retention", retentionMs},
		"log.retention.minutes":                     {"topics.*.retention", scaled("m")},
		"log.retention.hours":                       {"topics.*.retention", scaled("h")},
		"log.retention.bytes":                       {"topics.*.retention_bytes", retentionBytes},
		"log.segment.bytes":                         {"topics.*.segment_bytes", bytesValue},
		"group.initial.rebalance.delay.ms":          {"consumer_groups.*.initial_rebalance_delay", msValue},
		"offsets.topic.replication.factor":          {"cluster.offsets_topic_replication_factor", countValue},
		"controller.quorum.voters":                  {"cluster.controller_quorum_voters", voterCount},
		"controller.quorum.election.timeout.ms":     {"cluster.controller_quorum_election_timeout", msValue},
		"controller.quorum.election.backoff.max.ms": {"cluster.controller_quorum_election_backoff_max", msValue},
	},
	RoleTopic: {
		"min.insync.replicas": {"topics.*.min_insync_replicas", countValue},
		"retention.ms":        {"topics.*.retention", retentionMs},
		"retention.bytes":     {"topics.*.retention_bytes", retentionBytes},
		"segment.bytes":       {"topics.*.segment_bytes", bytesValue},
	},
}

// kafkaIgnored are properties that name, address, secure or serialize
// rather than change how messages flow, so they cannot change a simulated
// result; they are reported as ignored, never refused. Entries ending in
// "." are prefixes.
var kafkaIgnored = map[string]string{
	"bootstrap.servers": "addresses", "client.id": "a name", "group.id": "a name (each group is named by the scenario)",
	"key.serializer": "serialization", "value.serializer": "serialization",
	"key.deserializer": "serialization", "value.deserializer": "serialization",
	"security.protocol": "security", "sasl.": "security", "ssl.": "security",
	"broker.id": "a name", "node.id": "a name", "listeners": "addresses", "advertised.listeners": "addresses",
	"listener.security.protocol.map": "addresses", "inter.broker.listener.name": "addresses",
	"controller.listener.names":           "addresses",
	"controller.quorum.bootstrap.servers": "addresses", "process.roles": "deployment",
	"zookeeper.connect": "addresses", "zookeeper.connection.timeout.ms": "deployment",
	"log.dirs": "paths", "log.dir": "paths",
	"num.partitions":                           "applies to auto-created topics; scenario topics state their partitions",
	"default.replication.factor":               "applies to auto-created topics; scenario topics state their replication factor",
	"transaction.state.log.replication.factor": "internal topics are not simulated as topics",
	"transaction.state.log.min.isr":            "internal topics are not simulated as topics",
}

// KafkaSetting is a Kafka property turned into a --set entry, or ignored
// with the reason.
type KafkaSetting struct {
	Property
	Source  string // the file the property came from
	Set     string // "path=value"; empty when ignored
	Ignored string // why the property cannot change a simulated result
}

// KafkaSets maps the properties of one role's configuration to --set
// entries (in file order). A property mqsim does not model, or a value it
// cannot read, is an *InputError naming source, line and key.
func KafkaSets(source, role string, props []Property) ([]KafkaSetting, error) {
	table, ok := kafkaProps[role]
	if !ok {
		return nil, fmt.Errorf("KafkaSets: unknown role %q", role)
	}
	var out []KafkaSetting
	for _, p := range props {
		if why := kafkaIgnoredReason(p.Key); why != "" {
			out = append(out, KafkaSetting{Property: p, Source: source, Ignored: why})
			continue
		}
		rule, ok := table[p.Key]
		if !ok {
			msg := fmt.Sprintf("not a %s setting mqsim models", role)
			if s := DidYouMean(p.Key, KafkaProperties(role)); s != "" {
				msg += s
			} else {
				msg += " (see 'Kafka configuration files' in docs/scenarios.md for the list)"
			}
			return nil, &InputError{File: source, Line: p.Line, Field: p.Key, Msg: msg}
		}
		v, err := rule.conv(strings.TrimSpace(p.Value))
		if err != nil {
			return nil, &InputError{File: source, Line: p.Line, Field: p.Key, Msg: err.Error()}
		}
		out = append(out, KafkaSetting{Property: p, Source: source, Set: rule.path + "=" + v})
	}
	return out, nil
}

func kafkaIgnoredReason(key string) string {
	if why, ok := kafkaIgnored[key]; ok {
		return why
	}
	for k, why := range kafkaIgnored {
		if strings.HasSuffix(k, ".") && strings.HasPrefix(key, k) {
			return why
		}
	}
	return ""
}

// KafkaProperties lists the Kafka property names modelled for a role, sorted.
func KafkaProperties(role string) []string {
	var names []string
	for k := range kafkaProps[role] {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// LoadKafkaConfig reads a properties file for a role and returns its
// settings (see KafkaSets).
func LoadKafkaConfig(path, role string) ([]KafkaSetting, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	props, err := ParseProperties(path, data)
	if err != nil {
		return nil, err
	}
	return KafkaSets(path, role, props)
}

// LoadScenarioKafka is LoadScenario with settings from Kafka configuration
// files applied before sets (so --set wins). A setting for every producer,
// group or topic is left out when the scenario has none.
func LoadScenarioKafka(nameOrPath string, kafka []KafkaSetting, sets []string) (*LoadedScenario, error) {
	if len(kafka) == 0 {
		return LoadScenario(nameOrPath, sets)
	}
	data, source, err := readNamed(builtinFS, "builtin", nameOrPath, Scenarios())
	if err != nil {
		return nil, err
	}
	var s Scenario
	if _, err := DecodeStrict(source, data, &s); err != nil {
		return nil, err
	}
	var all []string
	for _, k := range kafka {
		path, _, _ := strings.Cut(k.Set, "=")
		switch {
		case k.Set == "",
			strings.HasPrefix(path, "producers.*") && len(s.Producers) == 0,
			strings.HasPrefix(path, "consumer_groups.*") && len(s.ConsumerGroups) == 0,
			strings.HasPrefix(path, "topics.*") && len(s.Topics) == 0:
			continue
		}
		all = append(all, k.Set)
	}
	return ParseScenario(source, data, append(all, sets...))
}
