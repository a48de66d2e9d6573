package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
)

// Stream returns the random stream called name. Streams are independent
// PCG generators whose two 64-bit seed words are the first 16 bytes of
// SHA-256(master seed ‖ name), so a stream's sequence depends only on the
// master seed and its own name: adding or removing another component (and
// so another stream) never changes what this one draws.
//
// The same name always returns the same *rand.Rand object, so two callers
// that use one name share one sequence. Give each component its own name
// (for example "producer/orders-3").
func (s *Sim) Stream(name string) *rand.Rand {
	if r, ok := s.streams[name]; ok {
		return r
	}
	r := rand.New(NewSource(s.seed, name))
	s.streams[name] = r
	return r
}

// NewSource returns a fresh PCG source seeded from (seed, name) exactly as
// Stream seeds its generators, for use outside a Sim (tests, tools).
func NewSource(seed uint64, name string) *rand.PCG {
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], seed)
	h := sha256.New()
	h.Write(buf[:])
	h.Write([]byte(name))
	sum := h.Sum(nil)
	return rand.NewPCG(binary.LittleEndian.Uint64(sum[0:8]), binary.LittleEndian.Uint64(sum[8:16]))
}
