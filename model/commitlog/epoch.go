package commitlog

import (
	"bytes"
	"fmt"
	"strconv"
)

// EpochEntry says that leader epoch Epoch began at StartOffset.
type EpochEntry struct {
	Epoch       int32
	StartOffset int64
}

// epochCache is the leader-epoch cache: entries with strictly increasing
// epochs and non-decreasing start offsets.
type epochCache []EpochEntry

// assign records that epoch starts at offset; it reports whether the cache
// changed. Older or equal epochs are ignored; entries of older epochs that
// start at or after offset give way, as in Kafka's cache (an epoch in
// which nothing was written is not kept).
func (c *epochCache) assign(epoch int32, offset int64) bool {
	if epoch < 0 {
		return false
	}
	if n := len(*c); n > 0 {
		last := (*c)[n-1]
		if epoch <= last.Epoch {
			return false
		}
		if offset <= last.StartOffset {
			// A new epoch cannot start before the previous one, nor where
			// it starts: drop the entries it supersedes.
			i := n
			for i > 0 && (*c)[i-1].StartOffset >= offset {
				i--
			}
			*c = (*c)[:i]
		}
	}
	*c = append(*c, EpochEntry{epoch, offset})
	return true
}

func (c epochCache) latest() (int32, bool) {
	if len(c) == 0 {
		return NoLeaderEpoch, false
	}
	return c[len(c)-1].Epoch, true
}

// endOffsetFor follows Kafka's LeaderEpochFileCache.endOffsetFor.
func (c epochCache) endOffsetFor(epoch int32, logEnd int64) (int32, int64) {
	if epoch < 0 || len(c) == 0 {
		return NoLeaderEpoch, -1
	}
	if c[len(c)-1].Epoch == epoch {
		return epoch, logEnd
	}
	// First entry with a larger epoch.
	i := 0
	for i < len(c) && c[i].Epoch <= epoch {
		i++
	}
	if i == len(c) {
		return NoLeaderEpoch, -1
	}
	if i == 0 {
		return epoch, c[0].StartOffset
	}
	return c[i-1].Epoch, c[i].StartOffset
}

// truncateFromEnd removes entries starting at or after offset.
func (c *epochCache) truncateFromEnd(offset int64) bool {
	n := len(*c)
	for n > 0 && (*c)[n-1].StartOffset >= offset {
		n--
	}
	changed := n != len(*c)
	*c = (*c)[:n]
	return changed
}

// truncateFromStart drops entries wholly before offset; the last of them
// moves up to start at offset.
func (c *epochCache) truncateFromStart(offset int64) bool {
	i := 0
	for i < len(*c) && (*c)[i].StartOffset < offset {
		i++
	}
	if i == 0 {
		return false
	}
	keep := (*c)[i-1]
	keep.StartOffset = offset
	rest := append(epochCache{keep}, (*c)[i:]...)
	*c = rest
	return true
}

// encode writes Kafka's checkpoint format: version, count, then one
// "epoch offset" line per entry.
func (c epochCache) encode() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "0\n%d\n", len(c))
	for _, e := range c {
		fmt.Fprintf(&b, "%d %d\n", e.Epoch, e.StartOffset)
	}
	return b.Bytes()
}

func decodeEpochs(data []byte) (epochCache, error) {
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) < 2 || string(lines[0]) != "0" {
		return nil, fmt.Errorf("leader-epoch-checkpoint: bad header")
	}
	n, err := strconv.Atoi(string(lines[1]))
	if err != nil || n != len(lines)-2 {
		return nil, fmt.Errorf("leader-epoch-checkpoint: count %q for %d entries", lines[1], len(lines)-2)
	}
	var c epochCache
	for i, l := range lines[2:] {
		f := bytes.Fields(l)
		if len(f) != 2 {
			return nil, fmt.Errorf("leader-epoch-checkpoint: line %d: %q", i+3, l)
		}
		e, err1 := strconv.ParseInt(string(f[0]), 10, 32)
		o, err2 := strconv.ParseInt(string(f[1]), 10, 64)
		if err1 != nil || err2 != nil || e < 0 || o < 0 {
			return nil, fmt.Errorf("leader-epoch-checkpoint: line %d: %q", i+3, l)
		}
		if len(c) > 0 && (int32(e) <= c[len(c)-1].Epoch || o < c[len(c)-1].StartOffset) {
			return nil, fmt.Errorf("leader-epoch-checkpoint: line %d out of order", i+3)
		}
		c = append(c, EpochEntry{int32(e), o})
	}
	return c, nil
}

// epochAt returns the index of the entry that covers offset (the last one
// starting at or before it), or -1.
func (c epochCache) epochAt(offset int64) int {
	i := len(c)
	for i > 0 && c[i-1].StartOffset > offset {
		i--
	}
	return i - 1
}

// checkBatch reports whether a batch's leader epoch agrees with the cache:
// the epoch the cache gives for its first offset at or after logStart, and
// no other epoch starting inside it. Batches without an epoch agree when
// the cache says nothing about their offsets.
func (c epochCache) checkBatch(b Batch, logStart int64) error {
	if b.LastOffset() < logStart || len(c) == 0 {
		return nil
	}
	e := b.LeaderEpoch()
	k := c.epochAt(max(b.BaseOffset(), logStart))
	switch {
	case k < 0 && e >= 0:
		return fmt.Errorf("batch at offset %d has leader epoch %d, but the leader-epoch-checkpoint has no epoch for that offset", b.BaseOffset(), e)
	case k >= 0 && c[k].Epoch != e:
		return fmt.Errorf("batch at offset %d has leader epoch %d, but the leader-epoch-checkpoint says epoch %d from offset %d", b.BaseOffset(), e, c[k].Epoch, c[k].StartOffset)
	case k+1 < len(c) && c[k+1].StartOffset <= b.LastOffset():
		return fmt.Errorf("the leader-epoch-checkpoint starts epoch %d at offset %d, inside the batch at offsets %d..%d", c[k+1].Epoch, c[k+1].StartOffset, b.BaseOffset(), b.LastOffset())
	}
	return nil
}
