package reports

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"

	"mqsim/model"
)

// TimeseriesCSV writes a run's time series as CSV: one row per sample
// interval, a time_s column (the end of the interval, in simulated seconds)
// and one column per series, named as in model.Series. A cell with no data
// — a latency quantile of an interval in which nothing was processed (see
// WithGaps) — is empty, never 0.
func TimeseriesCSV(w io.Writer, s *model.Series) error {
	s = WithGaps(s)
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	header := make([]string, 0, len(s.Columns)+1)
	header = append(header, "time_s")
	for _, c := range s.Columns {
		header = append(header, Clean(c.Name))
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	row := make([]string, len(header))
	for i, t := range s.Time {
		row[0] = strconv.FormatFloat(t, 'f', -1, 64)
		for j, c := range s.Columns {
			if i < len(c.Values) && !math.IsNaN(c.Values[i]) {
				row[j+1] = strconv.FormatFloat(c.Values[i], 'g', 10, 64)
			} else {
				row[j+1] = ""
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("timeseries.csv: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}
