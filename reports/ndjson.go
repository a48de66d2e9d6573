package reports

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"strings"

	"mqsim/model"
)

// The time series as newline-delimited JSON (timeseries.ndjson in a
// review): one object per sample interval, keys in column order, for
// pandas.read_json(path, lines=True) and log pipelines. Column names are
// those of timeseries.csv with "/" replaced by "." (consumed_per_s/billing
// becomes consumed_per_s.billing), so every name is a plain field name.
// A cell with no data (see WithGaps) is null. The units of each column are
// in timeseries.schema.json beside it (TimeseriesSchema).

// NDJSONColumn is a series' name in timeseries.ndjson.
func NDJSONColumn(name string) string {
	return strings.ReplaceAll(Clean(name), "/", ".")
}

// TimeseriesNDJSON writes s as NDJSON.
func TimeseriesNDJSON(w io.Writer, s *model.Series) error {
	s = WithGaps(s)
	keys := make([][]byte, len(s.Columns))
	for j, c := range s.Columns {
		k, err := json.Marshal(NDJSONColumn(c.Name))
		if err != nil {
			return err
		}
		keys[j] = k
	}
	var b bytes.Buffer
	for i, t := range s.Time {
		b.WriteString(`{"time_s":`)
		b.WriteString(strconv.FormatFloat(t, 'f', -1, 64))
		for j, c := range s.Columns {
			b.WriteByte(',')
			b.Write(keys[j])
			b.WriteByte(':')
			if i < len(c.Values) && !math.IsNaN(c.Values[i]) && !math.IsInf(c.Values[i], 0) {
				b.WriteString(strconv.FormatFloat(c.Values[i], 'g', 10, 64))
			} else {
				b.WriteString("null")
			}
		}
		b.WriteString("}\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}

// SchemaField describes one column of timeseries.ndjson.
type SchemaField struct {
	Name        string `json:"name"`
	Source      string `json:"source"` // the column's name in timeseries.csv and results.json
	Unit        string `json:"unit"`
	Description string `json:"description"`
}

// TimeseriesSchemaDoc is timeseries.schema.json.
type TimeseriesSchemaDoc struct {
	IntervalSeconds float64       `json:"interval_seconds"`
	Fields          []SchemaField `json:"fields"`
}

// TimeseriesSchema describes the columns of TimeseriesNDJSON: their units
// and meaning, read from the column names the model documents in
// model.Series.
func TimeseriesSchema(s *model.Series) TimeseriesSchemaDoc {
	doc := TimeseriesSchemaDoc{IntervalSeconds: s.IntervalSeconds, Fields: []SchemaField{
		{Name: "time_s", Source: "time_s", Unit: "s", Description: "end of the sample interval, simulated seconds"}}}
	for _, c := range s.Columns {
		unit, desc := columnUnit(c.Name)
		doc.Fields = append(doc.Fields, SchemaField{Name: NDJSONColumn(c.Name), Source: Clean(c.Name), Unit: unit, Description: desc})
	}
	return doc
}

// columnUnit is a series' unit and meaning, from its name.
func columnUnit(name string) (unit, desc string) {
	head, rest, _ := strings.Cut(name, "/")
	switch {
	case head == "produced_per_s":
		return "messages/s", "messages handed to producers"
	case head == "acked_per_s":
		return "messages/s", "messages acknowledged"
	case head == "producer_errors_per_s":
		return "messages/s", "sends reported failed or indeterminate"
	case head == "consumed_per_s":
		return "messages/s", "messages processed by group " + rest
	case head == "lag":
		return "messages", "total lag of group " + rest
	case head == "max_partition_lag":
		return "messages", "largest partition lag of group " + rest
	case head == "e2e_p50_ms":
		return "ms", "median produce to processed latency over the interval"
	case head == "e2e_p99_ms":
		return "ms", "99th percentile produce to processed latency over the interval"
	case strings.HasPrefix(head, "ack_") && strings.HasSuffix(head, "_ms"):
		q := strings.TrimSuffix(strings.TrimPrefix(head, "ack_"), "_ms")
		return "ms", q + " produce to acknowledged latency over the interval"
	case head == "min_isr":
		return "replicas", "smallest in-sync replica set of any partition"
	case head == "under_replicated":
		return "partitions", "partitions with ISR below RF"
	case head == "util":
		broker, res, _ := strings.Cut(rest, "/")
		return "ratio", "mean utilisation of broker " + broker + " " + res + " over the interval (0-1)"
	case strings.HasSuffix(head, "_per_s"):
		return "1/s", ""
	case strings.HasSuffix(head, "_ms"):
		return "ms", ""
	}
	return "", ""
}

// TimeseriesSchemaJSON is TimeseriesSchema as indented JSON.
func TimeseriesSchemaJSON(s *model.Series) ([]byte, error) {
	b, err := json.MarshalIndent(TimeseriesSchema(s), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// appendNDJSON adds timeseries.ndjson and timeseries.schema.json under
// prefix to a review's files.
func appendNDJSON(files []File, prefix string, s *model.Series) ([]File, error) {
	var nd bytes.Buffer
	if err := TimeseriesNDJSON(&nd, s); err != nil {
		return nil, err
	}
	schema, err := TimeseriesSchemaJSON(s)
	if err != nil {
		return nil, err
	}
	return append(files, File{prefix + "timeseries.ndjson", nd.Bytes()}, File{prefix + "timeseries.schema.json", schema}), nil
}
