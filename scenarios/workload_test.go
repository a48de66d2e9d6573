package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mqsim/capacity"
	"mqsim/scenarios/units"
)

func TestBuiltinWorkloadsLoad(t *testing.T) {
	names := Workloads()
	for _, want := range []string{"social-media", "partitions-100k", "iot-telemetry", "payments", "clickstream"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("built-in workload %q missing from %v", want, names)
		}
	}
	for _, n := range names {
		lw, err := LoadWorkload(n, nil)
		if err != nil {
			t.Errorf("LoadWorkload(%q): %v", n, err)
			continue
		}
		if lw.Name != n {
			t.Errorf("workload %q has name %q; the file name and the name field must match", n, lw.Name)
		}
	}
}

func TestSetOverrides(t *testing.T) {
	lw, err := LoadWorkload("social-media", []string{"retention=30d", "peak_factor=5x", "replication_factor=2"})
	if err != nil {
		t.Fatal(err)
	}
	if lw.Retention != 30*units.Day || lw.PeakFactor != 5 || lw.ReplicationFactor != 2 {
		t.Errorf("overrides not applied: retention %v, peak %v, rf %d", lw.Retention, lw.PeakFactor, lw.ReplicationFactor)
	}
	for _, c := range []struct{ set, field, msg string }{
		{"retention=30y", "retention", "not a valid duration"},
		{"nosuch=1", "nosuch", "no such field"},
		{"retention", "retention", "expected field=value"},
		{"replication_factor=three", "replication_factor", "expected a whole number"},
		{"messages_per_sec=5K/s", "messages_per_sec", "more than one way"},
	} {
		_, err := LoadWorkload("social-media", []string{c.set})
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != c.field || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("--set %s: error %v, want field %s and %q", c.set, err, c.field, c.msg)
		}
	}
}

const goodWorkload = `name: test
messages_per_sec: 10K/s
message_size: 500B
retention: 1d
`

// Every kind of bad input is an *InputError naming file, line and field.
func TestBadWorkloads(t *testing.T) {
	for _, c := range []struct {
		name, yaml string
		line       int
		field, msg string
	}{
		{"unknown field", goodWorkload + "retension: 7d\n", 5, "retension", "unknown field"},
		{"wrong type", goodWorkload + "replication_factor: three\n", 5, "replication_factor", "expected a whole number"},
		{"bad unit", "name: t\nmessages_per_sec: 10K/s\nmessage_size: 500Q\nretention: 1d\n", 3, "message_size", "not a valid size"},
		{"missing size", "name: t\nmessages_per_sec: 10K/s\nretention: 1d\n", 1, "message_size", "missing"},
		{"two rates", goodWorkload + "messages_per_day: 1B\n", 2, "messages_per_sec", "more than one way"},
		{"no rate", "name: t\nmessage_size: 500B\nretention: 1d\n", 1, "messages_per_sec", "missing"},
		{"negative", goodWorkload + "replication_factor: -1\n", 5, "replication_factor", "at least 1"},
		{"zero retention", "name: t\nmessages_per_sec: 10K/s\nmessage_size: 500B\nretention: 0\n", 4, "retention", "missing or zero"},
		{"NaN", "name: t\nmessages_per_sec: .nan\nmessage_size: 500B\nretention: 1d\n", 2, "messages_per_sec", "not"},
		{"Inf", "name: t\nmessages_per_sec: 10K/s\nmessage_size: 500B\nretention: 1d\npeak_factor: .inf\n", 5, "peak_factor", "not"},
		{"overflow bytes", goodWorkload + "disk_per_broker: 100000PB\n", 5, "disk_per_broker", "too large"},
		// 1000B/s is a trillion messages a second, past the 1B/s bound (the
		// 1 EB message size is reported too, on line 3).
		{"overflow total", "name: t\nmessages_per_sec: 1000B/s\nmessage_size: 1EB\nretention: 1d\n", 2, "messages_per_sec", "at most 1B/s"},
		{"list for scalar", goodWorkload + "headroom: [1, 2]\n", 5, "headroom", "expected a single value"},
		{"mapping top", "- a\n- b\n", 1, "", "expected a mapping"},
		{"not yaml", "name: [unclosed\n", 1, "", "not valid YAML"},
		{"tab indent", "name: t\n\tmessage_size: 5\n", 2, "", "not valid YAML"},
		{"two documents", goodWorkload + "---\nname: again\n", 5, "", "more than one YAML document"},
	} {
		_, err := ParseWorkload("w.yaml", []byte(c.yaml), nil)
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("%s: error %v (%T), want an *InputError", c.name, err, err)
			continue
		}
		if ie.File != "w.yaml" || ie.Line != c.line || ie.Field != c.field || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %q (line %d, field %q), want line %d, field %q, message containing %q", c.name, err, ie.Line, ie.Field, c.line, c.field, c.msg)
		}
	}
}

// Hostile files are refused quickly with a clear error, never a hang or a blow-up.
func TestHostileWorkloads(t *testing.T) {
	bomb := `a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]
`
	for _, c := range []struct {
		name string
		data []byte
		msg  string
	}{
		{"alias bomb", []byte(bomb), "alias"},
		{"deep nesting", []byte(strings.Repeat("[", 5000) + strings.Repeat("]", 5000)), ""},
		{"deep mapping", []byte(strings.Repeat("a:\n ", 1) + deepMap(3000)), ""},
		{"huge scalar", []byte("name: " + strings.Repeat("x", 900<<10) + "\n"), "longer than"},
		{"too large", []byte("name: x\n" + strings.Repeat("# pad\n", 200_000)), "larger than"},
		{"binary", []byte("\x00\x01\x02garbage\xff\xfe"), "binary"},
		{"invalid utf8", []byte("name: \xff\xfe\n"), "binary"},
		{"empty", []byte(""), "empty"},
		{"only comments", []byte("# nothing\n"), "empty"},
	} {
		start := time.Now()
		_, err := ParseWorkload("h.yaml", c.data, nil)
		if took := time.Since(start); took > time.Second {
			t.Errorf("%s: took %v, want under a second", c.name, took)
		}
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want an *InputError containing %q", c.name, err, c.msg)
		}
	}
}

func deepMap(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	return b.String()
}

func TestFileErrors(t *testing.T) {
	dir := t.TempDir()
	var ie *InputError
	if _, err := LoadWorkload(filepath.Join(dir, "missing.yaml"), nil); !errors.As(err, &ie) || !strings.Contains(err.Error(), "cannot open") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := LoadWorkload("no-such-workload", nil); !errors.As(err, &ie) || !strings.Contains(err.Error(), "built-in workloads:\n") {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := LoadWorkload(dir+"/", nil); !errors.As(err, &ie) || !strings.Contains(err.Error(), "directory") {
		t.Errorf("directory: %v", err)
	}
	p := filepath.Join(dir, "w.yaml")
	if err := os.WriteFile(p, []byte(goodWorkload), 0o644); err != nil {
		t.Fatal(err)
	}
	if lw, err := LoadWorkload(p, nil); err != nil || lw.Source != p {
		t.Errorf("LoadWorkload(file) = %v, %v", lw, err)
	}
}

// A workload with many mistakes reports all of them in one go — unknown
// fields, values that do not parse, zeros that would silently become
// defaults, out-of-range values and --set errors — each on its own line.
func TestWorkloadReportsEveryProblem(t *testing.T) {
	data := `name: many
messages_per_sec: 10K/s
message_size: 500Q
retension: 7d
replication_factor: 0
peak_factor: 0x
network_target: 0
headroom: [2]
disk_per_broker: 1B
consumer_throughput: 1e-300/s
compression_ratio: 0.5x
`
	_, err := ParseWorkload("w.yaml", []byte(data), []string{"disk_fill_target=lots"})
	if err == nil {
		t.Fatal("accepted a workload with ten mistakes")
	}
	want := []struct {
		line  int
		field string
		msg   string
	}{
		{3, "message_size", "not a valid size"},
		{4, "retension", "unknown field"},
		{5, "replication_factor", "is 0"},
		{6, "peak_factor", "is 0"},
		{7, "network_target", "is 0"},
		{8, "headroom", "expected a single value"},
		{9, "disk_per_broker", "at least 1 GB"},
		{10, "consumer_throughput", "at least"},
		{11, "compression_ratio", "at least 1x"},
		{0, "disk_fill_target", "not a valid ratio"},
	}
	errs := Errors(err)
	for _, w := range want {
		found := false
		for _, e := range errs {
			var ie *InputError
			if errors.As(e, &ie) && ie.Line == w.line && ie.Field == w.field && strings.Contains(ie.Msg, w.msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("no error on line %d, field %s, containing %q; got:\n%v", w.line, w.field, w.msg, err)
		}
	}
	// The missing retention is reported too (the misspelt key does not
	// count), and no field is reported twice.
	if !strings.Contains(err.Error(), "retention: missing") {
		t.Errorf("missing retention not reported:\n%v", err)
	}
	seen := map[string]bool{}
	for _, e := range errs {
		var ie *InputError
		if errors.As(e, &ie) {
			if seen[ie.Field] {
				t.Errorf("field %s reported twice:\n%v", ie.Field, err)
			}
			seen[ie.Field] = true
		}
	}
}

// A zero stated in a file or with --set is refused, not silently replaced
// by the default (replication_factor: 0 used to size for RF 3).
func TestWorkloadExplicitZeros(t *testing.T) {
	for _, c := range []struct{ line, field string }{
		{"replication_factor: 0", "replication_factor"},
		{"peak_factor: 0x", "peak_factor"},
		{"network_target: 0", "network_target"},
		{"headroom: 0x", "headroom"},
		{"disk_fill_target: 0%", "disk_fill_target"},
		{"consumer_groups: 0", "consumer_groups"},
		{"recommended_disk_fill: 0%", "recommended_disk_fill"},
	} {
		_, err := ParseWorkload("w.yaml", []byte(goodWorkload+c.line+"\n"), nil)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != c.field || ie.Line != 5 || !strings.Contains(ie.Msg, "is 0") {
			t.Errorf("%s: error %v, want w.yaml:5 naming %s as 0", c.line, err, c.field)
		}
		field, value, _ := strings.Cut(c.line, ": ")
		_, err = ParseWorkload("w.yaml", []byte(goodWorkload), []string{field + "=" + value})
		if !errors.As(err, &ie) || ie.Field != c.field || !strings.Contains(ie.Msg, "is 0") {
			t.Errorf("--set %s=%s: error %v, want it refused", field, value, err)
		}
	}
	// Custom tags and merge keys are refused, not silently ignored.
	for _, extra := range []string{"headroom: !foo 2x", "headroom: !!python/object:os.system 2x", "~: 1", "<<: {headroom: 2x}"} {
		_, err := ParseWorkload("w.yaml", []byte(goodWorkload+extra+"\n"), nil)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Line != 5 {
			t.Errorf("%s: error %v, want it refused on line 5", extra, err)
		}
	}
	// A duplicated key is refused rather than the last one silently winning.
	_, err := ParseWorkload("w.yaml", []byte(goodWorkload+"retention: 2d\n"), nil)
	var ie *InputError
	if !errors.As(err, &ie) || ie.Line != 5 || ie.Field != "retention" {
		t.Errorf("duplicate key: %v", err)
	}
}

// The reported overflows, through the loader: exit-2 material naming the
// file, line and field.
func TestWorkloadOverflowNamesField(t *testing.T) {
	for _, c := range []struct {
		extra, field, msg string
	}{
		{"peak_factor: 1e300x", "peak_factor", "at most 1000x"},
		{"consumer_throughput: 1e-300/s", "consumer_throughput", "at least"},
		{"disk_per_broker: 1B", "disk_per_broker", "at least 1 GB"},
		{"partition_throughput: 0.001/s\npeak_factor: 2x", "partition_throughput", "partitions"}, // 20K/s ÷ 0.001/s = 2e7
	} {
		_, err := ParseWorkload("w.yaml", []byte(goodWorkload+c.extra+"\n"), nil)
		var ie *InputError
		if !errors.As(err, &ie) || ie.File != "w.yaml" || ie.Line != 5 || ie.Field != c.field || !strings.Contains(ie.Msg, c.msg) {
			t.Errorf("%s: error %v, want w.yaml:5: %s: …%s…", c.extra, err, c.field, c.msg)
		}
	}
}

// FuzzParseWorkload: any bytes either load as a workload that sizes within
// the bounds and turns into a valid scenario (or is refused as too large
// to simulate), or are refused with *InputErrors naming the file — never a
// panic, never a plan that overflowed. Run longer with
// go test ./scenarios -run '^$' -fuzz FuzzParseWorkload -fuzztime 5m.
func FuzzParseWorkload(f *testing.F) {
	f.Add([]byte(goodWorkload))
	for _, n := range Workloads() {
		data, err := workloadFS.ReadFile("workloads/" + n + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, extra := range []string{
		"peak_factor: 1e300x", "consumer_throughput: 1e-300/s", "disk_per_broker: 1B", "replication_factor: 0",
		"peak_factor: 0x", "network_target: 0", "headroom: [1]", "~: 1", "retention: !foo 1d", "message_size: 1EB",
		"partition_throughput: 0.001/s\npeak_factor: 1000x", "retention: 36500d\nmessages_per_sec: 1B/s",
	} {
		f.Add([]byte(goodWorkload + extra + "\n"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lw, err := ParseWorkload("f.yaml", data, nil)
		if err != nil {
			for _, e := range Errors(err) {
				var ie *InputError
				if !errors.As(e, &ie) || ie.File != "f.yaml" {
					t.Fatalf("error %v (%T) does not name the file", e, e)
				}
			}
			return
		}
		p, err := capacity.Compute(lw.Workload)
		if err != nil {
			t.Fatalf("a workload that loaded does not size: %v", err)
		}
		if p.Brokers < 1 || p.Recommended.Brokers > capacity.MaxBrokers || p.Partitions < 1 || p.Recommended.Partitions > capacity.MaxPartitions {
			t.Fatalf("plan out of bounds: %d/%d brokers, %d/%d partitions", p.Brokers, p.Recommended.Brokers, p.Partitions, p.Recommended.Partitions)
		}
		if _, _, err := FromPlan(p, PlanOptions{}); err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(ie.Msg, "too large to simulate") {
				t.Fatalf("FromPlan: %v", err)
			}
		}
	})
}
