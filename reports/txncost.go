package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"gonum.org/v1/plot/vg"

	"mqsim/model/txncost"
	"mqsim/scenarios/units"
)

// TxnCostText writes the transaction-cost grid as one table: per commit
// interval × record size, the stage's throughput with and without
// transactions, the share lost, the commits and markers per second, and
// the end-to-end latency the transactions add against half the interval.
func TxnCostText(w io.Writer, r *txncost.Result) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Transaction cost (%s): the stage fed %.0f%% past its capacity, with and without transactions\n\n", r.Scenario, (txncost.Overload-1)*100)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "interval\tsize\tat-least-once/s\texactly-once/s\tthroughput lost\tcommits/s\tmarkers/s\tadded e2e p50\thalf interval\t")
	for _, c := range r.Cells {
		base := r.Base[sizeIndex(r, c.Size)]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.1f%%\t%.3g\t%.3g\t%s\t%s\t\n", c.Interval, c.Size,
			units.FormatSI(base.Throughput), units.FormatSI(c.Txn.Throughput), 100*c.ThroughputLoss,
			float64(c.Txn.Commits)/c.Txn.Seconds, float64(c.Txn.Markers)/c.Txn.Seconds,
			txnMillis(c.AddedLatency), txnMillis(c.Interval.Seconds()*500))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString("\nThroughput: the stage's processed records/s over the last quarter of each run (it runs flat out).\n" +
		"Added e2e p50: how much longer a record's output waits for the reader than without transactions\n" +
		"(reader's median end to end minus the stage's, exactly-once minus at-least-once): about half\n" +
		"the interval plus the commit's round trips; every commit is AddOffsetsToTxn, TxnOffsetCommit\n" +
		"and EndTxn round trips, two replicated __transaction_state writes and a marker per partition.\n")
	_, err := w.Write(b.Bytes())
	return err
}

func sizeIndex(r *txncost.Result, s units.Bytes) int {
	for i, x := range r.Sizes {
		if x == s {
			return i
		}
	}
	return 0
}

func txnMillis(ms float64) string {
	switch {
	case ms >= 1000:
		return fmt.Sprintf("%.2fs", ms/1000)
	case ms >= 10 || ms <= -10:
		return fmt.Sprintf("%.0fms", ms)
	}
	return fmt.Sprintf("%.1fms", ms)
}

// TxnCostCharts are the grid's two panels, one line per record size
// against the commit interval: the throughput exactly-once keeps (% of
// the pipeline without transactions) and the end-to-end latency it adds.
func TxnCostCharts(r *txncost.Result) []Chart {
	thr := Chart{Title: "Throughput kept at the maximum", XLabel: "commit interval", YLabel: "% of at-least-once", LogX: true, XMillis: true}
	lat := Chart{Title: "End-to-end latency added (median)", XLabel: "commit interval", YLabel: "added", LogX: true, XMillis: true, YMillis: true, AutoLogY: true}
	for si, size := range r.Sizes {
		st := Series{Name: size.String() + " records", Color: si + 1, Thick: true}
		sl := Series{Name: size.String() + " records", Color: si + 1, Thick: true}
		for _, c := range r.Cells {
			if c.Size != size {
				continue
			}
			x := c.Interval.Seconds() * 1000
			st.X, st.Y = append(st.X, x), append(st.Y, 100*(1-c.ThroughputLoss))
			sl.X, sl.Y = append(sl.X, x), append(sl.Y, max(c.AddedLatency, 0.1))
		}
		thr.Series = append(thr.Series, st)
		lat.Series = append(lat.Series, sl)
	}
	half := Series{Name: "half the interval", Color: 7, Dashed: true}
	for _, iv := range uniqueIntervals(r) {
		x := iv.Seconds() * 1000
		half.X, half.Y = append(half.X, x), append(half.Y, x/2)
	}
	lat.Series = append(lat.Series, half)
	zero := 0.0
	thr.YMin = &zero
	return []Chart{thr, lat}
}

func uniqueIntervals(r *txncost.Result) []units.Duration {
	var out []units.Duration
	for _, c := range r.Cells {
		if len(out) == 0 || out[len(out)-1] != c.Interval {
			out = append(out, c.Interval)
		}
	}
	return out
}

// WriteTxnCost writes the grid into dir: transaction-cost.txt (the
// table), transaction-cost.png and .svg (the plot) and
// transaction-cost.json; it returns the paths written.
func WriteTxnCost(dir string, r *txncost.Result) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	var text bytes.Buffer
	if err := TxnCostText(&text, r); err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{"transaction-cost.txt", text.Bytes()}, {"transaction-cost.json", append(js, '\n')}} {
		p := filepath.Join(dir, f.name)
		if err := WriteFileAtomic(p, f.data); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	for _, ext := range []string{".png", ".svg"} {
		p := filepath.Join(dir, "transaction-cost"+ext)
		if err := SaveCharts(p, TxnCostCharts(r), 2, 12*vg.Inch, 5*vg.Inch); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}
