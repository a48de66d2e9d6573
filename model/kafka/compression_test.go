package kafka

import (
	"math"
	"testing"

	"mqsim/scenarios/units"
	"mqsim/sim"
)

// A codec's ratio scales what every message costs: 1 KB messages at 4x
// are 250 B on the wire, on disk and in the log.
func TestCompressionRatioScalesBytes(t *testing.T) {
	run := func(codec string, ratio units.Ratio) *Results {
		s := baseScenario(2000, 5*units.Second)
		p := &s.Producers[0]
		p.MessageSize.Dist = constDist(1000)
		p.Compression, p.CompressionRatio = codec, ratio
		return mustRun(t, s)
	}
	plain, zstd := run("none", 0), run("zstd", 4)
	if plain.Acked == 0 || plain.Acked != zstd.Acked {
		t.Fatalf("acked %d plain, %d compressed: want the same messages", plain.Acked, zstd.Acked)
	}
	if got := zstd.ThroughputInBytes / plain.ThroughputInBytes; math.Abs(got-0.25) > 0.01 {
		t.Errorf("compressed/plain bytes = %.3f, want 0.25 (4x)", got)
	}
	if zstd.Lost != 0 || zstd.Duplicates != 0 {
		t.Errorf("lost %d, duplicates %d", zstd.Lost, zstd.Duplicates)
	}
}

func constDist(v float64) sim.Dist { return sim.Constant{Value: v} }
