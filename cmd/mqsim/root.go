package main

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Exit codes, documented in the root help and the README.
const (
	exitOK       = 0
	exitInternal = 1 // a bug or an I/O failure
	exitBadInput = 2 // bad input or usage
	exitCheck    = 3 // a scenario's expectations failed, or a log failed verification
)

// exitError carries the process exit code for an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// badInput marks err as the user's input being wrong (exit 2).
func badInput(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: exitBadInput, err: err}
}

// withExit marks err with an explicit exit code.
func withExit(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// exitCode maps an error to the process exit code.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitInternal
}

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// it comes from the module's build information.
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v := bi.Main.Version
		rev := ""
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = s.Value[:12]
			}
		}
		if v == "" || v == "(devel)" {
			v = "devel"
		}
		if rev != "" {
			v += " (" + rev + ")"
		}
		return v + " " + bi.GoVersion
	}
	return "devel"
}

const rootLong = `mqsim sizes message-queue and event-streaming clusters and simulates what
happens to them: lag, latency percentiles, and messages lost, duplicated or
reordered when consumers are slow, messages are poison or brokers fail.

Exit codes:
  0  success
  1  internal failure (a bug, or an I/O error writing output)
  2  bad input or usage (the message names the file, line and field)
  3  a check failed: a scenario's expect assertions, a --replay that differs,
     or 'log verify' found corruption`

const rootExample = `  # Simulate the baseline scenario, then a broker failure with acks=1 and acks=all
  mqsim run
  mqsim run broker-failure --vary acks=1,all --out review/   # open review/report.html

  # The built-in scenarios and their lessons; check your own file
  mqsim scenarios
  mqsim validate my-scenario.yaml

  # Size the seed's social-media example (500M DAU x 20 events/day), or your workload
  mqsim capacity
  mqsim capacity my-workload.yaml --set retention=30d --output json

  # Practise a system-design interview
  mqsim interview social-media`

// newRootCmd builds the command tree. Streams are injected so tests can run
// commands in-process.
func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "mqsim",
		Short:         "Size and simulate message queues and event-streaming systems",
		Long:          rootLong,
		Example:       rootExample,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return badInput(fmt.Errorf("%w (see '%s --help')", err, c.CommandPath()))
	})
	root.AddCommand(
		newVersionCmd(),
		newCapacityCmd(),
	)
	for _, c := range extraCommands {
		root.AddCommand(c())
	}
	return root
}

// extraCommands lets command files register themselves in init without
// editing the root: each entry builds one top-level command.
var extraCommands []func() *cobra.Command

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of mqsim",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "mqsim", buildVersion())
			return err
		},
	}
}

// execute runs the command line and returns the process exit code. Errors
// raised before a command's RunE starts (unknown command or flag, wrong number
// of arguments) are usage errors: exit 2.
func execute(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stdin, stdout, stderr)
	started := false
	root.PersistentPreRun = func(*cobra.Command, []string) { started = true }
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	if !started && code == exitInternal {
		code = exitBadInput
	}
	fmt.Fprintln(stderr, "mqsim:", err)
	return code
}
