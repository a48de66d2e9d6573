package commitlog

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Record is one decoded record. Its byte slices alias the batch (or the
// reader's decompression buffer) and are valid until the reader moves on.
type Record struct {
	Offset    int64
	Timestamp int64 // milliseconds
	// Key is nil for a null key.
	Key []byte
	// Value is the stored value: the whole value, or in a sized batch its
	// real prefix. It is nil for a null value (a tombstone).
	Value []byte
	// ValueSize is the declared value size, -1 for a null value.
	ValueSize  int64
	NumHeaders int
	headers    []byte
}

// IsTombstone reports whether the value is null.
func (r *Record) IsTombstone() bool { return r.ValueSize < 0 }

// Headers appends the record's headers to dst[:0] and returns it; with a
// large enough dst it does not allocate.
func (r *Record) Headers(dst []Header) ([]Header, error) {
	dst = dst[:0]
	p := r.headers
	for i := 0; i < r.NumHeaders; i++ {
		var k, v []byte
		var null bool
		var err error
		if k, null, p, err = readBytes(p); err != nil || null {
			return dst, errorf(ErrCorruptRecord, "header %d key", i)
		}
		if v, _, p, err = readBytes(p); err != nil {
			return dst, errorf(ErrCorruptRecord, "header %d value", i)
		}
		dst = append(dst, Header{Key: k, Value: v})
	}
	return dst, nil
}

var errShort = errors.New("short record")

func readVarint(p []byte) (int64, []byte, error) {
	if len(p) > 0 && p[0] < 0x80 {
		// One byte, as most lengths and deltas of a record are: zig-zag
		// decoded as binary.Varint does.
		u := int64(p[0])
		return (u >> 1) ^ -(u & 1), p[1:], nil
	}
	v, n := binary.Varint(p)
	if n <= 0 {
		return 0, p, errShort
	}
	return v, p[n:], nil
}

// readBytes reads a varint-length-prefixed byte string (-1 = null).
func readBytes(p []byte) (b []byte, null bool, rest []byte, err error) {
	l, p, err := readVarint(p)
	if err != nil {
		return nil, false, p, err
	}
	if l < 0 {
		if l != -1 {
			return nil, false, p, errShort
		}
		return nil, true, p, nil
	}
	if l > int64(len(p)) {
		return nil, false, p, errShort
	}
	return p[:l:l], false, p[l:], nil
}

// RecordReader decodes the records of one batch at a time, reusing its
// buffers: it allocates nothing per record, and nothing per batch once its
// decompression buffer has grown.
type RecordReader struct {
	b     Batch
	buf   []byte
	p     []byte
	left  int32
	sized bool
	rec   Record
	err   error
}

// Reset starts reading b's records, decompressing them if needed.
func (rr *RecordReader) Reset(b Batch) error {
	rr.b, rr.err, rr.left, rr.sized = b, nil, 0, b.HasSizedValues()
	rr.p = nil
	section := b[b.recordsStart():]
	if c := b.Compression(); c != CompressionNone {
		out, err := decompress(rr.buf, c, section)
		if cap(out) > cap(rr.buf) {
			rr.buf = out[:0]
		}
		if err != nil {
			rr.err = errorf(ErrCorruptRecord, "decompress %v: %v", c, err)
			return rr.err
		}
		section = out
	}
	rr.p = section
	rr.left = b.NumRecords()
	return nil
}

// Next decodes the next record; it returns false at the end of the batch or
// on a malformed record (see Err).
func (rr *RecordReader) Next() bool {
	if rr.err != nil || rr.left <= 0 {
		if rr.err == nil && rr.left == 0 && len(rr.p) != 0 && rr.b != nil {
			rr.err = errorf(ErrCorruptRecord, "%d trailing bytes after the last record", len(rr.p))
			rr.p = nil
		}
		return false
	}
	if err := rr.decode(); err != nil {
		rr.err = errorf(ErrCorruptRecord, "record at offset %d: %v", rr.b.BaseOffset()+int64(rr.b.NumRecords()-rr.left), err)
		return false
	}
	rr.left--
	return true
}

func (rr *RecordReader) decode() error {
	l, p, err := readVarint(rr.p)
	if err != nil {
		return err
	}
	if l < 0 || l > int64(len(p)) {
		return fmt.Errorf("record length %d, %d bytes left", l, len(p))
	}
	body, rest := p[:l], p[l:]
	if len(body) < 1 {
		return errShort
	}
	body = body[1:] // attributes
	tsDelta, body, err := readVarint(body)
	if err != nil {
		return err
	}
	offDelta, body, err := readVarint(body)
	if err != nil {
		return err
	}
	if offDelta < 0 || offDelta > int64(rr.b.LastOffsetDelta()) {
		return fmt.Errorf("offset delta %d outside the batch", offDelta)
	}
	key, keyNull, body, err := readBytes(body)
	if err != nil {
		return err
	}
	if keyNull {
		key = nil
	} else if key == nil {
		key = body[:0:0]
	}
	var value []byte
	var size int64
	if rr.sized {
		if size, body, err = readVarint(body); err != nil {
			return err
		}
		if size < -1 {
			return fmt.Errorf("value size %d", size)
		}
		if size >= 0 {
			var null bool
			if value, null, body, err = readBytes(body); err != nil || null || int64(len(value)) > size {
				return fmt.Errorf("bad value prefix")
			}
		}
	} else {
		var null bool
		if value, null, body, err = readBytes(body); err != nil {
			return err
		}
		size = int64(len(value))
		if null {
			size = -1
		}
	}
	if size >= 0 && value == nil {
		value = body[:0:0]
	}
	nh, body, err := readVarint(body)
	if err != nil {
		return err
	}
	if nh < 0 || nh > int64(len(body)) {
		return fmt.Errorf("header count %d", nh)
	}
	rr.rec = Record{
		Offset:     rr.b.BaseOffset() + offDelta,
		Timestamp:  rr.b.BaseTimestamp() + tsDelta,
		Key:        key,
		Value:      value,
		ValueSize:  size,
		NumHeaders: int(nh),
		headers:    body,
	}
	rr.p = rest
	return nil
}

// Record is the current record.
func (rr *RecordReader) Record() *Record { return &rr.rec }

// Err is the error that stopped the reader, if any.
func (rr *RecordReader) Err() error { return rr.err }

// ControlType decodes a control batch's marker type (ControlAbort or
// ControlCommit).
func ControlType(b Batch) (int16, error) {
	if !b.IsControl() {
		return 0, errorf(ErrInvalidRecord, "not a control batch")
	}
	var rr RecordReader
	if err := rr.Reset(b); err != nil {
		return 0, err
	}
	if !rr.Next() {
		if rr.Err() != nil {
			return 0, rr.Err()
		}
		return 0, errorf(ErrCorruptRecord, "empty control batch")
	}
	k := rr.Record().Key
	if len(k) < 4 {
		return 0, errorf(ErrCorruptRecord, "control key of %d bytes", len(k))
	}
	t := int16(binary.BigEndian.Uint16(k[2:]))
	if t != ControlAbort && t != ControlCommit {
		return 0, errorf(ErrCorruptRecord, "control type %d", t)
	}
	return t, nil
}

// ScanRecords calls fn for every record of l at or after offset from, up to
// the log end, reading up to 8 MiB at a time. It returns the first error of
// a read, of decoding, or of fn.
func (l *Log) ScanRecords(from int64, fn func(*Record) error) error {
	var rr RecordReader
	for {
		res, err := l.Read(from, ReadOptions{MaxBytes: 8 << 20, Upto: UptoLogEnd})
		if err != nil {
			return err
		}
		if len(res.Data) == 0 || res.NextOffset <= from {
			return nil
		}
		it := Batches(res.Data)
		for it.Next() {
			if err := rr.Reset(it.Batch()); err != nil {
				return err
			}
			for rr.Next() {
				if rec := rr.Record(); rec.Offset >= from {
					if err := fn(rec); err != nil {
						return err
					}
				}
			}
			if err := rr.Err(); err != nil {
				return err
			}
		}
		if err := it.Err(); err != nil {
			return err
		}
		from = res.NextOffset
	}
}
