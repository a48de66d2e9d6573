package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"mqsim/reports"
)

func init() {
	extraCommands = append(extraCommands, newCompareCmd)
	// A version stamped in at link time is what results.json records.
	reports.ReleaseVersion = version
}

type compareOptions struct {
	output string
	out    string
	force  bool
	color  bool
	width  int
	args   []string
}

func newCompareCmd() *cobra.Command {
	var o compareOptions
	cmd := &cobra.Command{
		Use:   "compare DIR|results.json ...",
		Short: "Compare saved runs side by side: one column per run, overlay plots",
		Long: `Compare runs saved with 'mqsim run --out DIR': one table with a column per
run (delivery, latency, lag, throughput, replication, expectations) and,
with --out, a report with overlay plots (one line per run).

Each argument is a results.json, a directory holding one, or a directory
written by 'mqsim run --vary … --out DIR' (its variants, in name order).
Runs are labelled by their variant, or else by their directory's name.`,
		Example: `  mqsim run broker-failure --set producers.*.acks=1 --out runs/acks1
  mqsim run broker-failure --out runs/acksall
  mqsim compare runs/acks1 runs/acksall --out review/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.args = append([]string{"mqsim", "compare"}, args...)
			if o.out != "" {
				o.args = append(o.args, "--out", o.out)
			}
			o.color = colorOK(cmd.OutOrStdout())
			o.width = termWidth(cmd.OutOrStdout())
			return runCompare(cmd.OutOrStdout(), cmd.ErrOrStderr(), args, o)
		},
	}
	f := cmd.Flags()
	addOutputFlag(cmd, &o.output)
	f.StringVar(&o.out, "out", "", "also write a comparison report into DIR (report.html, report.md, overlay plots)")
	f.BoolVar(&o.force, "force", false, "replace an earlier report in the --out directory (atomically)")
	return cmd
}

// savedPaths expands one argument into results.json files.
func savedPaths(arg string) ([]string, error) {
	if arg == "-" { // standard input
		return []string{arg}, nil
	}
	st, err := os.Stat(arg)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{arg}, nil
	}
	if p := filepath.Join(arg, "results.json"); fileExists(p) {
		return []string{p}, nil
	}
	subs, err := filepath.Glob(filepath.Join(arg, "*", "results.json"))
	if err != nil {
		return nil, err
	}
	if len(subs) == 0 {
		return nil, fmt.Errorf("%s: no results.json in it or in its sub-directories (write one with 'mqsim run --out %s')", arg, arg)
	}
	sort.Strings(subs)
	return subs, nil
}

// termWidth is the width text output to w fits: the terminal's, or 0 (the
// reports' default of 80 columns) when w is not a terminal.
func termWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	cols, _, err := term.GetSize(int(f.Fd()))
	if err != nil || cols < 20 {
		return 0
	}
	return cols
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func runCompare(stdout, stderr io.Writer, args []string, o compareOptions) error {
	if err := checkOutput(&o.output); err != nil {
		return err
	}
	if o.out != "" {
		if err := reports.CheckReviewDir(o.out, o.force); err != nil {
			return badInput(fmt.Errorf("--out: %w", err))
		}
	}
	var runs []*reports.Run
	var files []string
	for _, a := range args {
		paths, err := savedPaths(a)
		if err != nil {
			return badInput(err)
		}
		for _, p := range paths {
			r, err := loadComparable(p)
			if err != nil {
				return badInput(err)
			}
			runs = append(runs, r)
			files = append(files, p)
		}
	}
	reports.LabelSaved(runs, files)
	cmd := shellJoin(o.args)
	var err error
	switch {
	case o.output == outJSON:
		err = reports.RunsJSON(stdout, runs)
	case o.output == outYAML:
		err = writeYAML(stdout, func(w io.Writer) error { return reports.RunsJSON(w, runs) })
	case o.output == "markdown":
		err = reports.PageMarkdown(stdout, reports.Review{Runs: runs, Command: cmd}.Page(nil))
	case len(runs) == 1:
		err = reports.RunTextStyled(stdout, runs[0], reports.TextStyle{Color: o.color, Width: o.width})
	default:
		err = reports.CompareText(stdout, runs, reports.TextStyle{Color: o.color, Width: o.width})
	}
	if err != nil {
		return err
	}
	if o.out != "" {
		paths, err := reports.WriteReview(o.out, reports.Review{Runs: runs, Command: cmd})
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %d files; open %s\n", len(paths), filepath.Join(o.out, "report.html"))
	}
	return nil
}
