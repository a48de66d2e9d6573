package commitlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Header is a record header. A nil Value is a null header value.
type Header struct {
	Key   []byte
	Value []byte
}

// BatchHeader sets the batch-level fields a producer chooses.
type BatchHeader struct {
	// Idempotent marks a batch from an idempotent producer; ProducerID,
	// ProducerEpoch and BaseSequence are written only then (otherwise
	// NoProducerID, NoProducerEpoch and NoSequence).
	Idempotent    bool
	ProducerID    int64
	ProducerEpoch int16
	BaseSequence  int32
	// Transactional marks a batch written inside a transaction; it implies
	// Idempotent.
	Transactional bool
	Compression   Compression
	// SizedValues stores values as a declared size plus a real prefix;
	// see AddSized.
	SizedValues bool
	// LogAppendTime marks timestamps as set by the log rather than the
	// producer (informational).
	LogAppendTime bool
}

// BatchBuilder encodes one batch at a time. Reuse one builder: after the
// first few batches it allocates nothing (except inside codecs).
type BatchBuilder struct {
	// The fields every Add touches come first, together: a producer
	// keeps one builder per partition, and a record's append should
	// touch as few cache lines as it can.
	h BatchHeader
	// rbuf is recsAt bytes of room for the header, then the encoded
	// records, uncompressed: an uncompressed batch is built in place.
	rbuf []byte
	n    int32
	// elidedRecs of the n records are declared only (AddElided).
	elidedRecs int32
	baseTs     int64
	maxTs      int64
	elided     int64
	err        error

	control bool
	out     []byte // a compressed batch
	// fixed carries the header of a batch being rewritten by compaction,
	// whose offsets and producer fields must be kept.
	fixed Batch
}

// recsAt is where the records start in BatchBuilder.rbuf: room for the
// longest header.
const recsAt = HeaderSize + elidedSize

// records are the encoded records added since Reset.
func (bb *BatchBuilder) records() []byte {
	if len(bb.rbuf) < recsAt {
		return nil
	}
	return bb.rbuf[recsAt:]
}

// Reset starts a new batch.
func (bb *BatchBuilder) Reset(h BatchHeader) {
	bb.h = h
	bb.control = false
	bb.rbuf = grow(bb.rbuf[:0], recsAt)
	bb.n = 0
	bb.elided = 0
	bb.elidedRecs = 0
	bb.err = nil
	bb.fixed = nil
}

// Len is the number of records added since Reset.
func (bb *BatchBuilder) Len() int { return int(bb.n) }

// EstimatedSize is the declared size the batch would have uncompressed.
func (bb *BatchBuilder) EstimatedSize() int64 {
	n := int64(HeaderSize + len(bb.records()))
	if bb.h.SizedValues {
		n += elidedSize + bb.elided
	}
	return n
}

func varintLen(v int64) int {
	u := uint64(v<<1) ^ uint64(v>>63)
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}

func bytesLen(b []byte, null bool) int {
	if null {
		return varintLen(-1)
	}
	return varintLen(int64(len(b))) + len(b)
}

func appendBytes(dst, b []byte, null bool) []byte {
	if null {
		return binary.AppendVarint(dst, -1)
	}
	dst = binary.AppendVarint(dst, int64(len(b)))
	return append(dst, b...)
}

// Add appends a record with timestamp ts (milliseconds). A nil key or value
// is null; a null value is a tombstone. In a SizedValues batch the value is
// stored whole (declared size = len(value)).
func (bb *BatchBuilder) Add(ts int64, key, value []byte, headers []Header) {
	size := int64(len(value))
	if value == nil {
		size = -1
	}
	bb.add(int64(bb.n), ts, key, value, size, headers)
}

// AddSized appends a record whose value is declared to be valueSize bytes
// long of which only prefix is stored; the batch must have been Reset with
// SizedValues. valueSize < 0 is a null value (prefix must then be empty).
func (bb *BatchBuilder) AddSized(ts int64, key, prefix []byte, valueSize int64, headers []Header) {
	if !bb.h.SizedValues {
		bb.setErr(errors.New("AddSized on a batch without SizedValues"))
		return
	}
	if valueSize < int64(len(prefix)) && !(valueSize < 0 && len(prefix) == 0) {
		bb.setErr(fmt.Errorf("value size %d smaller than its prefix (%d bytes)", valueSize, len(prefix)))
		return
	}
	if valueSize < 0 {
		prefix = nil
	}
	bb.add(int64(bb.n), ts, key, prefix, valueSize, headers)
}

// AddElided appends n records with timestamp ts that are declared, not
// stored: they take offsets (the batch's last offset delta counts them) and
// their encoding, recordBytes in all, counts in the batch's declared size
// as elided bytes, but no byte of them is kept and a RecordReader does not
// see them (the record count holds the stored records only, as after
// compaction). The batch must have been Reset with SizedValues. It is for
// records nothing will read back, whose bytes only need to be accounted:
// RecordBytes gives an unstored record's encoded size.
func (bb *BatchBuilder) AddElided(ts int64, n int32, recordBytes int64) {
	if !bb.h.SizedValues {
		bb.setErr(errors.New("AddElided on a batch without SizedValues"))
		return
	}
	if n <= 0 || recordBytes < 0 || int64(bb.n)+int64(n) > math.MaxInt32 {
		bb.setErr(fmt.Errorf("%d elided records of %d bytes", n, recordBytes))
		return
	}
	if bb.n == 0 {
		bb.baseTs, bb.maxTs = ts, ts
	}
	bb.maxTs = max(bb.maxTs, ts)
	bb.n += n
	bb.elidedRecs += n
	bb.elided += recordBytes
}

// RecordBytes is the encoded size of a record without headers whose
// non-null key and value are keyLen and valueLen bytes long, at offset
// delta offDelta and timestamp delta tsDelta in its batch (as a batch
// without SizedValues stores it).
func RecordBytes(offDelta, tsDelta int64, keyLen, valueLen int) int64 {
	body := 1 + varintLen(tsDelta) + varintLen(offDelta) +
		varintLen(int64(keyLen)) + keyLen + varintLen(int64(valueLen)) + valueLen + varintLen(0)
	return int64(varintLen(int64(body)) + body)
}

func (bb *BatchBuilder) setErr(err error) {
	if bb.err == nil {
		bb.err = err
	}
}

func (bb *BatchBuilder) add(offDelta, ts int64, key, value []byte, valueSize int64, headers []Header) {
	if bb.n == math.MaxInt32 {
		bb.setErr(errors.New("too many records in one batch"))
		return
	}
	if valueSize > math.MaxInt32 {
		bb.setErr(fmt.Errorf("value size %d too large", valueSize))
		return
	}
	if bb.n == 0 {
		bb.baseTs, bb.maxTs = ts, ts
	}
	if ts > bb.maxTs {
		bb.maxTs = ts
	}
	tsDelta := ts - bb.baseTs
	null := valueSize < 0
	// Body size first, so the length varint can be written in front.
	body := 1 + varintLen(tsDelta) + varintLen(offDelta) + bytesLen(key, key == nil)
	if bb.h.SizedValues {
		body += varintLen(valueSize)
		if !null {
			body += varintLen(int64(len(value))) + len(value)
		}
	} else {
		body += bytesLen(value, null)
	}
	body += varintLen(int64(len(headers)))
	for _, h := range headers {
		body += bytesLen(h.Key, false) + bytesLen(h.Value, h.Value == nil)
	}
	if len(bb.rbuf) < recsAt { // a builder never Reset
		bb.rbuf = grow(bb.rbuf[:0], recsAt)
	}
	r := binary.AppendVarint(bb.rbuf, int64(body))
	r = append(r, 0) // record attributes, unused
	r = binary.AppendVarint(r, tsDelta)
	r = binary.AppendVarint(r, offDelta)
	r = appendBytes(r, key, key == nil)
	if bb.h.SizedValues {
		r = binary.AppendVarint(r, valueSize)
		if !null {
			r = appendBytes(r, value, false)
			bb.elided += valueSize - int64(len(value))
		}
	} else {
		r = appendBytes(r, value, null)
	}
	r = binary.AppendVarint(r, int64(len(headers)))
	for _, h := range headers {
		r = appendBytes(r, h.Key, false)
		r = appendBytes(r, h.Value, h.Value == nil)
	}
	bb.rbuf = r
	bb.n++
}

// Build encodes the batch with base offset 0 and no leader epoch (Append
// fills both in). The result aliases the builder's buffer: it is valid until
// the next Reset or Build.
func (bb *BatchBuilder) Build() (Batch, error) {
	if bb.err != nil {
		return nil, bb.err
	}
	if bb.n == 0 {
		return nil, errors.New("empty batch")
	}
	attrs := int16(bb.h.Compression) & attrCodecMask
	if bb.h.LogAppendTime {
		attrs |= attrLogAppendTime
	}
	if bb.h.Transactional || bb.control {
		attrs |= attrTransactional
	}
	if bb.control {
		attrs |= attrControl
	}
	start := HeaderSize
	if bb.h.SizedValues {
		attrs |= attrSizedValues
		start += elidedSize
	}
	var out []byte
	if bb.h.Compression == CompressionNone {
		// The header goes in the room before the records: no copy.
		out = bb.rbuf[recsAt-start:]
	} else {
		var err error
		out, err = compress(grow(bb.out[:0], start), bb.h.Compression, bb.records())
		if err != nil {
			return nil, fmt.Errorf("compress %v: %w", bb.h.Compression, err)
		}
		bb.out = out
	}
	if len(out) > MaxBatchStoredSize {
		return nil, errorf(ErrMessageTooLarge, "batch of %d bytes", len(out))
	}
	pid, pep, seq := NoProducerID, NoProducerEpoch, NoSequence
	if bb.h.Idempotent || bb.h.Transactional || bb.control {
		pid, pep, seq = bb.h.ProducerID, bb.h.ProducerEpoch, bb.h.BaseSequence
	}
	be := binary.BigEndian
	be.PutUint64(out[posBaseOffset:], 0)
	be.PutUint32(out[posLength:], uint32(len(out)-logOverhead))
	be.PutUint32(out[posLeaderEpoch:], 0xffffffff) // NoLeaderEpoch
	out[posMagic] = magicV2
	be.PutUint16(out[posAttributes:], uint16(attrs))
	be.PutUint32(out[posLastOffsetDelta:], uint32(bb.n-1))
	be.PutUint64(out[posBaseTimestamp:], uint64(bb.baseTs))
	be.PutUint64(out[posMaxTimestamp:], uint64(bb.maxTs))
	be.PutUint64(out[posProducerID:], uint64(pid))
	be.PutUint16(out[posProducerEpoch:], uint16(pep))
	be.PutUint32(out[posBaseSequence:], uint32(seq))
	be.PutUint32(out[posRecordCount:], uint32(bb.n-bb.elidedRecs))
	if bb.h.SizedValues {
		be.PutUint64(out[HeaderSize:], uint64(bb.elided))
	}
	if f := bb.fixed; f != nil {
		be.PutUint64(out[posBaseOffset:], uint64(f.BaseOffset()))
		be.PutUint32(out[posLeaderEpoch:], uint32(f.LeaderEpoch()))
		be.PutUint32(out[posLastOffsetDelta:], uint32(f.LastOffsetDelta()))
		be.PutUint64(out[posProducerID:], uint64(f.ProducerID()))
		be.PutUint16(out[posProducerEpoch:], uint16(f.ProducerEpoch()))
		be.PutUint32(out[posBaseSequence:], uint32(f.BaseSequence()))
	}
	b := Batch(out)
	be.PutUint32(out[posCRC:], b.computeCRC())
	return b, nil
}

// BuildTake is Build, except that the caller keeps the result: the
// builder gives up the buffer the batch was built in and takes spare (an
// old batch the caller no longer needs, or nil) to build the next one in.
// It spares a producer that keeps its batches the copy of each one.
func (bb *BatchBuilder) BuildTake(spare []byte) (Batch, error) {
	b, err := bb.Build()
	if err != nil {
		return nil, err
	}
	if bb.h.Compression == CompressionNone {
		bb.rbuf = spare[:0]
	} else {
		bb.out = spare[:0]
	}
	return b, nil
}

// Control record types.
const (
	ControlAbort  int16 = 0
	ControlCommit int16 = 1
)

// BuildControl encodes a transaction marker (commit or abort) for a
// producer, as the transaction coordinator writes it. The result aliases the
// builder's buffer.
func (bb *BatchBuilder) BuildControl(producerID int64, producerEpoch int16, commit bool, coordinatorEpoch int32, ts int64) (Batch, error) {
	bb.Reset(BatchHeader{ProducerID: producerID, ProducerEpoch: producerEpoch, BaseSequence: NoSequence})
	bb.control = true
	typ := ControlAbort
	if commit {
		typ = ControlCommit
	}
	var key [4]byte
	binary.BigEndian.PutUint16(key[2:], uint16(typ))
	var val [6]byte
	binary.BigEndian.PutUint32(val[2:], uint32(coordinatorEpoch))
	bb.add(0, ts, key[:], val[:], int64(len(val)), nil)
	return bb.Build()
}

// resetFrom starts rewriting batch f: same codec, flags, offsets and
// producer fields; records are added with their original offset deltas.
func (bb *BatchBuilder) resetFrom(f Batch) {
	bb.Reset(BatchHeader{
		Transactional: f.IsTransactional(),
		Compression:   f.Compression(),
		SizedValues:   f.HasSizedValues(),
		LogAppendTime: f.Attributes()&attrLogAppendTime != 0,
	})
	bb.fixed = f
}
