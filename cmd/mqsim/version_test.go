package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionFrom(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	for _, c := range []struct {
		override string
		bi       *debug.BuildInfo
		want     string
	}{
		{"", &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Path: "mqsim", Version: "v1.2.0"}, Settings: vcs},
			"v1.2.0 (revision 0123456789ab, modified, 2026-12-01T10:00:00Z) go1.26.1 linux/amd64"},
		{"", &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Path: "mqsim", Version: "(devel)"}, Settings: vcs[:2]},
			"devel (revision 0123456789ab) go1.26.1 linux/amd64"},
		{"v9.9.9", &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Path: "mqsim", Version: "v1.2.0"}},
			"v9.9.9 go1.26.1 linux/amd64"},
		{"", nil, "devel linux/amd64"},
	} {
		if got := versionFrom(c.override, c.bi, "linux/amd64"); got != c.want {
			t.Errorf("versionFrom(%q, %+v) = %q, want %q", c.override, c.bi, got, c.want)
		}
	}
}

// 'mqsim version' and 'mqsim --version' print the same line, which names
// the Go version this test binary was built with.
func TestVersionCommandAndFlag(t *testing.T) {
	bi, _ := debug.ReadBuildInfo()
	var outs []string
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, errs := run(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		if !strings.HasPrefix(out, "mqsim ") || !strings.Contains(out, bi.GoVersion) {
			t.Errorf("%v printed %q, want mqsim VERSION … %s", args, out, bi.GoVersion)
		}
		outs = append(outs, out)
	}
	if outs[0] != outs[1] {
		t.Errorf("version printed %q, --version %q", outs[0], outs[1])
	}
}
