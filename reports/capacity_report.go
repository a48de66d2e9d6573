package reports

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"gonum.org/v1/plot/vg"

	"mqsim/capacity"
)

// CapacityReport writes a sizing report into dir: plan.json, report.md,
// report.html (self-contained, the chart inlined as SVG), and the
// sensitivity chart as sizing.png and sizing.svg. command is the command
// line that reproduces it.
func CapacityReport(dir string, p *capacity.Plan, command string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	charts := CapacityCharts(p.Workload)
	svg, err := RenderCharts("svg", charts, 2, 12*vg.Inch, 5*vg.Inch)
	if err != nil {
		return err
	}
	pngData, err := RenderCharts("png", charts, 2, 12*vg.Inch, 5*vg.Inch)
	if err != nil {
		return err
	}
	var js, md bytes.Buffer
	if err := JSON(&js, p); err != nil {
		return err
	}
	if err := CapacityMarkdown(&md, p); err != nil {
		return err
	}
	fmt.Fprintf(&md, "\n### Sensitivity\n\n![Brokers by constraint as retention grows; partitions as the peak grows](sizing.png)\n\n### Reproduce\n\n```sh\n%s\n```\n", command)
	page, err := HTML(capacityPage(p, svg, command))
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{
		"plan.json": js.Bytes(), "report.md": md.Bytes(), "report.html": page,
		"sizing.svg": svg, "sizing.png": pngData,
	} {
		if err := WriteFileAtomic(filepath.Join(dir, name), data); err != nil {
			return err
		}
	}
	return nil
}

func capacityPage(p *capacity.Plan, svg []byte, command string) Page {
	name := p.Workload.Name
	if name == "" {
		name = "workload"
	}
	rows := Table{Header: []string{"Quantity", "Formula", "Value", "Recommended", "Why"}, Numeric: []bool{false, false, true, true, false}}
	for _, r := range p.Rows {
		formula := r.Formula
		if r.RecommendedFormula != "" {
			formula += "; recommended: " + r.RecommendedFormula
		}
		rows.Rows = append(rows.Rows, []string{r.Quantity, formula, r.Human, r.RecommendedHuman, r.Why})
	}
	rec := p.Recommended
	cons := Table{
		Header:  []string{"Constraint", "Brokers needed", fmt.Sprintf("Use at %d brokers", p.Brokers), "With margins", fmt.Sprintf("Use at %d brokers", rec.Brokers)},
		Numeric: []bool{false, true, true, true, true},
	}
	for i, c := range p.Constraints {
		rc := rec.Constraints[i]
		cons.Rows = append(cons.Rows, []string{c.Name, trim2(c.Exact), roomText(c, p.BindingConstraint), trim2(rc.Exact), roomText(rc, rec.BindingConstraint)})
	}
	return Page{
		Title:    "Capacity plan: " + name,
		Subtitle: p.Workload.Description,
		Command:  command,
		Sections: []Section{
			{Heading: "Result", Paragraphs: verdictLines(p), Tables: []Table{cons}},
			{Heading: "The back-of-envelope", Tables: []Table{rows}},
			{Heading: "Sensitivity", Figures: []Figure{{SVG: svg, Caption: "Brokers needed by each constraint as retention grows from 1 to 30 days; partitions as the peak factor grows."}}},
		},
	}
}
