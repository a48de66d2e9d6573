// Package recall is mqsim's flash cards: short questions and answers drawn
// from the domain reference's tables (sync vs async, delivery guarantees,
// ordering, Kafka's components and speed, sizing, failure handling,
// backpressure, the system comparison and the quick-recall table), written
// in mqsim's own words.
//
// Select picks cards by topic and count in an order fixed by a seed, so a
// session can be replayed. Spaced repetition uses Leitner boxes kept in a
// small JSON State: a card moves up a box each time it is known and back to
// box 1 when missed, and comes back Interval(box) sessions later. Sessions
// are counted, not timed, so the schedule depends on practice, not the
// clock. The state's home is DefaultStatePath (the user's configuration
// directory); every function takes the path, so tests use their own.
//
// The package does no terminal I/O; the command line asks the questions.
package recall
