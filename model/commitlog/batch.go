package commitlog

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Byte positions in a batch header; see the format in the package doc.
const (
	posBaseOffset      = 0
	posLength          = 8
	posLeaderEpoch     = 12
	posMagic           = 16
	posCRC             = 17
	posAttributes      = 21
	posLastOffsetDelta = 23
	posBaseTimestamp   = 27
	posMaxTimestamp    = 35
	posProducerID      = 43
	posProducerEpoch   = 51
	posBaseSequence    = 53
	posRecordCount     = 57

	// HeaderSize is the size of a batch header.
	HeaderSize = 61
	// logOverhead is the base offset and length, not counted in length.
	logOverhead = 12
	// elidedSize is the extra header field of a sized batch.
	elidedSize = 8
	// SizedHeaderSize is the header of a batch with SizedValues: the
	// header and its elided-bytes field, which is stored and counts in
	// the declared size.
	SizedHeaderSize = HeaderSize + elidedSize

	magicV2 = 2
)

// Attribute bits.
const (
	attrCodecMask     = 0x07
	attrLogAppendTime = 0x08
	attrTransactional = 0x10
	attrControl       = 0x20
	attrSizedValues   = 0x80
)

// Sentinels for "no producer", as in Kafka.
const (
	NoProducerID    int64 = -1
	NoProducerEpoch int16 = -1
	NoSequence      int32 = -1
	NoLeaderEpoch   int32 = -1
)

// MaxBatchStoredSize bounds the stored size of any batch the package will
// parse, whatever the configuration.
const MaxBatchStoredSize = 64 << 20

// Compression is a batch's compression codec.
type Compression int8

// The codecs, numbered as in Kafka.
const (
	CompressionNone Compression = iota
	CompressionGzip
	CompressionSnappy
	CompressionLZ4
	CompressionZstd
)

func (c Compression) String() string {
	switch c {
	case CompressionNone:
		return "none"
	case CompressionGzip:
		return "gzip"
	case CompressionSnappy:
		return "snappy"
	case CompressionLZ4:
		return "lz4"
	case CompressionZstd:
		return "zstd"
	}
	return fmt.Sprintf("codec(%d)", int8(c))
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Batch is a view of one encoded record batch. Its accessors read the header
// directly; a Batch obtained from ParseBatch or Batches has a valid header,
// length and CRC.
type Batch []byte

func (b Batch) u16(p int) uint16 { return binary.BigEndian.Uint16(b[p:]) }
func (b Batch) u32(p int) uint32 { return binary.BigEndian.Uint32(b[p:]) }
func (b Batch) u64(p int) uint64 { return binary.BigEndian.Uint64(b[p:]) }

// BaseOffset is the offset of the first record.
func (b Batch) BaseOffset() int64 { return int64(b.u64(posBaseOffset)) }

// LastOffset is the offset of the last record (BaseOffset + LastOffsetDelta).
func (b Batch) LastOffset() int64 { return b.BaseOffset() + int64(b.LastOffsetDelta()) }

// NextOffset is LastOffset + 1.
func (b Batch) NextOffset() int64 { return b.LastOffset() + 1 }

// LeaderEpoch is the partition leader epoch stamped on append.
func (b Batch) LeaderEpoch() int32 { return int32(b.u32(posLeaderEpoch)) }

// Magic is the format version (2).
func (b Batch) Magic() int8 { return int8(b[posMagic]) }

// CRC is the stored checksum.
func (b Batch) CRC() uint32 { return b.u32(posCRC) }

// Attributes is the raw attribute field.
func (b Batch) Attributes() int16 { return int16(b.u16(posAttributes)) }

// Compression is the batch's codec.
func (b Batch) Compression() Compression { return Compression(b.Attributes() & attrCodecMask) }

// IsTransactional reports whether the batch belongs to a transaction.
func (b Batch) IsTransactional() bool { return b.Attributes()&attrTransactional != 0 }

// IsControl reports whether the batch is a transaction marker.
func (b Batch) IsControl() bool { return b.Attributes()&attrControl != 0 }

// HasSizedValues reports whether record values are stored as declared size
// plus a real prefix.
func (b Batch) HasSizedValues() bool { return b.Attributes()&attrSizedValues != 0 }

// LastOffsetDelta is LastOffset - BaseOffset.
func (b Batch) LastOffsetDelta() int32 { return int32(b.u32(posLastOffsetDelta)) }

// BaseTimestamp is the first record's timestamp (milliseconds).
func (b Batch) BaseTimestamp() int64 { return int64(b.u64(posBaseTimestamp)) }

// MaxTimestamp is the largest record timestamp (milliseconds).
func (b Batch) MaxTimestamp() int64 { return int64(b.u64(posMaxTimestamp)) }

// ProducerID is the idempotent producer's id, or NoProducerID.
func (b Batch) ProducerID() int64 { return int64(b.u64(posProducerID)) }

// ProducerEpoch is the producer's epoch, or NoProducerEpoch.
func (b Batch) ProducerEpoch() int16 { return int16(b.u16(posProducerEpoch)) }

// BaseSequence is the first record's sequence number, or NoSequence.
func (b Batch) BaseSequence() int32 { return int32(b.u32(posBaseSequence)) }

// LastSequence is the last record's sequence number (wrapping at MaxInt32).
func (b Batch) LastSequence() int32 {
	s := b.BaseSequence()
	if s == NoSequence {
		return NoSequence
	}
	return seqAdd(s, b.LastOffsetDelta())
}

// NumRecords is the record count.
func (b Batch) NumRecords() int32 { return int32(b.u32(posRecordCount)) }

// ElidedBytes is the number of value bytes declared but not stored (zero
// unless HasSizedValues).
func (b Batch) ElidedBytes() int64 {
	if !b.HasSizedValues() {
		return 0
	}
	return int64(b.u64(HeaderSize))
}

// StoredSize is the number of bytes the batch occupies. It and Size read
// only the header, so they also work on a header-only view.
func (b Batch) StoredSize() int64 { return int64(b.u32(posLength)) + logOverhead }

// Size is the declared size: stored bytes plus elided value bytes. Every
// size limit and statistic of the log counts this.
func (b Batch) Size() int64 { return b.StoredSize() + b.ElidedBytes() }

// recordsStart is where the (possibly compressed) records begin.
func (b Batch) recordsStart() int {
	if b.HasSizedValues() {
		return HeaderSize + elidedSize
	}
	return HeaderSize
}

// setBaseOffset and setLeaderEpoch patch fields outside the CRC.
func (b Batch) setBaseOffset(o int64)  { binary.BigEndian.PutUint64(b[posBaseOffset:], uint64(o)) }
func (b Batch) setLeaderEpoch(e int32) { binary.BigEndian.PutUint32(b[posLeaderEpoch:], uint32(e)) }

func (b Batch) computeCRC() uint32 { return crc32.Checksum(b[posAttributes:], castagnoli) }

func seqAdd(s, d int32) int32 {
	r := int64(s) + int64(d)
	if r > 0x7fffffff {
		r -= 0x80000000
	}
	return int32(r)
}

// batchLen returns the stored size announced by the header at the start of
// data, or an error if it cannot be a batch; ok=false means data is too
// short to tell (a torn tail).
func batchLen(data []byte) (n int, ok bool, err error) {
	if len(data) < logOverhead {
		return 0, false, nil
	}
	l := int32(binary.BigEndian.Uint32(data[posLength:]))
	if l < HeaderSize-logOverhead || int64(l)+logOverhead > MaxBatchStoredSize {
		return 0, true, fmt.Errorf("batch length %d out of range", l)
	}
	return int(l) + logOverhead, true, nil
}

// checkHeader validates everything but the CRC of a complete batch.
func checkHeader(b Batch) error {
	if b.Magic() != magicV2 {
		return fmt.Errorf("magic %d, want %d", b.Magic(), magicV2)
	}
	if b.LastOffsetDelta() < 0 {
		return fmt.Errorf("negative last offset delta %d", b.LastOffsetDelta())
	}
	n := b.NumRecords()
	if n < 0 || int64(n) > int64(b.LastOffsetDelta())+1 {
		return fmt.Errorf("record count %d inconsistent with last offset delta %d", n, b.LastOffsetDelta())
	}
	if b.Compression() > CompressionZstd {
		return fmt.Errorf("unknown compression codec %d", b.Compression())
	}
	if b.BaseOffset() < 0 || b.BaseOffset() > (1<<62) {
		return fmt.Errorf("base offset %d out of range", b.BaseOffset())
	}
	if b.HasSizedValues() {
		if len(b) < HeaderSize+elidedSize {
			return fmt.Errorf("sized batch too short")
		}
		if e := b.ElidedBytes(); e < 0 || e > 1<<40 {
			return fmt.Errorf("elided bytes %d out of range", e)
		}
	}
	if b.IsControl() && !b.IsTransactional() {
		return fmt.Errorf("control batch not transactional")
	}
	return nil
}

// ParseBatch reads the batch at the start of data, verifying its length,
// header and CRC, and returns it and the bytes after it. A short buffer is
// reported as ErrCorruptRecord too.
func ParseBatch(data []byte) (Batch, []byte, error) {
	n, ok, err := batchLen(data)
	if err != nil {
		return nil, data, errorf(ErrCorruptRecord, "%v", err)
	}
	if !ok || n > len(data) {
		return nil, data, errorf(ErrCorruptRecord, "truncated batch: %d bytes available", len(data))
	}
	b := Batch(data[:n:n])
	if err := checkHeader(b); err != nil {
		return nil, data, errorf(ErrCorruptRecord, "%v", err)
	}
	if got := b.computeCRC(); got != b.CRC() {
		return nil, data, errorf(ErrCorruptRecord, "crc %08x, stored %08x", got, b.CRC())
	}
	return b, data[n:], nil
}

// BatchIter walks the batches of a byte slice such as ReadResult.Data.
type BatchIter struct {
	data []byte
	cur  Batch
	err  error
}

// Batches returns an iterator over the batches in data, verifying each.
func Batches(data []byte) BatchIter { return BatchIter{data: data} }

// Next advances to the next batch; it returns false at the end or on a bad
// batch (see Err).
func (it *BatchIter) Next() bool {
	if it.err != nil || len(it.data) == 0 {
		return false
	}
	b, rest, err := ParseBatch(it.data)
	if err != nil {
		it.err = err
		return false
	}
	it.cur, it.data = b, rest
	return true
}

// Batch is the current batch.
func (it *BatchIter) Batch() Batch { return it.cur }

// Err is the error that stopped the iteration, if any.
func (it *BatchIter) Err() error { return it.err }

// SetProducerState rewrites an idempotent batch's producer epoch and base
// sequence and recomputes its CRC: a producer stamps a batch when it first
// sends it, and again after an epoch bump. The batch must be complete (its
// CRC covers every byte after the attributes) and carry a producer id.
func (b Batch) SetProducerState(epoch int16, baseSeq int32) error {
	if len(b) < HeaderSize {
		return fmt.Errorf("batch of %d bytes is shorter than its header", len(b))
	}
	if int64(len(b)) != b.StoredSize() {
		return fmt.Errorf("batch of %d bytes, header says %d", len(b), b.StoredSize())
	}
	if b.ProducerID() == NoProducerID || b.IsControl() {
		return fmt.Errorf("batch has no producer sequence to set")
	}
	if epoch < 0 || baseSeq < 0 {
		return fmt.Errorf("producer epoch %d, base sequence %d: both must be >= 0", epoch, baseSeq)
	}
	binary.BigEndian.PutUint16(b[posProducerEpoch:], uint16(epoch))
	binary.BigEndian.PutUint32(b[posBaseSequence:], uint32(baseSeq))
	binary.BigEndian.PutUint32(b[posCRC:], b.computeCRC())
	return nil
}
