package kafka

import (
	"encoding/binary"
)

// Arrivals, key ids and sizes are drawn by package mqsim/model/load, the
// same for every system; Kafka's own part is the key partitioner.

// murmur2 is Kafka's default partitioner hash.
func murmur2(data []byte) int32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	length := len(data)
	h := seed ^ uint32(length)
	n := length / 4
	for i := 0; i < n; i++ {
		k := binary.LittleEndian.Uint32(data[i*4:])
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	rest := data[n*4:]
	switch len(rest) {
	case 3:
		h ^= uint32(rest[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(rest[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(rest[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

// partitionFor is Kafka's key partitioner: positive murmur2 modulo the
// partition count.
func partitionFor(key []byte, partitions int) int {
	return int(murmur2(key)&0x7fffffff) % partitions
}
