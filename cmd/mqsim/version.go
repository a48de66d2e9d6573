package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// it comes from the module's build information.
var version = ""

// buildVersion is what 'mqsim version' and 'mqsim --version' print after
// the name: the module version and the VCS revision the binary was built
// from, as the Go toolchain recorded them.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return versionFrom(version, bi, runtime.GOOS+"/"+runtime.GOARCH)
}

// versionFrom formats a version line: "v1.2.0 (revision 0123456789ab,
// modified, 2026-12-01T10:00:00Z) go1.26 linux/amd64". override, when set,
// replaces the module version; a binary built outside a module or VCS
// checkout says "devel" and leaves out what it does not know.
func versionFrom(override string, bi *debug.BuildInfo, platform string) string {
	v := override
	if bi == nil {
		if v == "" {
			v = "devel"
		}
		return v + " " + platform
	}
	if v == "" {
		v = bi.Main.Version
	}
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev, when string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " (revision " + rev
		if modified {
			v += ", modified"
		}
		if when != "" {
			v += ", " + when
		}
		v += ")"
	}
	return v + " " + bi.GoVersion + " " + platform
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of mqsim: module version, VCS revision, Go version",
		Long: `Print mqsim's module version and the VCS revision it was built from (with
"modified" when the checkout had uncommitted changes), then the Go version
and platform. 'mqsim --version' prints the same line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "mqsim", buildVersion())
			return err
		},
	}
}
