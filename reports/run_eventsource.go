package reports

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/dustin/go-humanize"

	"mqsim/model"
	"mqsim/scenarios/units"
)

// writeEventSourcing renders an event_sourcing section's results: the
// projections' staleness, each replay beside its closed form, the snapshot
// interval's trade-off, the audit trail and the changelog's restore times.
func writeEventSourcing(b *bytes.Buffer, res *model.Results, width int) {
	e := res.EventSourcing
	if e == nil {
		return
	}
	b.WriteString("\n")
	fmt.Fprintf(b, "EVENT SOURCING: %s events in %s over %s entities\n", humanize.Comma(e.Events), e.Topic, humanize.Comma(e.Entities))
	rows := [][]string{{"  projection (event → visible)", "p50", "p99", "max", "stale > 1s", "view"}}
	for _, p := range e.Projections {
		rows = append(rows, []string{"  " + p.Name, secs(p.P50), secs(p.P99), secs(p.Max), secs(p.StaleSeconds), units.FormatBytes(float64(p.ViewSize))})
	}
	writeTableFit(b, rows, "lrrrrr", nil, width, false)
	if len(e.Replays) > 0 {
		b.WriteString("\n")
		rows = [][]string{{"  replay", "events", "fetches", "rebuild", "formula", "error", "= fold"}}
		for _, r := range e.Replays {
			what := r.Projection + " from " + r.From
			if r.Until > 0 {
				what += " until " + secs(r.Until)
			}
			rows = append(rows, []string{"  " + what, humanize.Comma(r.Events), humanize.Comma(r.Fetches), secs(r.Seconds), secs(r.Formula),
				fmt.Sprintf("%.1f%%", 100*r.Error), fmt.Sprint(r.Matches)})
		}
		writeTableFit(b, rows, "lrrrrrr", nil, width, false)
		r := e.Replays[0]
		writeWrapped(b, fmt.Sprintf("events ÷ min(fetch rate %s/s, apply rate %s/s) + snapshot load; fetch rate = fetch bytes ÷ bytes per event ÷ (round trip + bytes ÷ bandwidth)",
			units.FormatSI(r.FetchRate), applyRate(r.ApplyRate)), width, "  formula:  ", "            ")
	}
	if len(e.Snapshots) > 0 {
		b.WriteString("\n")
		rows = [][]string{{"  snapshot every", "worst rebuild", "tail events", "snapshots", "write time", "storage", "live overhead", "live p99 stale"}}
		for _, s := range e.Snapshots {
			rows = append(rows, []string{"  " + humanize.Comma(int64(s.Every)), secs(s.RebuildSeconds), humanize.Comma(s.TailEvents),
				humanize.Comma(s.Count), secs(s.WriteSeconds), units.FormatBytes(float64(s.StorageBytes)), pct(s.LiveOverhead), secs(s.LiveStaleP99)})
		}
		writeTableFit(b, rows, "lrrrrrrr", nil, width, false)
		writeWrapped(b, fmt.Sprintf("live overhead: the share of the live consumer's time spent writing snapshots, ≈ a snapshot's cost ÷ (N ÷ event rate); its p99 staleness is %s without snapshots",
			secs(e.Snapshots[0].LiveStaleP99Without)), width, "  ", "  ")
	}
	if a := e.Audit; a != nil {
		b.WriteString("\n")
		fmt.Fprintf(b, "AUDIT: entity %d as of %s: balance %d after %s events (offset %d of partition %d; %d at the end of the log)\n",
			a.Key, secs(a.At), a.Balance, humanize.Comma(a.Events), a.Offset, a.Partition, a.Final)
		rows = [][]string{{"  offset", "at", "amount", "balance"}}
		for _, t := range a.Trail {
			rows = append(rows, []string{"  " + fmt.Sprint(t.Offset), secs(t.At), fmt.Sprintf("%+d", t.Amount), fmt.Sprint(t.Balance)})
		}
		writeTableFit(b, rows, "rrrr", nil, width, false)
	}
	if c := e.Changelog; c != nil {
		b.WriteString("\n")
		fmt.Fprintf(b, "CHANGELOG of %s: %s records written; %s compacted vs %s never compacted; %d cleanings, longest wait for the cleaner %s\n",
			c.Projection, humanize.Comma(c.Records), units.FormatBytes(float64(c.Bytes)), units.FormatBytes(float64(c.UncompactedBytes)), c.Cleanings, secs(c.MaxDelay))
		rows = [][]string{{"  restore at " + secs(c.MoveAt), "records", "time"}}
		rows = append(rows, []string{"  compacted changelog", humanize.Comma(c.CompactedRecords), secs(c.Compacted)})
		rows = append(rows, []string{"  uncompacted changelog", humanize.Comma(c.UncompactedRecs), secs(c.Uncompacted)})
		rows = append(rows, []string{"  standby replica", humanize.Comma(c.StandbyRecords), secs(c.Standby)})
		writeTableFit(b, rows, "lrr", nil, width, false)
		fmt.Fprintf(b, "  restored store equals the live one: %v\n", c.RestoredMatches)
	}
	if e.ViewMismatches > 0 {
		fmt.Fprintf(b, "  %d views differ from a fold of the log\n", e.ViewMismatches)
	}
}

func secs(s float64) string {
	switch {
	case s == 0:
		return "0"
	case s < 1e-3:
		return fmt.Sprintf("%.0fµs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.1fms", s*1e3)
	case s < 120:
		return fmt.Sprintf("%.2fs", s)
	case s < 7200:
		return fmt.Sprintf("%.1fmin", s/60)
	}
	return fmt.Sprintf("%.1fh", s/3600)
}

func applyRate(r float64) string {
	if r == 0 {
		return "∞"
	}
	return units.FormatSI(r)
}

// EventSourcingText renders a run's event sourcing results alone (the
// replay command), at most width columns wide.
func EventSourcingText(res *model.Results, width int) string {
	if width <= 0 {
		width = 80 // the reports' default
	}
	var b bytes.Buffer
	writeEventSourcing(&b, res, width)
	return strings.TrimPrefix(b.String(), "\n")
}

// eventSourcingCharts are an event-sourced run's own charts: the snapshot
// interval's trade-off (rebuild time against time spent writing
// snapshots) and the changelog's size over time, compacted against never
// compacted. Only for a single run.
func eventSourcingCharts(title string, variants []Variant) []Chart {
	if len(variants) != 1 || variants[0].Results.EventSourcing == nil {
		return nil
	}
	e := variants[0].Results.EventSourcing
	zero := 0.0
	var out []Chart
	if len(e.Snapshots) > 0 {
		c := Chart{Title: title + ": snapshot trade-off", XLabel: "events between snapshots (log scale)", YLabel: "seconds", LogX: true, YMin: &zero, AutoLogY: true}
		rebuild := Series{Name: "longest rebuild: a snapshot, then N − 1 events", Thick: true}
		write := Series{Name: "time spent writing snapshots", Dashed: true}
		stale := Series{Name: "live consumer's p99 staleness (snapshots written on its thread)"}
		for _, s := range e.Snapshots {
			rebuild.X, rebuild.Y = append(rebuild.X, float64(s.Every)), append(rebuild.Y, s.RebuildSeconds)
			write.X, write.Y = append(write.X, float64(s.Every)), append(write.Y, s.WriteSeconds)
			stale.X, stale.Y = append(stale.X, float64(s.Every)), append(stale.Y, s.LiveStaleP99)
		}
		c.Series = append(c.Series, rebuild, write, stale)
		if len(e.Replays) > 0 && e.Replays[0].From == "start" {
			full := Series{Name: "rebuild from offset 0", Dashed: true}
			for _, s := range e.Snapshots {
				full.X, full.Y = append(full.X, float64(s.Every)), append(full.Y, e.Replays[0].Seconds)
			}
			c.Series = append(c.Series, full)
		}
		out = append(out, c)
	}
	if cl := e.Changelog; cl != nil && len(cl.Series.Time) > 0 {
		c := Chart{Title: title + ": changelog size", XLabel: "simulated time (s)", YLabel: "bytes", YMin: &zero, AutoLogY: true}
		for _, col := range []struct{ column, name string }{{"changelog_bytes", "compacted changelog"}, {"uncompacted_bytes", "never compacted"}} {
			if v := cl.Series.Column(col.column); v != nil {
				c.Series = append(c.Series, Series{Name: col.name, X: cl.Series.Time, Y: v, Thick: col.column == "changelog_bytes"})
			}
		}
		c.Markers = []Marker{{X: cl.MoveAt, Label: "task moves"}}
		out = append(out, c)
	}
	return out
}

func eventSourcingCaption(name string) string {
	if name == "snapshot-trade-off" {
		return "Snapshot interval's trade-off, log-scale x: the longest rebuild of the read model (load a snapshot, replay the N − 1 events after it) gets shorter as snapshots come more often, while the time spent writing them grows — on the live consumer's own thread, so its staleness rises with them; the flat dashed line is a rebuild from offset 0."
	}
	return "The state store's changelog over time: compacted by the log cleaner (a saw-tooth as closed segments are cleaned) against the same appends never compacted. The vertical marks the task moving, when the store is restored from it."
}

// eventSourcingSection is the review page's event sourcing tables, for a
// single run with an event_sourcing section.
func eventSourcingSection(runs []*Run) (Section, bool) {
	if len(runs) != 1 || runs[0] == nil || runs[0].Results == nil || runs[0].Results.EventSourcing == nil {
		return Section{}, false
	}
	e := runs[0].Results.EventSourcing
	s := Section{Heading: "Event sourcing", Paragraphs: []string{fmt.Sprintf(
		"%s events in %s over %s entities. Replays are simulated fetch by fetch and event by event on the run's log and set beside events ÷ min(fetch rate, apply rate) (+ the snapshot's load time); each rebuilt view is compared with a fold of the log.",
		humanize.Comma(e.Events), e.Topic, humanize.Comma(e.Entities))}}
	t := Table{Header: []string{"projection", "staleness p50", "p99", "max", "p99 above 1s for", "view"}, Numeric: numeric(6)}
	for _, p := range e.Projections {
		t.Rows = append(t.Rows, []string{p.Name, secs(p.P50), secs(p.P99), secs(p.Max), secs(p.StaleSeconds), units.FormatBytes(float64(p.ViewSize))})
	}
	s.Tables = append(s.Tables, t)
	if len(e.Replays) > 0 {
		t := Table{Header: []string{"replay", "events", "fetches", "rebuild", "formula", "error", "view = fold"}, Numeric: numeric(7)}
		for _, r := range e.Replays {
			what := r.Projection + " from " + r.From
			if r.Until > 0 {
				what += " until " + secs(r.Until)
			}
			t.Rows = append(t.Rows, []string{what, humanize.Comma(r.Events), humanize.Comma(r.Fetches), secs(r.Seconds), secs(r.Formula),
				fmt.Sprintf("%.1f%%", 100*r.Error), fmt.Sprint(r.Matches)})
		}
		s.Tables = append(s.Tables, t)
	}
	if len(e.Snapshots) > 0 {
		t := Table{Header: []string{"snapshot every", "worst rebuild", "tail events", "snapshots", "write time", "storage", "live overhead", "live p99 stale"}, Numeric: numeric(8)}
		for _, p := range e.Snapshots {
			t.Rows = append(t.Rows, []string{humanize.Comma(int64(p.Every)), secs(p.RebuildSeconds), humanize.Comma(p.TailEvents),
				humanize.Comma(p.Count), secs(p.WriteSeconds), units.FormatBytes(float64(p.StorageBytes)), pct(p.LiveOverhead), secs(p.LiveStaleP99)})
		}
		s.Tables = append(s.Tables, t)
	}
	if a := e.Audit; a != nil {
		s.Paragraphs = append(s.Paragraphs, fmt.Sprintf("Audit: entity %d as of %s has balance %d after %s events (below offset %d of partition %d); %d at the end of the log.",
			a.Key, secs(a.At), a.Balance, humanize.Comma(a.Events), a.Offset, a.Partition, a.Final))
		t := Table{Header: []string{"offset", "at", "amount", "balance"}, Numeric: numeric(4)}
		for _, ev := range a.Trail {
			t.Rows = append(t.Rows, []string{fmt.Sprint(ev.Offset), secs(ev.At), fmt.Sprintf("%+d", ev.Amount), fmt.Sprint(ev.Balance)})
		}
		s.Tables = append(s.Tables, t)
	}
	if c := e.Changelog; c != nil {
		s.Paragraphs = append(s.Paragraphs, fmt.Sprintf("Changelog of %s: %s records written; %s compacted against %s never compacted; %d cleanings; the longest wait for the cleaner %s. The store restored from the compacted changelog equals the live one: %v.",
			c.Projection, humanize.Comma(c.Records), units.FormatBytes(float64(c.Bytes)), units.FormatBytes(float64(c.UncompactedBytes)), c.Cleanings, secs(c.MaxDelay), c.RestoredMatches))
		s.Tables = append(s.Tables, Table{Header: []string{"restore at " + secs(c.MoveAt), "records", "time"}, Numeric: numeric(3), Rows: [][]string{
			{"compacted changelog", humanize.Comma(c.CompactedRecords), secs(c.Compacted)},
			{"uncompacted changelog", humanize.Comma(c.UncompactedRecs), secs(c.Uncompacted)},
			{"standby replica", humanize.Comma(c.StandbyRecords), secs(c.Standby)},
		}})
	}
	return s, true
}
