package scenarios

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Importing a real cluster: the saved output of `kafka-topics --describe`
// and `kafka-consumer-groups --describe` becomes a scenario skeleton —
// topics with their partitions, replication factor and settings, the
// brokers that hold them, and the consumer groups with their members and
// lag — to which the user adds a load (producers).

// DescribedPartition is one partition line of kafka-topics --describe.
type DescribedPartition struct {
	Partition int
	Leader    int // -1 when the partition has no leader
	Replicas  []int
	ISR       []int
	Line      int
}

// DescribedTopic is one topic of kafka-topics --describe.
type DescribedTopic struct {
	Name              string
	PartitionCount    int
	ReplicationFactor int
	Configs           []Property // the topic's non-default settings
	Partitions        []DescribedPartition
	Line              int
}

// describeField matches "Key: value" pairs; a value has no blanks (Configs
// is a comma-separated list of key=value, possibly empty).
var describeField = regexp.MustCompile(`([A-Za-z]+):[ \t]*([^\s]*)`)

// ParseTopicsDescribe reads saved kafka-topics --describe output. Each
// topic has a header line (Topic, PartitionCount, ReplicationFactor,
// Configs) and one line per partition (Topic, Partition, Leader, Replicas,
// Isr; newer versions add Elr and LastKnownElr, which are read past).
// Errors name the file and line.
func ParseTopicsDescribe(source string, data []byte) ([]DescribedTopic, error) {
	var topics []DescribedTopic
	index := map[string]int{}
	for i, raw := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		line := i + 1
		text := strings.TrimSpace(raw)
		if text == "" {
			continue
		}
		bad := func(format string, a ...any) error {
			return &InputError{File: source, Line: line, Msg: fmt.Sprintf(format, a...)}
		}
		if !strings.HasPrefix(text, "Topic:") {
			return nil, bad("not a line of kafka-topics --describe output (want Topic: … PartitionCount: … or Topic: … Partition: …): %q", clip(text))
		}
		f := map[string]string{}
		for _, m := range describeField.FindAllStringSubmatch(text, -1) {
			f[m[1]] = m[2]
		}
		num := func(key string) (int, error) {
			v, ok := f[key]
			if !ok {
				return 0, bad("missing %s:", key)
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return 0, bad("%s: %q is not a count", key, v)
			}
			return n, nil
		}
		name := f["Topic"]
		if name == "" {
			return nil, bad("Topic: has no name")
		}
		switch {
		case hasKey(f, "PartitionCount"):
			if _, dup := index[name]; dup {
				return nil, bad("topic %s described twice", name)
			}
			t := DescribedTopic{Name: name, Line: line}
			var err error
			if t.PartitionCount, err = num("PartitionCount"); err != nil {
				return nil, err
			}
			if t.ReplicationFactor, err = num("ReplicationFactor"); err != nil {
				return nil, err
			}
			if c := f["Configs"]; c != "" {
				for _, kv := range strings.Split(c, ",") {
					k, v, ok := strings.Cut(kv, "=")
					if !ok || k == "" {
						return nil, bad("Configs: %q is not key=value", kv)
					}
					t.Configs = append(t.Configs, Property{Key: k, Value: v, Line: line})
				}
			}
			index[name] = len(topics)
			topics = append(topics, t)
		case hasKey(f, "Partition"):
			ti, ok := index[name]
			if !ok {
				return nil, bad("partition of topic %s before its Topic: … PartitionCount: line", name)
			}
			p := DescribedPartition{Line: line}
			var err error
			if p.Partition, err = num("Partition"); err != nil {
				return nil, err
			}
			switch l := f["Leader"]; l {
			case "none", "-1":
				p.Leader = -1
			default:
				if p.Leader, err = num("Leader"); err != nil {
					return nil, err
				}
			}
			if p.Replicas, err = brokerList(f["Replicas"]); err != nil || len(p.Replicas) == 0 {
				return nil, bad("Replicas: %q is not a list of broker ids", f["Replicas"])
			}
			if p.ISR, err = brokerList(f["Isr"]); err != nil {
				return nil, bad("Isr: %q is not a list of broker ids", f["Isr"])
			}
			t := &topics[ti]
			if p.Partition >= t.PartitionCount {
				return nil, bad("partition %d of topic %s, which has %d (PartitionCount)", p.Partition, name, t.PartitionCount)
			}
			t.Partitions = append(t.Partitions, p)
		default:
			return nil, bad("a Topic: line with neither PartitionCount: nor Partition:")
		}
	}
	if len(topics) == 0 {
		return nil, &InputError{File: source, Msg: "no topics: expected saved kafka-topics --describe output"}
	}
	return topics, nil
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

func brokerList(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%q", p)
		}
		out = append(out, n)
	}
	return out, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// DescribedGroupRow is one row of kafka-consumer-groups --describe: a
// partition a group has offsets for, and the member that owns it.
type DescribedGroupRow struct {
	Group, Topic string
	Partition    int
	Lag          int64 // -1 when unknown ("-")
	ConsumerID   string
	Line         int
}

// groupColumns are the columns the default --describe view has and the
// import needs.
var groupColumns = []string{"GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID"}

// ParseGroupsDescribe reads saved kafka-consumer-groups --describe output
// (one group or --all-groups): a header row naming the columns, then one
// row per partition, columns separated by blanks; "-" is an empty cell.
// The tool's notes ("Consumer group 'g' has no active members.") are read
// past. Errors name the file and line.
func ParseGroupsDescribe(source string, data []byte) ([]DescribedGroupRow, error) {
	var rows []DescribedGroupRow
	var cols map[string]int
	var width int
	for i, raw := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		line := i + 1
		text := strings.TrimSpace(raw)
		bad := func(format string, a ...any) error {
			return &InputError{File: source, Line: line, Msg: fmt.Sprintf(format, a...)}
		}
		if text == "" || strings.HasPrefix(text, "Consumer group ") || strings.HasPrefix(text, "Warning:") {
			continue
		}
		fields := strings.Fields(text)
		if fields[0] == "GROUP" {
			cols = map[string]int{}
			for j, c := range fields {
				cols[c] = j
			}
			for _, need := range groupColumns {
				if _, ok := cols[need]; !ok {
					return nil, bad("header has no %s column: save the default --describe view (not --members, --state or --offsets with other columns)", need)
				}
			}
			width = len(fields)
			continue
		}
		if cols == nil {
			return nil, bad("a row before the GROUP TOPIC PARTITION … header: %q", clip(text))
		}
		if len(fields) != width {
			return nil, bad("%d columns, the header has %d: %q", len(fields), width, clip(text))
		}
		r := DescribedGroupRow{Group: fields[cols["GROUP"]], Topic: fields[cols["TOPIC"]], ConsumerID: fields[cols["CONSUMER-ID"]], Line: line}
		p, err := strconv.Atoi(fields[cols["PARTITION"]])
		if err != nil || p < 0 {
			return nil, bad("PARTITION %q is not a partition number", fields[cols["PARTITION"]])
		}
		r.Partition = p
		r.Lag = -1
		if l := fields[cols["LAG"]]; l != "-" {
			if r.Lag, err = strconv.ParseInt(l, 10, 64); err != nil || r.Lag < 0 {
				return nil, bad("LAG %q is not a count", l)
			}
		}
		for _, c := range []string{"CURRENT-OFFSET", "LOG-END-OFFSET"} {
			if v := fields[cols[c]]; v != "-" {
				if _, err := strconv.ParseInt(v, 10, 64); err != nil {
					return nil, bad("%s %q is not an offset", c, v)
				}
			}
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, &InputError{File: source, Msg: "no group rows: expected saved kafka-consumer-groups --describe output"}
	}
	return rows, nil
}

// ImportKafka writes a scenario skeleton from described topics and/or
// group rows (either may be nil). Topics a group reads but that were not
// described get the partitions the group has offsets for. The skeleton has
// no producers: it says where to add them.
func ImportKafka(topics []DescribedTopic, groups []DescribedGroupRow, command string) ([]byte, error) {
	type groupKey struct{ group, topic string }
	type groupInfo struct {
		members    map[string]bool
		lag        int64
		unknown    int
		partitions int
		worst      int64
		worstPart  int
	}
	var keys []groupKey
	info := map[groupKey]*groupInfo{}
	maxPart := map[string]int{}
	for _, r := range groups {
		k := groupKey{r.Group, r.Topic}
		g, ok := info[k]
		if !ok {
			g = &groupInfo{members: map[string]bool{}, worstPart: -1}
			info[k] = g
			keys = append(keys, k)
		}
		if r.ConsumerID != "-" {
			g.members[r.ConsumerID] = true
		}
		g.partitions++
		if r.Lag < 0 {
			g.unknown++
		} else {
			g.lag += r.Lag
			if r.Lag > g.worst || g.worstPart < 0 {
				g.worst, g.worstPart = r.Lag, r.Partition
			}
		}
		maxPart[r.Topic] = max(maxPart[r.Topic], r.Partition+1)
	}

	brokerIDs := map[int]bool{}
	var topicNodes []*yaml.Node
	described := map[string]bool{}
	for _, t := range topics {
		described[t.Name] = true
		n := planMap("name", planStr(t.Name), "partitions", planStr(strconv.Itoa(t.PartitionCount)),
			"replication_factor", planStr(strconv.Itoa(t.ReplicationFactor)))
		var unmodelled []string
		for _, c := range t.Configs {
			ks, err := KafkaSets("", RoleTopic, []Property{c})
			if err != nil || ks[0].Set == "" {
				unmodelled = append(unmodelled, c.Key+"="+c.Value)
				continue
			}
			path, value, _ := strings.Cut(ks[0].Set, "=")
			n.Content = append(n.Content, planStr(strings.TrimPrefix(path, "topics.*.")), planStr(value))
		}
		leaders := map[int]int{}
		var notes []string
		for _, p := range t.Partitions {
			for _, b := range p.Replicas {
				brokerIDs[b] = true
			}
			if p.Leader >= 0 {
				leaders[p.Leader]++
			} else {
				notes = append(notes, fmt.Sprintf("partition %d has no leader", p.Partition))
			}
			if len(p.ISR) < len(p.Replicas) {
				notes = append(notes, fmt.Sprintf("partition %d: ISR %s of replicas %s", p.Partition, joinInts(p.ISR), joinInts(p.Replicas)))
			}
		}
		var lead []string
		for _, b := range sortedInts(leaders) {
			lead = append(lead, fmt.Sprintf("broker %d leads %d", b, leaders[b]))
		}
		comment := fmt.Sprintf("described at line %d", t.Line)
		if len(lead) > 0 {
			comment += "; " + strings.Join(lead, ", ")
		}
		if len(notes) == 0 && len(t.Partitions) > 0 {
			comment += "; every ISR full"
		}
		for _, s := range notes {
			comment += "\n" + s
		}
		if len(unmodelled) > 0 {
			comment += "\nnot modelled: " + strings.Join(unmodelled, ", ")
		}
		n.HeadComment = comment
		topicNodes = append(topicNodes, n)
	}
	var extra []string
	for _, k := range keys {
		if !described[k.topic] && !slices.Contains(extra, k.topic) {
			extra = append(extra, k.topic)
		}
	}
	for _, name := range extra {
		n := planMap("name", planStr(name), "partitions", planNote(planStr(strconv.Itoa(maxPart[name])),
			"at least: the highest partition the groups have offsets for, plus one"))
		topicNodes = append(topicNodes, n)
	}

	var groupNodes []*yaml.Node
	names := map[string]int{}
	for _, k := range keys {
		names[k.group]++
	}
	for _, k := range keys {
		g := info[k]
		name := k.group
		if names[k.group] > 1 {
			name = k.group + "." + k.topic // one entry per topic a group reads
		}
		members := len(g.members)
		note := fmt.Sprintf("%d active members", members)
		if members == 0 {
			members = 1
			note = "no active members when described: 1 assumed"
		}
		n := planMap("name", planStr(name), "topic", planStr(k.topic), "consumers", planNote(planStr(strconv.Itoa(members)), note))
		lag := fmt.Sprintf("lag %d over %d partitions", g.lag, g.partitions)
		if g.worstPart >= 0 {
			lag += fmt.Sprintf(", most on partition %d (%d)", g.worstPart, g.worst)
		}
		if g.unknown > 0 {
			lag += fmt.Sprintf("; %d partitions with no committed offset", g.unknown)
		}
		n.HeadComment = "group " + k.group + ": " + lag
		groupNodes = append(groupNodes, n)
	}

	brokers := len(brokerIDs)
	doc := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k string, v *yaml.Node) { doc.Content = append(doc.Content, planStr(k), v) }
	add("name", planStr("imported"))
	add("description", planFolded("A cluster imported from its describe output: add the load (producers) and what to check (expect)."))
	add("duration", planStr("60s"))
	if brokers > 0 {
		ids := sortedInts(brokerIDs)
		var list []string
		for _, id := range ids {
			list = append(list, strconv.Itoa(id))
		}
		add("cluster", planMap("brokers", planNote(planStr(strconv.Itoa(brokers)),
			"broker ids "+strings.Join(list, ",")+" are numbered 0 to "+strconv.Itoa(brokers-1)+" here, in that order")))
	}
	add("topics", planSeq(topicNodes...))
	if len(groupNodes) > 0 {
		add("consumer_groups", planSeq(groupNodes...))
	}
	var b bytes.Buffer
	b.WriteString("# A scenario skeleton imported from a cluster's describe output.\n")
	if command != "" {
		fmt.Fprintf(&b, "# Written by: %s\n", strings.ReplaceAll(command, "\n", " "))
	}
	b.WriteString("# Add the load before running it, for example:\n#   producers:\n")
	for _, n := range topicNodes {
		fmt.Fprintf(&b, "#     - topic: %s\n#       rate: 1K/s\n", n.Content[1].Value)
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

func sortedInts[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}
