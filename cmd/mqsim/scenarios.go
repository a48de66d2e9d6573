package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"mqsim/reports"
	"mqsim/scenarios"
)

func newScenariosCmd() *cobra.Command {
	var profiles, faults bool
	var output string
	cmd := &cobra.Command{
		Use:   "scenarios",
		Short: "List the built-in scenarios and the lesson each one teaches",
		Long: `List the built-in scenarios, each with the lesson it teaches in one line.
Run one with 'mqsim run NAME'. With --profiles, list the named hardware
profiles a scenario's cluster.profile can pick instead; with --faults, the
fault types a scenario's faults list can use.`,
		Example: `  mqsim scenarios
  mqsim scenarios --profiles
  mqsim scenarios --faults
  mqsim scenarios -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(&output); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			switch {
			case profiles && faults:
				return badInput(fmt.Errorf("--profiles and --faults are separate lists; give one"))
			case profiles && output == outTable:
				return listProfiles(w)
			case profiles:
				return writeList(w, output, profileList())
			case faults && output == outTable:
				return listFaults(w)
			case faults:
				return writeList(w, output, faultList())
			case output == outTable:
				return listScenarios(w)
			}
			l, err := scenarioList()
			if err != nil {
				return err
			}
			return writeList(w, output, l)
		},
	}
	cmd.Flags().BoolVar(&profiles, "profiles", false, "list the hardware profiles instead")
	cmd.Flags().BoolVar(&faults, "faults", false, "list the fault types instead")
	addOutputFlag(cmd, &output)
	return cmd
}

// list is a listing for the json, yaml and markdown formats: the items
// as documents, and the same as a table.
type list struct {
	title  string
	items  any
	header []string
	rows   [][]string
}

func writeList(w io.Writer, output string, l list) error {
	switch output {
	case outJSON:
		return reports.JSON(w, l.items)
	case outYAML:
		return reports.YAML(w, l.items)
	}
	return reports.PageMarkdown(w, reports.Page{Title: "mqsim",
		Sections: []reports.Section{{Heading: l.title, Tables: []reports.Table{{Header: l.header, Rows: l.rows}}}}})
}

func scenarioList() (list, error) {
	type item struct {
		Name        string `json:"name"`
		Lesson      string `json:"lesson"`
		Description string `json:"description"`
	}
	l := list{title: "Built-in scenarios", header: []string{"scenario", "lesson"}}
	var items []item
	for _, n := range scenarios.Scenarios() {
		ls, err := scenarios.LoadScenario(n, nil)
		if err != nil {
			return l, err
		}
		it := item{n, firstSentence(ls.Description), ls.Description}
		items = append(items, it)
		l.rows = append(l.rows, []string{n, it.Lesson})
	}
	l.items = items
	return l, nil
}

func profileList() list {
	type item struct {
		Name     string                    `json:"name"`
		Doc      string                    `json:"doc"`
		Hardware *scenarios.Hardware       `json:"hardware,omitempty"`
		Client   *scenarios.ClientHardware `json:"client_hardware,omitempty"`
		Sources  []string                  `json:"sources"`
	}
	l := list{title: "Hardware profiles", header: []string{"profile", "what it is", "hardware"}}
	var items []item
	for _, p := range scenarios.Profiles() {
		h := p.Hardware
		items = append(items, item{Name: p.Name, Doc: p.Doc, Hardware: &h, Sources: p.Sources})
		l.rows = append(l.rows, []string{p.Name, p.Doc, profileHardware(h)})
	}
	for _, p := range scenarios.ClientProfiles() {
		ch := p.Hardware
		items = append(items, item{Name: p.Name, Doc: "client host: " + p.Doc, Client: &ch, Sources: p.Sources})
		l.rows = append(l.rows, []string{p.Name, "client host: " + p.Doc, clientHardware(p.Hardware)})
	}
	for _, c := range scenarios.Codecs[1:] {
		items = append(items, item{Name: "codec " + c.Name, Doc: fmt.Sprintf("compresses %g MB/s, decompresses %g MB/s per core", c.CompressMBs, c.DecompressMBs), Sources: []string{c.Source}})
		l.rows = append(l.rows, []string{"codec " + c.Name, "compression codec", fmt.Sprintf("compresses %g MB/s, decompresses %g MB/s per core (%s)", c.CompressMBs, c.DecompressMBs, c.Source)})
	}
	l.items = items
	return l
}

func faultList() list {
	type item struct {
		Type     string   `json:"type"`
		Target   string   `json:"target"`
		Params   []string `json:"params"`
		Required []string `json:"required,omitempty"`
		Doc      string   `json:"doc"`
	}
	l := list{title: "Fault types", header: []string{"fault", "target", "parameters", "what it does"}}
	var items []item
	for _, n := range scenarios.FaultTypeNames() {
		r := scenarios.FaultTypes[n]
		target := r.Target
		if target == "" {
			target = "cluster"
		}
		items = append(items, item{n, target, append([]string{}, r.Params...), r.Required, r.Doc})
		l.rows = append(l.rows, []string{n, target, strings.Join(r.Params, ", "), r.Doc})
	}
	l.items = items
	return l
}

func listScenarios(w io.Writer) error {
	var entries []reports.ListEntry
	for _, n := range scenarios.Scenarios() {
		ls, err := scenarios.LoadScenario(n, nil)
		if err != nil {
			return err
		}
		entries = append(entries, reports.ListEntry{Name: n, Lines: []string{firstSentence(ls.Description)}})
	}
	return reports.ListText(w, entries, reports.TextStyle{Width: termWidth(w)})
}

func listProfiles(w io.Writer) error {
	var entries []reports.ListEntry
	for _, p := range scenarios.Profiles() {
		h := p.Hardware
		lines := []string{p.Doc, profileHardware(h)}
		for _, s := range p.Sources {
			lines = append(lines, "source: "+s)
		}
		entries = append(entries, reports.ListEntry{Name: p.Name, Lines: lines})
	}
	for _, p := range scenarios.ClientProfiles() {
		lines := []string{"client host (client_profile): " + p.Doc, clientHardware(p.Hardware)}
		for _, s := range p.Sources {
			lines = append(lines, "source: "+s)
		}
		entries = append(entries, reports.ListEntry{Name: p.Name, Lines: lines})
	}
	for _, c := range scenarios.Codecs[1:] {
		entries = append(entries, reports.ListEntry{Name: "codec " + c.Name, Lines: []string{
			fmt.Sprintf("compresses %g MB/s, decompresses %g MB/s per core; source: %s", c.CompressMBs, c.DecompressMBs, c.Source)}})
	}
	return reports.ListText(w, entries, reports.TextStyle{Width: termWidth(w)})
}

// listFaults prints each fault type with its target, parameters and what it does.
func listFaults(w io.Writer) error {
	var entries []reports.ListEntry
	for _, n := range scenarios.FaultTypeNames() {
		r := scenarios.FaultTypes[n]
		target := r.Target
		if target == "" {
			target = "cluster"
		}
		params := "no parameters"
		if len(r.Params) > 0 {
			params = "takes " + strings.Join(r.Params, ", ")
		}
		entries = append(entries, reports.ListEntry{Name: n, Lines: []string{"target: " + target + "; " + params, r.Doc}})
	}
	return reports.ListText(w, entries, reports.TextStyle{Width: termWidth(w)})
}

func workloadList() (list, error) {
	type item struct {
		Name        string `json:"name"`
		Summary     string `json:"summary"`
		Description string `json:"description"`
	}
	l := list{title: "Built-in workloads", header: []string{"workload", "what it sizes"}}
	var items []item
	for _, n := range scenarios.Workloads() {
		lw, err := scenarios.LoadWorkload(n, nil)
		if err != nil {
			return l, err
		}
		it := item{n, firstSentence(lw.Description), strings.TrimSpace(lw.Description)}
		items = append(items, it)
		l.rows = append(l.rows, []string{n, it.Summary})
	}
	l.items = items
	return l, nil
}

// profileHardware is one line of a profile's numbers.
func profileHardware(h scenarios.Hardware) string {
	return fmt.Sprintf("NIC %v in / %v out, disk %v write / %v read, %d request threads, latency %v ± %v; "+
		"page cache %v (dirty limit %v, write-back from %v, expire %v, flusher every %v), fsync %s",
		h.NICIn, h.NICOut, h.DiskWrite, h.DiskRead, h.CPUThreads, h.NetworkLatency, h.NetworkJitter,
		h.PageCache, h.DirtyRatio, h.DirtyBackgroundRatio, h.DirtyExpire, h.DirtyWriteback, h.FsyncLatency.Spec)
}

// clientHardware is one line of a client profile's numbers.
func clientHardware(h scenarios.ClientHardware) string {
	return fmt.Sprintf("NIC %v each way, %d cores; CPU %v per request, %v per record, %v per MB (copy, CRC-32C), plus the codec's",
		h.NIC, h.Cores, h.CPUPerRequest, h.CPUPerRecord, h.CPUPerMB)
}
