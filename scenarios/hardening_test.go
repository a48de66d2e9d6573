package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"mqsim/scenarios/units"
)

// deref returns the value v points to, or v: fields may be pointers where
// an explicit zero differs from "not set".
func deref(v any) any {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	return rv.Interface()
}

// inputErrors returns every *InputError in err, joined or not.
func inputErrors(t *testing.T, err error) []*InputError {
	t.Helper()
	var out []*InputError
	for _, e := range Errors(err) {
		var ie *InputError
		if !errors.As(e, &ie) {
			t.Errorf("error %v (%T) is not an *InputError", e, e)
			continue
		}
		out = append(out, ie)
	}
	return out
}

// hasError reports whether err holds an InputError at file:line on field
// whose message contains msg (line 0: any line).
func hasError(t *testing.T, err error, file string, line int, field, msg string) bool {
	t.Helper()
	for _, ie := range inputErrors(t, err) {
		if ie.File == file && (line == 0 || ie.Line == line) && ie.Field == field && strings.Contains(ie.Msg, msg) {
			return true
		}
	}
	return false
}

// Values the decoder or the defaults used to change without a word are
// refused, naming the field (issue 21 item 6).
func TestSilentCoercionsRefused(t *testing.T) {
	for _, c := range []struct {
		name  string
		yaml  string
		sets  []string
		file  string
		line  int
		field string
		msg   string
	}{
		// A fraction into a whole number used to be truncated (6.9 → 6).
		{"fractional partitions", strings.Replace(minimal, "partitions: 2", "partitions: 6.9", 1), nil, "s.yaml", 5, "topics[0].partitions", "not a whole number"},
		{"fractional seed", minimal + "seed: 1.9\n", nil, "s.yaml", 11, "seed", "not a whole number"},
		// 2^64 is one past the largest uint64; it used to run as 2^63.
		{"seed past uint64", minimal + "seed: 18446744073709551616\n", nil, "s.yaml", 11, "seed", "0 to 18446744073709551615"},
		{"set fractional seed", minimal, []string{"seed=1.9"}, "--set", 0, "seed", "not a whole number"},
		{"set fractional partitions", minimal, []string{"topics.0.partitions=6.9"}, "--set", 0, "topics[0].partitions", "not a whole number"},
		{"set seed past uint64", minimal, []string{"seed=18446744073709551616"}, "--set", 0, "seed", "0 to 18446744073709551615"},
		{"set negative seed", minimal, []string{"seed=-1"}, "--set", 0, "seed", "0 to 18446744073709551615"},
		{"seed as a float past 2^53", minimal + "seed: 1e20\n", nil, "s.yaml", 11, "seed", "out of range"},
		// An explicit zero used to run with the default (3 brokers).
		{"zero brokers", minimal + "cluster:\n  brokers: 0\n", nil, "s.yaml", 12, "cluster.brokers", "default (3)"},
		{"set zero brokers", minimal, []string{"cluster.brokers=0"}, "s.yaml", 0, "cluster.brokers", "default (3)"},
		// An empty acks used to validate and run as acks=all.
		{"empty acks", strings.Replace(minimal, "rate: 1K/s\n", "rate: 1K/s\n    acks: \"\"\n", 1), nil, "s.yaml", 9, "producers[0].acks", `"" is not a value here`},
		{"set empty acks", minimal, []string{"producers.0.acks="}, "s.yaml", 0, "producers[0].acks", `default (all)`},
		{"null key", minimal + "~: 1\n", nil, "s.yaml", 11, "", "null (~) key"},
		{"empty key", minimal + "\"\": 1\n", nil, "s.yaml", 11, "", "null (~) key"},
		{"custom tag", strings.Replace(minimal, "name: t", "name: !foo t", 1), nil, "s.yaml", 1, "name", "custom tag !foo"},
		{"python tag", minimal + "cluster: !!python/object:os.system {}\n", nil, "s.yaml", 11, "cluster", "custom tag"},
		{"set trailing dot", minimal, []string{"a.b.=1"}, "--set", 0, "a.b.", "empty part"},
		{"set leading dot", minimal, []string{".name=x"}, "--set", 0, ".name", "empty part"},
		{"set doubled dot", minimal, []string{"producers..acks=1"}, "--set", 0, "producers..acks", "empty part"},
	} {
		_, err := ParseScenario("s.yaml", []byte(c.yaml), c.sets)
		if err == nil {
			t.Errorf("%s: accepted, want an error on %s", c.name, c.field)
			continue
		}
		if !hasError(t, err, c.file, c.line, c.field, c.msg) {
			t.Errorf("%s: got %v\nwant %s line %d field %q containing %q", c.name, err, c.file, c.line, c.field, c.msg)
		}
	}
	// Legitimate spellings still load: Kafka's -1 for all, hex and
	// underscores in whole numbers, a seed of 0 (not a default).
	for _, y := range []string{
		strings.Replace(minimal, "rate: 1K/s\n", "rate: 1K/s\n    acks: -1\n", 1),
		strings.Replace(minimal, "partitions: 2", "partitions: 0x10", 1),
		strings.Replace(minimal, "partitions: 2", "partitions: 1_000", 1),
		minimal + "seed: 0\n",
		minimal + "seed: 18446744073709551615\n",
		strings.Replace(minimal, "partitions: 2", "partitions: 1e3", 1), // exactly 1000
	} {
		if _, err := ParseScenario("s.yaml", []byte(y), nil); err != nil {
			t.Errorf("valid file refused: %v\n%s", err, y)
		}
	}
}

// A file with nine mistakes of every kind gets nine errors in one run
// (issue 19 item 9): unit errors, unknown fields, type errors and rule
// violations alike.
func TestEveryProblemAtOnce(t *testing.T) {
	const nine = `name: t
duration: 10 fortnights
topics:
  - name: a
    partitions: 2.5
    retention: forever
producers:
  - topic: a
    rate: 1K/s
    lingr: 5ms
    acks: 2
    batch_size: lots
consumer_groups:
  - topic: a
    consumers: many
    commit: sometimes
cluster:
  brokers: 0
colour: blue
`
	want := []struct {
		line  int
		field string
		msg   string
	}{
		{2, "duration", "not a valid duration"},
		{5, "topics[0].partitions", "not a whole number"},
		{6, "topics[0].retention", "not a valid duration"},
		{10, "producers[0].lingr", `did you mean "linger"`},
		{11, "producers[0].acks", "not one of"},
		{12, "producers[0].batch_size", "not a valid size"},
		{15, "consumer_groups[0].consumers", "expected a whole number"},
		{16, "consumer_groups[0].commit", "not one of"},
		{18, "cluster.brokers", "default (3)"},
		{19, "colour", "unknown field"},
	}
	_, err := ParseScenario("s.yaml", []byte(nine), nil)
	got := inputErrors(t, err)
	for _, w := range want {
		if !hasError(t, err, "s.yaml", w.line, w.field, w.msg) {
			t.Errorf("missing s.yaml:%d %s (%s)", w.line, w.field, w.msg)
		}
	}
	// Nothing is reported twice, and a discarded value does not come back
	// as "missing".
	if len(got) != len(want) {
		var lines []string
		for _, e := range got {
			lines = append(lines, e.Error())
		}
		t.Errorf("%d errors, want %d:\n%s", len(got), len(want), strings.Join(lines, "\n"))
	}
}

// Misspelt field names get the closest name; Kafka's own property names
// are aliases of the fields they mean (issue 19 item 8).
func TestFieldSuggestionsAndKafkaAliases(t *testing.T) {
	for _, c := range []struct {
		name, yaml, field, msg string
		line                   int
	}{
		{"misspelt", strings.Replace(minimal, "rate: 1K/s", "rate: 1K/s\n    lingre: 5ms", 1), "producers[0].lingre", `did you mean "linger"`, 9},
		{"kafka-ish", strings.Replace(minimal, "rate: 1K/s", "rate: 1K/s\n    linger.msec: 5", 1), "producers[0].linger.msec", `did you mean "linger.ms"`, 9},
		{"top level", minimal + "duraton: 5s\n", "duraton", `did you mean "duration"`, 11},
		{"far from anything", minimal + "zzzzzz: 5s\n", "zzzzzz", "known fields: celery, client_hardware, client_profile, cluster, compare, consumer_groups", 11},
		{"ms alias takes a number", strings.Replace(minimal, "rate: 1K/s", "rate: 1K/s\n    linger.ms: 5s", 1), "producers[0].linger.ms", "whole number of milliseconds", 9},
		{"alias and field both", strings.Replace(minimal, "rate: 1K/s", "rate: 1K/s\n    linger: 5ms\n    linger.ms: 5", 1), "producers[0].linger", "given twice (first at line 9)", 10},
	} {
		_, err := ParseScenario("s.yaml", []byte(c.yaml), nil)
		if !hasError(t, err, "s.yaml", c.line, c.field, c.msg) {
			t.Errorf("%s: got %v, want line %d field %s containing %q", c.name, err, c.line, c.field, c.msg)
		}
	}

	aliased := `name: t
duration: 10s
cluster:
  replica.lag.time.max.ms: 10000
  min.insync.replicas: 2
topics:
  - name: a
    partitions: 2
    retention.ms: 3600000
    segment.bytes: 1048576
producers:
  - topic: a
    rate: 1K/s
    linger.ms: 20
    batch.size: 65536
    acks: all
    enable.idempotence: true
    max.in.flight.requests.per.connection: 1
    compression.type: lz4
    compression_ratio: 2x
consumer_groups:
  - topic: a
    fetch.min.bytes: 1024
    session.timeout.ms: 10000
`
	ls, err := ParseScenario("k.yaml", []byte(aliased), nil)
	if err != nil {
		t.Fatalf("Kafka property names refused: %v", err)
	}
	p, g, c, tp := ls.Producers[0], ls.ConsumerGroups[0], ls.Cluster, ls.Topics[0]
	// Each value is Kafka's, converted by hand: 20 ms, 64 KiB, 10 s, 1 h.
	for _, chk := range []struct {
		name      string
		got, want any
	}{
		{"linger.ms", deref(p.Linger), 20 * units.Millisecond},
		{"batch.size", p.BatchSize, units.Bytes(65536)},
		{"enable.idempotence", *p.EnableIdempotence, true},
		{"max.in.flight", p.MaxInFlight, 1},
		{"compression.type", p.Compression, "lz4"},
		{"fetch.min.bytes", g.FetchMinBytes, units.Bytes(1024)},
		{"session.timeout.ms", g.SessionTimeout, 10 * units.Second},
		{"replica.lag.time.max.ms", c.ReplicaLagTimeMax, 10 * units.Second},
		{"cluster min.insync.replicas", c.MinInsyncReplicas, 2},
		{"retention.ms", tp.Retention, units.Hour},
		{"segment.bytes", tp.SegmentBytes, units.Bytes(1 << 20)},
	} {
		if deref(chk.got) != chk.want {
			t.Errorf("%s: got %v, want %v", chk.name, chk.got, chk.want)
		}
	}
	// The same names work in --set, where their dots are part of the path.
	ls, err = ParseScenario("s.yaml", []byte(minimal), []string{"producers.*.linger.ms=7", "producers.0.batch.size=1024", "cluster.min.insync.replicas=2"})
	if err != nil {
		t.Fatalf("--set with Kafka names: %v", err)
	}
	if deref(ls.Producers[0].Linger) != 7*units.Millisecond || ls.Producers[0].BatchSize != 1024 || ls.Cluster.MinInsyncReplicas != 2 {
		t.Errorf("--set aliases: linger %v batch %v min.insync %d, want 7ms 1KiB 2", ls.Producers[0].Linger, ls.Producers[0].BatchSize, ls.Cluster.MinInsyncReplicas)
	}
	_, err = ParseScenario("s.yaml", []byte(minimal), []string{"producers.0.lingr=5ms"})
	if !hasError(t, err, "--set", 0, "producers[0].lingr", `did you mean "linger"`) {
		t.Errorf("--set misspelt: %v, want a suggestion", err)
	}
	// Every documented alias names a field that exists.
	if len(KafkaAliases()) < 30 {
		t.Errorf("only %d aliases documented", len(KafkaAliases()))
	}
}

func TestClosestName(t *testing.T) {
	names := []string{"linger", "batch_size", "acks", "max_in_flight", "retries"}
	for _, c := range []struct{ in, want string }{
		{"lingr", "linger"}, {"lniger", "linger"}, {"ack", "acks"}, {"batchsize", "batch_size"},
		{"max_inflight", "max_in_flight"}, {"x", ""}, {"compression", ""},
	} {
		if got := closestName(c.in, names); got != c.want {
			t.Errorf("closestName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// YAML syntax errors that the parser reports without a position still
// name a line (issue 21 item 11).
func TestSyntaxErrorsNameALine(t *testing.T) {
	deep := "name: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n"
	for _, c := range []struct {
		name, yaml string
		line       int
	}{
		{"unknown anchor", minimal + "cluster: *nowhere\n", 11},
		{"yaml 2.0", "%YAML 2.0\n---\n" + minimal, 1},
		{"excessive nesting", "duration: 1s\n" + deep, 2},
		{"deep block nesting", "duration: 1s\n" + nestedBlock(100), 0},
		{"alias bomb", aliasBomb(), 0},
	} {
		_, err := ParseScenario("s.yaml", []byte(c.yaml), nil)
		errs := inputErrors(t, err)
		if len(errs) == 0 {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if errs[0].Line < 1 || (c.line > 0 && errs[0].Line != c.line) {
			t.Errorf("%s: %v, want line %d", c.name, err, c.line)
		}
	}
}

func nestedBlock(depth int) string {
	var b strings.Builder
	for i := range depth {
		fmt.Fprintf(&b, "%sa:\n", strings.Repeat(" ", i))
	}
	return b.String()
}

func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	return b.String()
}

// Reads are bounded and never block (issue 21 item 8).
func TestReadInput(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(big); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("oversized file: %v, want larger than 1 MiB", err)
	}
	// A saved run past the JSON cap (a sparse file: no disk is used) is
	// refused before reading, with the cap in the message.
	huge := filepath.Join(dir, "results.json")
	if f, err := os.Create(huge); err != nil {
		t.Fatal(err)
	} else {
		if err := f.Truncate(MaxJSONSize + 1); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	if _, err := ReadInput(huge, MaxJSONSize, "a saved run (results.json)"); err == nil || !strings.Contains(err.Error(), "larger than 256 MiB, the most a saved run (results.json) can be") {
		t.Errorf("oversized results.json: %v", err)
	}
	if _, err := ReadFile(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	if runtime.GOOS != "windows" {
		// A named pipe with no writer: opening it would block for ever.
		fifo := filepath.Join(dir, "pipe.yaml")
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := ReadFile(fifo); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "not a regular file (a named pipe)") {
				t.Errorf("named pipe: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("ReadFile blocked on a named pipe with no writer")
		}
		if _, err := ReadInput("/dev/zero", MaxJSONSize, "a saved run"); err == nil || !strings.Contains(err.Error(), "character device") {
			t.Errorf("/dev/zero: %v", err)
		}
	}
	// "-" is standard input, read once however many times it is asked for.
	SetStdin(strings.NewReader(minimal))
	defer SetStdin(nil)
	for range 2 {
		data, err := ReadFile("-")
		if err != nil || string(data) != minimal {
			t.Fatalf("ReadFile(-) = %q, %v", data, err)
		}
	}
	ls, err := LoadScenario("-", nil)
	if err != nil || ls.Name != "t" {
		t.Errorf("LoadScenario(-): %v", err)
	}
	SetStdin(strings.NewReader(strings.Repeat("x", MaxFileSize+1)))
	if _, err := ReadFile("/dev/stdin"); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("oversized stdin: %v", err)
	}
}

// Arrival and key arguments suggest the name a typo meant.
func TestArrivalAndKeySuggestions(t *testing.T) {
	if _, err := ParseArrival("bursts(on=1s, of=4s)"); err == nil || !strings.Contains(err.Error(), `did you mean "off"`) {
		t.Errorf("bursts(of=): %v, want a suggestion of off", err)
	}
	if _, err := ParseKeys("zipff(n=10)"); err == nil || !strings.Contains(err.Error(), "did you mean zipf") {
		t.Errorf("zipff: %v, want a suggestion of zipf", err)
	}
}

// docs/scenarios.md lists every Kafka property name accepted as an alias.
func TestAliasTableDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "scenarios.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range KafkaAliases() {
		row := fmt.Sprintf("| `%s` | `%s` | `%s` |", a.Section, a.Property, a.Field)
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/scenarios.md lacks the alias row %s", row)
		}
	}
}

// A file of thousands of mistakes is refused quickly with a bounded list.
func TestManyMistakesBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(minimal)
	for i := range 20_000 {
		fmt.Fprintf(&b, "unknown_%d: 1\n", i)
	}
	for range 10 {
		fmt.Fprintf(&b, "? %s\n: 1\n", strings.Repeat("k", 60_000))
	}
	start := time.Now()
	_, err := ParseScenario("s.yaml", []byte(b.String())[:min(b.Len(), MaxFileSize)], nil)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	errs := inputErrors(t, err)
	if len(errs) != MaxErrors+1 || !strings.Contains(errs[MaxErrors].Msg, "more problems") || errs[MaxErrors].Line < 1 {
		t.Errorf("%d errors, last %v; want %d and a count of the rest", len(errs), errs[len(errs)-1], MaxErrors+1)
	}
}

// An empty section (everything under it commented out) is no value to
// refuse: it means the defaults.
func TestEmptySectionsAllowed(t *testing.T) {
	y := minimal + "cluster:\n  # brokers: 5\nfaults:\nexpect:\n"
	if _, err := ParseScenario("s.yaml", []byte(y), nil); err != nil {
		t.Errorf("empty sections refused: %v", err)
	}
}

// YAML 1.1 booleans still read as booleans; other text does not.
func TestBooleans(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "yes": true, "on": true, "off": false, "No": false} {
		ls, err := ParseScenario("s.yaml", []byte(minimal+"    idempotent: "+v+"\n"), nil)
		if err != nil || ls.ConsumerGroups[0].Idempotent != want {
			t.Errorf("idempotent: %s → %v, want %v", v, err, want)
		}
	}
	if _, err := ParseScenario("s.yaml", []byte(minimal+"    idempotent: maybe\n"), nil); !hasError(t, err, "s.yaml", 11, "consumer_groups[0].idempotent", "expected true or false") {
		t.Errorf("idempotent: maybe → %v", err)
	}
}

// DecodeStrict into a yaml.Node checks the document's shape only: a caller
// that walks the nodes itself gets every mapping as written.
func TestDecodeStrictIntoNode(t *testing.T) {
	var doc yaml.Node
	root, err := DecodeStrict("n.yaml", []byte("anything: 1\nat_all: [x]\n"), &doc)
	if err != nil || root == nil || doc.Kind != yaml.DocumentNode {
		t.Errorf("DecodeStrict into a node: %v", err)
	}
	if _, err := DecodeStrict("n.yaml", []byte("a: *nowhere\n"), &doc); err == nil {
		t.Error("an unknown anchor decoded into a node")
	}
}
