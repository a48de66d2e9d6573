package check

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"mqsim/sim"
)

// An id written by AppendID reads back whole, the produce time rebuilt from
// the millisecond timestamp and the prefix's sub-millisecond part.
func TestIDRoundTrip(t *testing.T) {
	born := 12*sim.Second + 345*sim.Millisecond + 678*sim.Microsecond + 9
	v := AppendID(nil, 7, 1<<20, born)
	prod, seq, got, ok := ReadID(append(v, 0xff, 0xff), int64(born/sim.Millisecond))
	if !ok || prod != 7 || seq != 1<<20 || got != born {
		t.Errorf("ReadID(AppendID(7, 2^20, %v)) = %d, %d, %v, %v; want 7, 2^20, %v, true", born, prod, seq, got, ok, born)
	}
	if _, _, _, ok := ReadID([]byte{0x80}, 0); ok {
		t.Error("ReadID of a truncated prefix: ok, want not ok")
	}
	if k := ReadKey(AppendKey(nil, 9999)); k != 9999 {
		t.Errorf("ReadKey(AppendKey(9999)) = %d", k)
	}
	if k := ReadKey(nil); k != -1 {
		t.Errorf("ReadKey(nil) = %d, want -1", k)
	}
}

// The id prefix's own uvarint reader and writer agree with
// encoding/binary's on every length from 1 to 10 bytes, on truncated
// input and on values that overflow 64 bits.
func TestUvarintMatchesBinary(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 20_000 {
		x := rng.Uint64() >> rng.IntN(64)
		b := binary.AppendUvarint(nil, x)
		if got := appendUvarint(nil, x); !bytes.Equal(got, b) {
			t.Fatalf("appendUvarint(%d) = %x, want %x", x, got, b)
		}
		// Whole, truncated, and followed by junk.
		for _, v := range [][]byte{b, b[:rng.IntN(len(b)+1)], append(b, byte(rng.Uint32()))} {
			want, n := binary.Uvarint(v)
			got, i := uvarint(v, 0)
			if n <= 0 {
				if i >= 0 {
					t.Fatalf("uvarint(%x) = %d, %d; binary.Uvarint refuses it (%d)", v, got, i, n)
				}
			} else if got != want || i != n {
				t.Fatalf("uvarint(%x) = %d, %d; want %d, %d", v, got, i, want, n)
			}
		}
	}
	// Overflow: ten bytes whose last is above 1, and eleven bytes.
	for _, v := range [][]byte{
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00},
		{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, // 2^63: fits
	} {
		want, n := binary.Uvarint(v)
		got, i := uvarint(v, 0)
		if (n > 0) != (i >= 0) || n > 0 && (got != want || i != n) {
			t.Errorf("uvarint(%x) = %d, %d; binary.Uvarint gives %d, %d", v, got, i, want, n)
		}
	}
}
