package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"mqsim/model/commitlog"
	"mqsim/model/commitlog/vfs"
)

func init() { extraCommands = append(extraCommands, newLogCmd) }

// logDumpOptions are the flags of 'mqsim log dump'.
type logDumpOptions struct {
	dir         string
	from        int64
	printValues bool
	output      string
}

func newLogCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Inspect and check a commit log directory written with --data-dir",
	}
	var d logDumpOptions
	dump := &cobra.Command{
		Use:   "dump DIR",
		Short: "Print a log's segments, batches and records",
		Example: `  mqsim log dump data/orders-0
  mqsim log dump data/orders-0 --from 1200 --print-values --output json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			d.dir = args[0]
			out, finish, err := textJSON(c.OutOrStdout(), &d.output, "mqsim log dump "+args[0])
			if err != nil {
				return err
			}
			return finish(runLogDump(d, out))
		},
	}
	dump.Flags().Int64Var(&d.from, "from", 0, "start at the batch containing this offset")
	dump.Flags().BoolVar(&d.printValues, "print-values", false, "print record keys and values")
	addOutputFlag(dump, &d.output)
	verify := &cobra.Command{
		Use:   "verify DIR",
		Short: "Check every CRC and index entry of a log; exit 3 on corruption",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runLogVerify(args[0], c.OutOrStdout())
		},
	}
	recoverCmd := &cobra.Command{
		Use:   "recover DIR",
		Short: "Open a log as a restarting broker would, run recovery and print what it did",
		Long: `Open a log directory as a restarting broker would. A log that was not shut
down cleanly is rescanned from its recovery point and cut at the first invalid
batch; the report says what was dropped. The directory is changed (that is
recovery); run 'mqsim log verify' first to only look. Damage recovery may not
repair (a missing or overlapping segment below the recovery point, a cleanly
shut down log whose data does not end where it should) is refused with exit 2,
naming the partition, file, byte and offset, and the directory is left as it was.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runLogRecover(args[0], c.OutOrStdout())
		},
	}
	cmd.AddCommand(dump, verify, recoverCmd)
	return cmd
}

// logInputErr maps a library error to the CLI's exit codes.
func logInputErr(err error) error {
	var ce *commitlog.CorruptionError
	switch {
	case errors.As(err, &ce):
		return withExit(exitCheck, err)
	case errors.Is(err, commitlog.ErrNotALog):
		return badInput(err)
	}
	return err
}

type jsonRecord struct {
	Offset     int64    `json:"offset"`
	Timestamp  int64    `json:"timestamp"`
	KeySize    int      `json:"keySize"`
	ValueSize  int64    `json:"valueSize"`
	StoredSize int      `json:"storedValueSize"`
	Headers    []string `json:"headerKeys"`
	Key        *string  `json:"key,omitempty"`
	Value      *string  `json:"value,omitempty"`
}

type jsonBatch struct {
	Segment       string       `json:"segment"`
	Position      int64        `json:"position"`
	BaseOffset    int64        `json:"baseOffset"`
	LastOffset    int64        `json:"lastOffset"`
	Count         int32        `json:"count"`
	LeaderEpoch   int32        `json:"partitionLeaderEpoch"`
	ProducerID    int64        `json:"producerId"`
	ProducerEpoch int16        `json:"producerEpoch"`
	BaseSequence  int32        `json:"baseSequence"`
	Transactional bool         `json:"isTransactional"`
	Control       bool         `json:"isControl"`
	Compression   string       `json:"compression"`
	MaxTimestamp  int64        `json:"maxTimestamp"`
	StoredSize    int64        `json:"storedSize"`
	Size          int64        `json:"size"`
	CRC           uint32       `json:"crc"`
	Records       []jsonRecord `json:"records,omitempty"`
}

func runLogDump(o logDumpOptions, stdout io.Writer) error {
	if o.output != "text" && o.output != "json" {
		return badInput(fmt.Errorf("--output %q: want text or json", o.output))
	}
	if o.from < 0 {
		return badInput(fmt.Errorf("--from %d: offsets are not negative", o.from))
	}
	// Verify first (it only reads): a damaged log is still printed, but
	// the command then fails as verify would.
	rep, verr := commitlog.Verify(vfs.OS, o.dir)
	if verr != nil {
		return logInputErr(verr)
	}
	var rr commitlog.RecordReader
	var hdrs []commitlog.Header
	enc := json.NewEncoder(stdout)
	lastSeg := ""
	next := int64(-1)
	err := commitlog.Scan(vfs.OS, o.dir, o.from, func(seg string, pos int64, b commitlog.Batch) error {
		next = b.NextOffset()
		jb := jsonBatch{seg, pos, b.BaseOffset(), b.LastOffset(), b.NumRecords(), b.LeaderEpoch(), b.ProducerID(),
			b.ProducerEpoch(), b.BaseSequence(), b.IsTransactional(), b.IsControl(), b.Compression().String(),
			b.MaxTimestamp(), b.StoredSize(), b.Size(), b.CRC(), nil}
		if o.output == "text" {
			if seg != lastSeg {
				if _, err := fmt.Fprintf(stdout, "Dumping %s\n", seg); err != nil {
					return err
				}
				lastSeg = seg
			}
			fmt.Fprintf(stdout, "baseOffset: %d lastOffset: %d count: %d baseSequence: %d producerId: %d producerEpoch: %d partitionLeaderEpoch: %d isTransactional: %t isControl: %t position: %d maxTimestamp: %d size: %d storedSize: %d compresscodec: %s crc: %d\n",
				jb.BaseOffset, jb.LastOffset, jb.Count, jb.BaseSequence, jb.ProducerID, jb.ProducerEpoch, jb.LeaderEpoch,
				jb.Transactional, jb.Control, jb.Position, jb.MaxTimestamp, jb.Size, jb.StoredSize, jb.Compression, jb.CRC)
		}
		if err := rr.Reset(b); err != nil {
			return &commitlog.CorruptionError{Segment: seg, Position: pos, Reason: err.Error()}
		}
		for rr.Next() {
			r := rr.Record()
			var err error
			if hdrs, err = r.Headers(hdrs); err != nil {
				return &commitlog.CorruptionError{Segment: seg, Position: pos, Reason: err.Error()}
			}
			keys := make([]string, len(hdrs))
			for i, h := range hdrs {
				keys[i] = string(h.Key)
			}
			jr := jsonRecord{Offset: r.Offset, Timestamp: r.Timestamp, KeySize: len(r.Key), ValueSize: r.ValueSize, StoredSize: len(r.Value), Headers: keys}
			if r.Key == nil {
				jr.KeySize = -1
			}
			if o.printValues {
				if r.Key != nil {
					k := string(r.Key)
					jr.Key = &k
				}
				if r.Value != nil {
					v := string(r.Value)
					jr.Value = &v
				}
			}
			if o.output == "json" {
				jb.Records = append(jb.Records, jr)
				continue
			}
			shown := make([]string, len(keys))
			for i, k := range keys {
				shown[i] = printable(k)
			}
			line := fmt.Sprintf("| offset: %d CreateTime: %d keySize: %d valueSize: %d headerKeys: [%s]", jr.Offset, jr.Timestamp, jr.KeySize, jr.ValueSize, strings.Join(shown, ","))
			if o.printValues {
				line += fmt.Sprintf(" key: %q payload: %q", r.Key, r.Value)
				if r.ValueSize > int64(len(r.Value)) {
					line += fmt.Sprintf(" (+%d virtual bytes)", r.ValueSize-int64(len(r.Value)))
				}
			}
			if _, err := fmt.Fprintln(stdout, line); err != nil {
				return err
			}
		}
		if rr.Err() != nil {
			return &commitlog.CorruptionError{Segment: seg, Position: pos, Reason: rr.Err().Error()}
		}
		if o.output == "json" {
			return enc.Encode(jb)
		}
		return nil
	})
	if err != nil && !(errors.Is(err, commitlog.ErrNotALog) && !rep.OK()) {
		return logInputErr(err)
	}
	if !rep.OK() {
		return damaged(o.dir, rep)
	}
	if next < 0 && o.from > 0 {
		return badInput(fmt.Errorf("--from %d: offset out of range of the log in %s", o.from, o.dir))
	}
	return nil
}

// damaged is the exit-3 error for a log that Verify found damaged.
func damaged(dir string, rep *commitlog.VerifyReport) error {
	more := ""
	if n := len(rep.Problems); n > 1 {
		more = fmt.Sprintf(" (and %d more problems: see 'mqsim log verify %s')", n-1, dir)
	}
	return withExit(exitCheck, fmt.Errorf("log %s is corrupt: %s%s", dir, rep.Problems[0], more))
}

func runLogVerify(dir string, stdout io.Writer) error {
	rep, err := commitlog.Verify(vfs.OS, dir)
	if err != nil {
		return logInputErr(err)
	}
	fmt.Fprintf(stdout, "segments: %d\nbatches: %d\nrecords: %d\noffsets: %d..%d\nsize: %d bytes (%d stored)\nindex entries checked: %d\n",
		rep.Segments, rep.Batches, rep.Records, rep.FirstOffset, rep.NextOffset, rep.Size, rep.StoredBytes, rep.IndexEntries)
	if rep.LogStartOffset > 0 {
		fmt.Fprintf(stdout, "log start offset: %d\n", rep.LogStartOffset)
	}
	fmt.Fprintf(stdout, "clean shutdown: %t\n", rep.Clean)
	for _, n := range rep.Notes {
		fmt.Fprintf(stdout, "note: %s\n", n)
	}
	if rep.OK() {
		_, err := fmt.Fprintln(stdout, "status: ok")
		return err
	}
	fmt.Fprintf(stdout, "status: corrupt (%d problems)\n", len(rep.Problems))
	for _, p := range rep.Problems {
		fmt.Fprintf(stdout, "  %s\n", p)
	}
	return damaged(dir, rep)
}

func runLogRecover(dir string, stdout io.Writer) error {
	// Only a log directory: Open would create a missing one.
	if _, err := commitlog.Verify(vfs.OS, dir); errors.Is(err, commitlog.ErrNotALog) {
		return badInput(err)
	}
	l, err := commitlog.Open(vfs.OS, dir, commitlog.Config{})
	if err != nil {
		var ce *commitlog.CorruptionError
		if errors.As(err, &ce) {
			return badInput(fmt.Errorf("partition %s: %w", filepath.Base(filepath.Clean(dir)), err))
		}
		return err
	}
	rep := l.Recovery()
	if err := l.Close(); err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, rep)
	return err
}

// printable returns s, or s quoted when it holds anything but printable
// characters, so that bytes from a log never reach a terminal raw.
func printable(s string) string {
	for _, r := range s {
		if !unicode.IsPrint(r) || r == ',' || r == ']' {
			return strconv.Quote(s)
		}
	}
	return s
}
