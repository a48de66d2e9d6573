package commitlog

import (
	"errors"
	"fmt"
	"strings"
)

// Error is a log error in Kafka's vocabulary. The package's sentinel values
// are *Error; functions wrap them with context, so callers branch with
// errors.Is(err, ErrOutOfOrderSequence) or read the code and retriability
// with errors.As(err, &kerr).
type Error struct {
	Code      int16  // Kafka's error code
	Name      string // Kafka's error name
	Retriable bool   // whether a client may retry the same request
	Message   string
}

func (e *Error) Error() string { return e.Name + ": " + e.Message }

// The errors callers branch on.
var (
	ErrOffsetOutOfRange     = &Error{1, "OFFSET_OUT_OF_RANGE", false, "the requested offset is not within the range of offsets in the log"}
	ErrCorruptRecord        = &Error{2, "CORRUPT_MESSAGE", true, "a record batch failed its CRC or is malformed"}
	ErrMessageTooLarge      = &Error{10, "MESSAGE_TOO_LARGE", false, "the batch is larger than the maximum the log accepts"}
	ErrStorage              = &Error{56, "KAFKA_STORAGE_ERROR", true, "disk error when trying to access the log"}
	ErrOutOfOrderSequence   = &Error{45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false, "the producer's sequence number does not follow the last one written"}
	ErrDuplicateSequence    = &Error{46, "DUPLICATE_SEQUENCE_NUMBER", false, "the batch is a duplicate of one already written"}
	ErrInvalidProducerEpoch = &Error{47, "INVALID_PRODUCER_EPOCH", false, "the producer's epoch is older than the one the log knows"}
	ErrInvalidTxnState      = &Error{48, "INVALID_TXN_STATE", false, "the transactional state of the batch is not valid"}
	ErrFencedLeaderEpoch    = &Error{74, "FENCED_LEADER_EPOCH", true, "the leader epoch is older than the latest one in the log"}
	ErrInvalidRecord        = &Error{87, "INVALID_RECORD", false, "the batch is not acceptable to the log"}
	ErrLogClosed            = &Error{-1, "LOG_CLOSED", false, "the log is closed or failed"}
)

// CorruptionError locates corrupt bytes in a log: a batch that fails its
// checks when read, or damage that keeps Open from trusting a directory.
// Like Kafka's KafkaStorageException it means the log's storage is bad, not
// the request: errors.Is(err, ErrCorruptRecord) and errors.Is(err,
// ErrStorage) both hold for it.
type CorruptionError struct {
	Segment  string // file name (a segment, or another file of the directory)
	Position int64  // byte position of the bad batch in the segment
	Reason   string
	// Dir is the log directory (file backend; empty for memory logs).
	Dir string
	// Offset is the first offset affected, or -1 when unknown; it is
	// printed only with Dir.
	Offset int64
}

func (e *CorruptionError) Error() string {
	s := fmt.Sprintf("corrupt batch in segment %s at byte %d", e.Segment, e.Position)
	if !strings.HasSuffix(e.Segment, logSuffix) {
		// A checkpoint or other file of the directory.
		s = "corrupt file " + e.Segment
		if e.Position > 0 {
			s += fmt.Sprintf(" at byte %d", e.Position)
		}
	}
	if e.Dir != "" {
		if e.Offset >= 0 {
			s += fmt.Sprintf(" (offset %d)", e.Offset)
		}
		s = "log " + e.Dir + ": " + s
	}
	return s + ": " + e.Reason
}

// Is makes errors.Is(err, ErrCorruptRecord) and errors.Is(err, ErrStorage)
// true.
func (e *CorruptionError) Is(target error) bool {
	return target == ErrCorruptRecord || target == ErrStorage
}

func errorf(base *Error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{base}, args...)...)
}

// storageErr marks an I/O failure.
func storageErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrStorage) {
		return err
	}
	return fmt.Errorf("%w: %s: %w", ErrStorage, op, err)
}
