package commitlog

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"sort"
)

// maxProducerBatches is how many recent batches per producer are kept for
// duplicate detection: Kafka's limit of 5 in-flight requests.
const maxProducerBatches = 5

// BatchMeta describes one recent batch of a producer.
type BatchMeta struct {
	FirstSeq, LastSeq       int32
	FirstOffset, LastOffset int64
	MaxTimestamp            int64
}

// ProducerEntry is what the log remembers about an idempotent producer.
type ProducerEntry struct {
	ProducerID int64
	Epoch      int16
	// Batches holds the most recent batches, oldest first (at most 5).
	Batches []BatchMeta
	// TxnFirstOffset is the first offset of the producer's open
	// transaction, or -1.
	TxnFirstOffset int64
	// win is the array Batches slides along (push), so that a push moves
	// the remembered batches only once every few pushes.
	win []BatchMeta
}

// producerWindow is the length of ProducerEntry.win.
const producerWindow = 2 * maxProducerBatches

func (p *ProducerEntry) lastSeq() int32 {
	if len(p.Batches) == 0 {
		return NoSequence
	}
	return p.Batches[len(p.Batches)-1].LastSeq
}

func (p *ProducerEntry) push(m BatchMeta) {
	if len(p.Batches) == maxProducerBatches {
		p.Batches = p.Batches[1:]
	}
	if len(p.Batches) == cap(p.Batches) {
		// At the end of the window (or in a slice from elsewhere): move
		// to the window's start. The copy may overlap; copy allows it.
		if p.win == nil {
			p.win = make([]BatchMeta, producerWindow)
		}
		n := copy(p.win, p.Batches)
		p.Batches = p.win[:n:producerWindow]
	}
	p.Batches = append(p.Batches, m)
}

// checkSequence validates a leader append from this producer: it returns
// the duplicate's metadata when the batch was already written.
func (p *ProducerEntry) checkSequence(b Batch) (dup *BatchMeta, err error) {
	epoch, first := b.ProducerEpoch(), b.BaseSequence()
	switch {
	case epoch < p.Epoch:
		return nil, errorf(ErrInvalidProducerEpoch, "producer %d epoch %d is older than %d", p.ProducerID, epoch, p.Epoch)
	case epoch > p.Epoch:
		if first != 0 && !b.IsControl() {
			return nil, errorf(ErrOutOfOrderSequence, "producer %d: new epoch %d must start at sequence 0, got %d", p.ProducerID, epoch, first)
		}
		return nil, nil
	}
	if b.IsControl() {
		return nil, nil
	}
	last := b.LastSequence()
	for i := range p.Batches {
		if p.Batches[i].FirstSeq == first && p.Batches[i].LastSeq == last {
			return &p.Batches[i], nil
		}
	}
	ls := p.lastSeq()
	switch {
	case ls == NoSequence && first != 0:
		// The epoch was bumped by a control batch (a transaction marker
		// under transaction.version 2): its sequences start at 0.
		return nil, errorf(ErrOutOfOrderSequence, "producer %d epoch %d: sequence %d before any, want 0", p.ProducerID, epoch, first)
	case ls != NoSequence && first != seqAdd(ls, 1):
		return nil, errorf(ErrOutOfOrderSequence, "producer %d epoch %d: sequence %d after %d", p.ProducerID, epoch, first, ls)
	}
	return nil, nil
}

// producerStates maps producer ids to entries. Iteration order never
// matters: snapshots sort by id.
type producerStates map[int64]*ProducerEntry

func (ps producerStates) clone() producerStates {
	c := make(producerStates, len(ps))
	for id, p := range ps {
		q := *p
		q.Batches, q.win = append([]BatchMeta(nil), p.Batches...), nil
		c[id] = &q
	}
	return c
}

const snapshotVersion = 1

// encode writes a snapshot: version, count, entries, CRC-32C.
func (ps producerStates) encode() []byte {
	ids := make([]int64, 0, len(ps))
	for id := range ps {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	b := binary.BigEndian.AppendUint16(nil, snapshotVersion)
	b = binary.BigEndian.AppendUint32(b, uint32(len(ids)))
	for _, id := range ids {
		p := ps[id]
		b = binary.BigEndian.AppendUint64(b, uint64(p.ProducerID))
		b = binary.BigEndian.AppendUint16(b, uint16(p.Epoch))
		b = binary.BigEndian.AppendUint64(b, uint64(p.TxnFirstOffset))
		b = append(b, byte(len(p.Batches)))
		for _, m := range p.Batches {
			b = binary.BigEndian.AppendUint32(b, uint32(m.FirstSeq))
			b = binary.BigEndian.AppendUint32(b, uint32(m.LastSeq))
			b = binary.BigEndian.AppendUint64(b, uint64(m.FirstOffset))
			b = binary.BigEndian.AppendUint64(b, uint64(m.LastOffset))
			b = binary.BigEndian.AppendUint64(b, uint64(m.MaxTimestamp))
		}
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func decodeSnapshot(b []byte) (producerStates, error) {
	if len(b) < 10 {
		return nil, fmt.Errorf("snapshot of %d bytes", len(b))
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(b[len(b)-4:]) {
		return nil, fmt.Errorf("snapshot crc mismatch")
	}
	if v := binary.BigEndian.Uint16(body); v != snapshotVersion {
		return nil, fmt.Errorf("snapshot version %d", v)
	}
	n := binary.BigEndian.Uint32(body[2:])
	p := body[6:]
	ps := make(producerStates, min(int(n), 1<<16))
	for i := uint32(0); i < n; i++ {
		if len(p) < 19 {
			return nil, fmt.Errorf("short snapshot")
		}
		e := &ProducerEntry{
			ProducerID:     int64(binary.BigEndian.Uint64(p)),
			Epoch:          int16(binary.BigEndian.Uint16(p[8:])),
			TxnFirstOffset: int64(binary.BigEndian.Uint64(p[10:])),
		}
		k := int(p[18])
		p = p[19:]
		if k > maxProducerBatches || len(p) < 32*k {
			return nil, fmt.Errorf("short snapshot")
		}
		for j := 0; j < k; j++ {
			e.Batches = append(e.Batches, BatchMeta{
				FirstSeq:     int32(binary.BigEndian.Uint32(p)),
				LastSeq:      int32(binary.BigEndian.Uint32(p[4:])),
				FirstOffset:  int64(binary.BigEndian.Uint64(p[8:])),
				LastOffset:   int64(binary.BigEndian.Uint64(p[16:])),
				MaxTimestamp: int64(binary.BigEndian.Uint64(p[24:])),
			})
			p = p[32:]
		}
		ps[e.ProducerID] = e
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("%d trailing snapshot bytes", len(p))
	}
	return ps, nil
}
