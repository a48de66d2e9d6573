// Package interview is mqsim's interview coach: a bank of system-design
// prompts, a drill engine that walks the five steps of the interview
// framework, and the model answer for each prompt.
//
// A Prompt (prompts/*.yaml, embedded; or any file of the same schema) is a
// brief, a workload and a rubric. The workload is a capacity.Workload —
// written inline, or a built-in workload named by builtin_workload — and it
// is always sized by capacity.Compute when the prompt loads: no number the
// drill grades against is ever typed into a prompt. The rubric gives, for
// each decision of Decisions, the expected answer, alternatives that are
// also right (accept) or defensible (partial), and the reasoning for this
// prompt. follow_ups picks questions from the FollowUps catalog, each with a
// written answer and the built-in simulator scenarios that prove it.
//
// Drill asks every question through an Asker — a terminal, a pipe, a test
// script, or an answers file (Answers.Asker) — and grades as it goes:
//
//   - decisions: right (the answer or an accepted one, 2 points), close (a
//     partial one, 1 point), wrong (0); ParseChoice reads the key however it
//     is spaced or cased ("exactly once"), common other names
//     ("asynchronous"), or the option's number;
//   - numbers: right within 10% of the plan, close within half an order of
//     magnitude (a factor of √10), wrong beyond; each graded answer shows the
//     plan's formula with the numbers substituted, and Mistake names the slip
//     when the answer is off by a recognisable factor (replication, the peak,
//     86,400 seconds, 8 bits, decimal against binary units, message size,
//     retention). ParseNumber reads numbers as people write them ("1.2
//     million/s", "105 terabytes"). A question's Example shows the form of
//     an answer with a figure unrelated to the prompt's answers (Example), and
//     no error names a figure of the plan;
//   - follow-ups: multiple choice, with the proof: when a ScenarioRunner is
//     given the scenarios are run and their summaries shown, otherwise the
//     commands to run them.
//
// An answer that cannot be read is asked again with the reason (Question.
// Problem) until it is readable or skipped on purpose (an empty line, "skip";
// see IsSkip); it never becomes unanswered by itself. The Asker may stop the
// drill (ErrStopped, io.EOF): the ScoreCard is then partial. Model builds the five-step answer filled with the plan's numbers.
// The package does no terminal I/O; the Text methods render for one.
package interview
