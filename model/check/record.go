package check

import (
	"encoding/binary"

	"mqsim/sim"
)

// How a message's identity travels in a record, the same for every
// system: the record value starts with the producer instance and the
// message's sequence as uvarints, then the sub-millisecond part of its
// produce time (the record timestamp holds the milliseconds); the record
// key, when the message has one, is the key id as a uvarint. The rest of
// the value is the sized record's declared payload.

// AppendID appends the value prefix for message (prod, seq) produced at
// born to dst.
func AppendID(dst []byte, prod int, seq int32, born sim.Time) []byte {
	dst = binary.AppendUvarint(dst, uint64(prod))
	dst = binary.AppendUvarint(dst, uint64(uint32(seq)))
	return binary.AppendUvarint(dst, uint64(born%sim.Millisecond))
}

// ReadID reads the prefix AppendID wrote: the producer, the sequence and
// the produce time (from the record's millisecond timestamp and the
// prefix's sub-millisecond part). ok is false when v has no prefix.
func ReadID(v []byte, timestampMs int64) (prod int, seq int32, born sim.Time, ok bool) {
	pid, n1 := binary.Uvarint(v)
	if n1 <= 0 {
		return 0, 0, 0, false
	}
	s, n2 := binary.Uvarint(v[n1:])
	if n2 <= 0 {
		return 0, 0, 0, false
	}
	sub, n3 := binary.Uvarint(v[n1+n2:])
	if n3 <= 0 {
		return 0, 0, 0, false
	}
	return int(pid), int32(uint32(s)), sim.Time(timestampMs)*sim.Millisecond + sim.Time(sub), true
}

// AppendKey encodes key id k as a record key.
func AppendKey(dst []byte, k int64) []byte { return binary.AppendUvarint(dst, uint64(k)) }

// ReadKey decodes a record key AppendKey wrote; -1 for no key.
func ReadKey(key []byte) int64 {
	if key == nil {
		return -1
	}
	k, _ := binary.Uvarint(key)
	return int64(k)
}
