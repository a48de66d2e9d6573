package scenarios

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"mqsim/scenarios/units"
)

// Recorded message sizes as a size distribution: message_size:
// trace(sizes.csv). The file lists the sizes of recorded messages, one a
// row, or a histogram of them (a size and how many messages had it). Each
// message the producer sends draws one recorded message at random, every
// recorded message equally likely (a bootstrap resample): the sizes, their
// mean and their percentiles are the recording's, but their order is not
// replayed — a run of large messages in the recording does not come as a
// run. Draws come from the producer's own random stream, so a seed gives
// the same sizes every time. Resampling rather than replaying in order
// keeps a size a property of one message: producers with several
// instances, a longer run than the recording, and a seed all mean what they
// mean for the other distributions.

// Bounds on a size trace: a day of distinct sizes and more, read by the
// bounded reader.
const (
	maxSizeTraceRows  = 1_000_000
	maxSizeTraceBytes = 16 << 20
	// maxRecordedSize is the largest size a row may give: Kafka's sizes
	// are 32-bit. Sizes above the producer's max_request_size are allowed
	// and refused as the limits check says (limits.go).
	maxRecordedSize = 1<<31 - 1
	// maxRecordedCount bounds the total count so it stays an exact int64.
	maxRecordedCount = 1 << 53
)

// sizeTrace is a parsed size trace: the distinct sizes in ascending order
// and the running total of messages up to each. It is a sim.Dist.
type sizeTrace struct {
	file  string
	sizes []float64 // distinct, ascending
	cum   []int64   // cum[i]: messages with a size of sizes[i] or less
	mean  float64
	// digest is the SHA-256 of the file's bytes (see Scenario.InputDigest).
	digest [32]byte
}

// ParseSizeTrace reads a message-size trace: CSV with one column (the
// size of one message) or two (a size and how many messages had it), an
// optional header row, and # comments. A size is bytes, bare or with a
// unit (512, 1.5KB, 4KiB); a count is a whole number, 0 or more. Errors
// name the file, the line and the column at fault.
func ParseSizeTrace(source string, data []byte) (*sizeTrace, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.Comment = '#'
	counts := map[float64]int64{}
	var total int64
	var sum float64
	rows := 0
	cols := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &InputError{File: source, Line: pe.Line, Msg: pe.Err.Error()}
			}
			return nil, &InputError{File: source, Msg: err.Error()}
		}
		line, _ := r.FieldPos(0)
		bad := func(format string, a ...any) error {
			return &InputError{File: source, Line: line, Msg: fmt.Sprintf(format, a...)}
		}
		if len(rec) != 1 && len(rec) != 2 {
			return nil, bad("%d columns: want one (a message's size) or two (a size and how many messages had it)", len(rec))
		}
		if cols != 0 && len(rec) != cols {
			return nil, bad("%d columns where the rows above have %d", len(rec), cols)
		}
		size, sizeErr := units.ParseBytes(strings.TrimSpace(rec[0]))
		n, countErr := int64(1), error(nil)
		if len(rec) == 2 {
			n, countErr = strconv.ParseInt(strings.TrimSpace(rec[1]), 10, 64)
		}
		if rows == 0 && cols == 0 && sizeErr != nil && (len(rec) == 1 || countErr != nil) {
			cols = len(rec)
			continue // a header row
		}
		cols = len(rec)
		if sizeErr != nil || size > maxRecordedSize {
			return nil, bad("size %q: want bytes from 0 to %d, such as 512 or 1.5KB", rec[0], int64(maxRecordedSize))
		}
		if countErr != nil || n < 0 || n > maxRecordedCount {
			return nil, bad("count %q: want a whole number of messages, 0 or more", rec[1])
		}
		if rows++; rows > maxSizeTraceRows {
			return nil, bad("more than %d rows", maxSizeTraceRows)
		}
		if total += n; total > maxRecordedCount {
			return nil, bad("more than %d messages in all", int64(maxRecordedCount))
		}
		counts[float64(size)] += n
		sum += float64(size) * float64(n)
	}
	if total == 0 {
		return nil, &InputError{File: source, Msg: "no messages: want one size a row, or rows of size and count"}
	}
	tr := &sizeTrace{file: source, mean: sum / float64(total), digest: sha256.Sum256(data)}
	for s, n := range counts {
		if n > 0 {
			tr.sizes = append(tr.sizes, s)
		}
	}
	sort.Float64s(tr.sizes)
	var c int64
	for _, s := range tr.sizes {
		c += counts[s]
		tr.cum = append(tr.cum, c)
	}
	return tr, nil
}

// Sample draws one recorded message's size, each message equally likely.
func (t *sizeTrace) Sample(r *rand.Rand) float64 {
	k := r.Int64N(t.cum[len(t.cum)-1])
	return t.sizes[sort.Search(len(t.cum), func(i int) bool { return t.cum[i] > k })]
}

// Mean is the recorded messages' mean size.
func (t *sizeTrace) Mean() float64 { return t.mean }

// Max is the largest recorded size.
func (t *sizeTrace) Max() float64 { return t.sizes[len(t.sizes)-1] }

func (t *sizeTrace) String() string { return "trace(" + t.file + ")" }

// parseSizeTrace parses the arguments of message_size: trace(FILE).
func parseSizeTrace(s string, args []string) (SizeDist, error) {
	bad := func(format string, a ...any) (SizeDist, error) {
		return SizeDist{}, &units.Error{Kind: "size distribution", Value: s, Msg: fmt.Sprintf(format, a...)}
	}
	m, err := bindArgs(args, "file")
	if err != nil {
		return bad("%v (want trace(sizes.csv))", err)
	}
	file := m["file"]
	switch {
	case file == "":
		return bad("missing the file (want trace(sizes.csv))")
	case isStdin(file):
		return bad("give a file: standard input holds the scenario")
	}
	data, err := ReadInput(file, maxSizeTraceBytes, "a message-size trace")
	if err == nil {
		var tr *sizeTrace
		if tr, err = ParseSizeTrace(file, data); err == nil {
			return SizeDist{Spec: s, Dist: tr}, nil
		}
	}
	return bad("%v", err)
}
