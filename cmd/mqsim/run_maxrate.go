package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"mqsim/model/verify"
	"mqsim/reports"
	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// runMaxRate plays a benchmark workload whose producerRate is 0 as the
// benchmark does: it searches for the highest rate the cluster sustains
// (the search of `capacity --headroom`, each probe within its work
// budget) and reports that rate and the run at it, in the benchmark's
// terms.
func runMaxRate(stdout, stderr io.Writer, name string, jobs []job, o runOptions) error {
	if o.seeds != 0 {
		return badInput(errors.New("--seeds with producerRate 0: the search runs one seed; give the workload a rate to replicate it"))
	}
	if o.dataDir != "" {
		return badInput(errors.New("--data-dir with producerRate 0: the search's probes run in memory; give the workload a rate to keep its logs"))
	}
	var best []*reports.Run
	var results []maxRateDoc
	var text bytes.Buffer
	for _, j := range jobs {
		load := func(extra []string) (*scenarios.LoadedScenario, error) {
			return o.in.loadScenario(name, append(j.o.runSets(), extra...))
		}
		h, err := verify.MaxRate(load, j.ls, scenarios.OMBSearchStart)
		if err != nil {
			return badInput(err)
		}
		if h.Best == nil {
			return withExit(exitCheck, fmt.Errorf("producerRate 0: the cluster sustains none of the rates probed (down to %s)", units.Rate(h.FailsAt)))
		}
		cmd := reproduceCommand(j.ls, o)
		r := &reports.Run{Results: h.Best.Results, Scenario: &h.Best.Scenario.Scenario, Label: j.label, Command: cmd,
			Expectations: scenarios.Evaluate(h.Best.Scenario.Expect, h.Best.Results)}
		best = append(best, r)
		size := 0.0
		if len(j.ls.Producers) > 0 {
			size = j.ls.Producers[0].MessageSize.Mean()
		}
		results = append(results, maxRateDoc{Variant: j.label, Rate: h.HoldsTo, BytesPerSec: h.HoldsTo * size, Search: h})
		if j.label != "" {
			fmt.Fprintf(&text, "Variant %s\n", j.label)
		}
		if err := reports.MaxRateText(&text, j.ls.Name, h, size); err != nil {
			return err
		}
		text.WriteString("\n")
	}
	var err error
	switch o.output {
	case outOMB:
		err = writeOMB(stdout, best)
	case outJSON:
		err = reports.JSON(stdout, results)
	case outYAML:
		err = reports.YAML(stdout, results)
	default:
		_, err = stdout.Write(bytes.TrimRight(text.Bytes(), "\n"))
		fmt.Fprintln(stdout)
	}
	if err != nil {
		return err
	}
	if o.out != "" {
		paths, err := reports.WriteReview(o.out, reports.Review{Runs: best, Command: jobs[0].reviewCmd})
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %d files (the run at the highest sustainable rate); open %s\n", len(paths), filepath.Join(o.out, "report.html"))
	}
	return nil
}

type maxRateDoc struct {
	Variant     string                 `json:"variant,omitempty"`
	Rate        float64                `json:"max_sustainable_rate"`
	BytesPerSec float64                `json:"max_sustainable_bytes_per_sec"`
	Search      *verify.HeadroomResult `json:"search"`
}
