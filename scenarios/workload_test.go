package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
		{"overflow total", "name: t\nmessages_per_sec: 1000B/s\nmessage_size: 1EB\nretention: 1d\n", 4, "retention", "overflows"},
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
