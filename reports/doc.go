// Package reports renders results for people and tools: aligned text tables,
// Markdown, JSON and YAML documents, and plots (PNG and SVG, with gonum/plot).
//
// Renderers read result structs and never compute or simulate anything
// themselves: a capacity.Plan or a run's results go in, bytes come out.
// Files are written atomically (a temporary file renamed into place), so an
// interrupted run never leaves a half-written report.
package reports
