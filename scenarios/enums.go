package scenarios

import "fmt"

// Typed settings: the schema's enum strings, resolved once here so the
// model compares constants and never parses strings. Validate refuses
// unknown values with file, line and field; these accessors report them
// as errors too, for a scenario built in code without validation.

// AcksLevel is a producer's acks: how many replicas must have a batch
// before it is acknowledged.
type AcksLevel int8

// Acks levels, as Kafka numbers them.
const (
	AcksNone   AcksLevel = 0  // acks=0: complete on send
	AcksLeader AcksLevel = 1  // acks=1: after the leader's append
	AcksAll    AcksLevel = -1 // acks=all: after the high watermark passes the batch
)

// AcksLevel resolves Acks ("" is the default, all).
func (p *Producer) AcksLevel() (AcksLevel, error) {
	switch p.Acks {
	case "0":
		return AcksNone, nil
	case "1":
		return AcksLeader, nil
	case "", "all", "-1":
		return AcksAll, nil
	}
	return 0, fmt.Errorf("producer %s: acks %q: want 0, 1 or all", p.Name, p.Acks)
}

// CommitMode is when a group commits offsets.
type CommitMode int8

// Commit modes.
const (
	CommitAuto   CommitMode = iota // every auto_commit_interval, the previous poll's positions
	CommitAfter                    // synchronously after processing each poll
	CommitBefore                   // synchronously before processing (at-most-once)
)

// CommitMode resolves Commit ("" is the default, auto).
func (g *ConsumerGroup) CommitMode() (CommitMode, error) {
	switch g.Commit {
	case "", "auto":
		return CommitAuto, nil
	case "after":
		return CommitAfter, nil
	case "before":
		return CommitBefore, nil
	}
	return 0, fmt.Errorf("group %s: commit %q: want auto, after or before", g.Name, g.Commit)
}

// Isolation is a group's isolation.level.
type Isolation int8

// Isolation levels.
const (
	ReadUncommitted Isolation = iota // below the high watermark
	ReadCommitted                    // below the last stable offset
)

// Isolation resolves IsolationLevel ("" is the default, read_uncommitted).
func (g *ConsumerGroup) Isolation() (Isolation, error) {
	switch g.IsolationLevel {
	case "", "read_uncommitted":
		return ReadUncommitted, nil
	case "read_committed":
		return ReadCommitted, nil
	}
	return 0, fmt.Errorf("group %s: isolation_level %q: want read_uncommitted or read_committed", g.Name, g.IsolationLevel)
}

// OffsetReset is a group's auto.offset.reset: where a position with no
// valid offset goes.
type OffsetReset int8

// Offset resets.
const (
	ResetLatest   OffsetReset = iota // to the high watermark
	ResetEarliest                    // to the log start
)

// OffsetReset resolves AutoOffsetReset ("" is the default, latest).
func (g *ConsumerGroup) OffsetReset() (OffsetReset, error) {
	switch g.AutoOffsetReset {
	case "", "latest":
		return ResetLatest, nil
	case "earliest":
		return ResetEarliest, nil
	}
	return 0, fmt.Errorf("group %s: auto_offset_reset %q: want latest or earliest", g.Name, g.AutoOffsetReset)
}

// Assignor is a group's partition assignment strategy.
type Assignor int8

// Assignment strategies.
const (
	AssignRange             Assignor = iota // contiguous ranges per member
	AssignRoundRobin                        // partition p to member p mod n
	AssignCooperativeSticky                 // balanced, then moves only what must move (incremental)
)

// Assignor resolves Assignment ("" is the default, range).
func (g *ConsumerGroup) Assignor() (Assignor, error) {
	switch g.Assignment {
	case "", "range":
		return AssignRange, nil
	case "roundrobin":
		return AssignRoundRobin, nil
	case "cooperative-sticky":
		return AssignCooperativeSticky, nil
	}
	return 0, fmt.Errorf("group %s: assignment %q: want range, roundrobin or cooperative-sticky", g.Name, g.Assignment)
}
