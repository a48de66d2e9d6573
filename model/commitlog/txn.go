package commitlog

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"sort"
)

// AbortedTxn is an aborted transaction: producer ProducerID wrote
// transactional data from FirstOffset and its abort marker at LastOffset.
type AbortedTxn struct {
	ProducerID       int64
	FirstOffset      int64
	LastOffset       int64
	LastStableOffset int64 // the first offset of another ongoing transaction when the abort was written, else LastOffset+1 (as Kafka)
}

// openTxn is a transaction that holds back the last stable offset: ongoing
// (end = -1), or completed by a marker at end that is not yet below the high
// watermark.
type openTxn struct {
	pid   int64
	first int64
	end   int64
}

const abortedEntrySize = 32

// encodeAborted writes a transaction index: the entries, then a CRC-32C of
// them (a flipped bit in an unchecked lastStableOffset would otherwise go
// unnoticed).
func encodeAborted(list []AbortedTxn) []byte {
	b := make([]byte, 0, len(list)*abortedEntrySize+4)
	for _, a := range list {
		b = binary.BigEndian.AppendUint64(b, uint64(a.ProducerID))
		b = binary.BigEndian.AppendUint64(b, uint64(a.FirstOffset))
		b = binary.BigEndian.AppendUint64(b, uint64(a.LastOffset))
		b = binary.BigEndian.AppendUint64(b, uint64(a.LastStableOffset))
	}
	return binary.BigEndian.AppendUint32(b, abortedCRC(b))
}

// abortedCRC is the CRC-32C of a transaction index's entries, seeded so
// that an empty index does not check as all zeros.
func abortedCRC(entries []byte) uint32 {
	return crc32.Update(crc32.Checksum([]byte("txnindex"), castagnoli), castagnoli, entries)
}

func decodeAborted(b []byte) ([]AbortedTxn, error) {
	if len(b) < 4 || (len(b)-4)%abortedEntrySize != 0 {
		return nil, fmt.Errorf("transaction index of %d bytes", len(b))
	}
	if abortedCRC(b[:len(b)-4]) != binary.BigEndian.Uint32(b[len(b)-4:]) {
		return nil, fmt.Errorf("transaction index crc mismatch")
	}
	b = b[:len(b)-4]
	var list []AbortedTxn
	for ; len(b) > 0; b = b[abortedEntrySize:] {
		a := AbortedTxn{
			ProducerID:       int64(binary.BigEndian.Uint64(b)),
			FirstOffset:      int64(binary.BigEndian.Uint64(b[8:])),
			LastOffset:       int64(binary.BigEndian.Uint64(b[16:])),
			LastStableOffset: int64(binary.BigEndian.Uint64(b[24:])),
		}
		if a.FirstOffset > a.LastOffset || a.FirstOffset < 0 {
			return nil, fmt.Errorf("transaction index entry out of order")
		}
		list = append(list, a)
	}
	return list, nil
}

// CommittedFilter tells a read_committed reader which batches to skip, the
// way Kafka's consumer does: given the aborted transactions a read returned,
// it hides the aborted producers' transactional batches until their abort
// markers, and every control batch.
type CommittedFilter struct {
	pending []AbortedTxn // by first offset
	aborted map[int64]bool
}

// Reset starts a new read with its aborted transactions.
func (f *CommittedFilter) Reset(aborted []AbortedTxn) {
	f.pending = append(f.pending[:0], aborted...)
	sort.Slice(f.pending, func(i, j int) bool { return f.pending[i].FirstOffset < f.pending[j].FirstOffset })
	if f.aborted == nil {
		f.aborted = map[int64]bool{}
	}
	clear(f.aborted)
}

// Skip reports whether the batch's records must not be delivered. Batches
// must be passed in offset order.
func (f *CommittedFilter) Skip(b Batch) bool {
	for len(f.pending) > 0 && f.pending[0].FirstOffset <= b.LastOffset() {
		f.aborted[f.pending[0].ProducerID] = true
		f.pending = f.pending[1:]
	}
	if b.IsControl() {
		if t, err := ControlType(b); err == nil && t == ControlAbort {
			delete(f.aborted, b.ProducerID())
		}
		return true
	}
	return b.IsTransactional() && f.aborted[b.ProducerID()]
}
