// Package reports renders results for people and tools: text for a
// terminal, Markdown, JSON and YAML documents, self-contained HTML, CSV and
// plots (PNG and SVG, with gonum/plot).
//
// Renderers read result structs and never compute or simulate anything
// themselves: a capacity.Plan or a run's results go in, bytes come out.
//
// Invariants every renderer keeps:
//
//   - Text output fits a width: TextStyle.Width, the terminal's, or
//     DefaultWidth (80) when the output is not a terminal. Paragraphs and
//     table cells wrap; nothing is cut.
//   - No control character from user text (scenario names, descriptions,
//     labels) reaches any output: CleanText makes them visible symbols; the
//     terminal's own styles are added after cleaning (terminalText); user
//     text in Markdown is escaped as text (mdText), in HTML by html/template.
//   - A review directory is replaced whole (WriteReview): written into a
//     fresh temporary directory beside it and swapped in, so a reader sees
//     the old review or the new one, never a mix. Single files are written
//     through a temporary file renamed into place (WriteFileAtomic).
//   - A latency quantile of an interval in which nothing was processed is
//     "no data" (WithGaps): a gap in a chart, an empty cell in CSV.
//   - results.json carries SchemaVersion; a newer one is refused, and its
//     command field is never shown (ParseSaved rebuilds it).
package reports
