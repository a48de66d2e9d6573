package reports

import (
	"bytes"
	"strings"
	"testing"

	"mqsim/model"
)

// TestRunSummaryNamesLimits: a log directory taken offline and refused
// sends are stated in the text and Markdown summaries, and a run without
// them adds nothing.
func TestRunSummaryNamesLimits(t *testing.T) {
	res := &model.Results{Scenario: "s", Rejected: 1200, RecordTooLarge: 7,
		LogDirFailures: []model.LogDirFailure{{Broker: 2, Topic: "events", Partition: 3, Offset: 42, AtSeconds: 1.5, Error: "crc mismatch"}}}
	for name, render := range map[string]func(*bytes.Buffer, *Run) error{
		"text":     func(b *bytes.Buffer, r *Run) error { return RunText(b, r) },
		"markdown": func(b *bytes.Buffer, r *Run) error { return RunMarkdown(b, r) },
	} {
		var b bytes.Buffer
		if err := render(&b, &Run{Results: res}); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"broker 2's log directory went offline at 1.5s", "events-3 at offset 42", "1,200 sends refused", "7 records over"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s: no %q in\n%s", name, want, b.String())
			}
		}
		b.Reset()
		if err := render(&b, &Run{Results: &model.Results{Scenario: "s"}}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "Storage:") || strings.Contains(b.String(), "Limits:") {
			t.Errorf("%s: limits stated for a run that met none:\n%s", name, b.String())
		}
	}
}
