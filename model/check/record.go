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
	dst = appendUvarint(dst, uint64(prod))
	dst = appendUvarint(dst, uint64(uint32(seq)))
	return appendUvarint(dst, uint64(born%sim.Millisecond))
}

// ReadID reads the prefix AppendID wrote: the producer, the sequence and
// the produce time (from the record's millisecond timestamp and the
// prefix's sub-millisecond part). ok is false when v has no prefix.
func ReadID(v []byte, timestampMs int64) (prod int, seq int32, born sim.Time, ok bool) {
	pid, i := uvarint(v, 0)
	s, i := uvarint(v, i)
	sub, i := uvarint(v, i)
	if i < 0 {
		return 0, 0, 0, false
	}
	return int(pid), int32(uint32(s)), sim.Time(timestampMs)*sim.Millisecond + sim.Time(sub), true
}

// uvarint decodes the uvarint at v[i:] as binary.Uvarint does, returning
// it and the index just after it; the index is −1 when v ends inside it,
// it overflows 64 bits, or i is already −1. (Written out because a
// message's id is read for every record a consumer processes, and
// binary.Uvarint's calls on re-sliced values cost more than the decoding.)
func uvarint(v []byte, i int) (uint64, int) {
	if i < 0 {
		return 0, -1
	}
	var x uint64
	for s := uint(0); i < len(v); s += 7 {
		b := v[i]
		i++
		if b < 0x80 {
			if s == 63 && b > 1 {
				return 0, -1
			}
			return x | uint64(b)<<s, i
		}
		if s == 63 {
			return 0, -1
		}
		x |= uint64(b&0x7f) << s
	}
	return 0, -1
}

// appendUvarint appends x as a uvarint, as binary.AppendUvarint does.
func appendUvarint(dst []byte, x uint64) []byte {
	for x >= 0x80 {
		dst = append(dst, byte(x)|0x80)
		x >>= 7
	}
	return append(dst, byte(x))
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
