package scenarios

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"mqsim/scenarios/units"
	"mqsim/sim"
)

// TimeDist is a distribution of durations written as in sim.ParseDist with
// duration values: "exp(2ms)", "lognormal(median=5ms, p99=50ms)", "const(1ms)".
// Samples are in seconds (use sim.SampleTime to get a sim.Time).
type TimeDist struct {
	Spec string
	sim.Dist
}

// SizeDist is a distribution of byte sizes: "const(500B)", "uniform(100B, 1KB)",
// "lognormal(median=500B, p99=4KB)", "trace(sizes.csv)" (recorded sizes,
// sizetrace.go). A bare size ("500B") means const. Samples are bytes.
type SizeDist struct {
	Spec string
	sim.Dist
}

func parseSeconds(s string) (float64, error) {
	d, err := units.ParseDuration(s)
	return d.Seconds(), err
}

func parseByteValue(s string) (float64, error) {
	b, err := units.ParseBytes(s)
	return float64(b), err
}

// ParseTimeDist parses a duration distribution; a bare duration means const.
func ParseTimeDist(s string) (TimeDist, error) {
	if d, err := units.ParseDuration(s); err == nil {
		return TimeDist{Spec: s, Dist: sim.Constant{Value: d.Seconds()}}, nil
	}
	d, err := sim.ParseDist(s, parseSeconds)
	if err != nil {
		return TimeDist{}, &units.Error{Kind: "distribution", Value: s, Msg: err.Error()}
	}
	return TimeDist{Spec: s, Dist: d}, nil
}

// ParseSizeDist parses a size distribution; a bare size means const, and
// trace(sizes.csv) resamples recorded sizes (sizetrace.go).
func ParseSizeDist(s string) (SizeDist, error) {
	if b, err := units.ParseBytes(s); err == nil {
		return SizeDist{Spec: s, Dist: sim.Constant{Value: float64(b)}}, nil
	}
	if name, args, err := splitCall("size distribution", s); err == nil && name == "trace" {
		return parseSizeTrace(s, args)
	}
	d, err := sim.ParseDist(s, parseByteValue)
	if err != nil {
		msg := strings.Replace(err.Error(), " or empirical)", ", empirical or trace(sizes.csv))", 1)
		return SizeDist{}, &units.Error{Kind: "size distribution", Value: s, Msg: msg}
	}
	return SizeDist{Spec: s, Dist: d}, nil
}

func (d *TimeDist) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &units.Error{Kind: "distribution", Value: "a " + map[yaml.Kind]string{yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}[n.Kind], Msg: "expected a single value such as exp(2ms)", Line: n.Line, Column: n.Column}
	}
	v, err := ParseTimeDist(n.Value)
	if err != nil {
		err.(*units.Error).Line, err.(*units.Error).Column = n.Line, n.Column
		return err
	}
	*d = v
	return nil
}

func (d *SizeDist) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &units.Error{Kind: "size distribution", Value: "a " + map[yaml.Kind]string{yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}[n.Kind], Msg: "expected a single value such as lognormal(median=500B, p99=4KB)", Line: n.Line, Column: n.Column}
	}
	v, err := ParseSizeDist(n.Value)
	if err != nil {
		err.(*units.Error).Line, err.(*units.Error).Column = n.Line, n.Column
		return err
	}
	*d = v
	return nil
}

func (d TimeDist) MarshalText() ([]byte, error) { return []byte(d.Spec), nil }
func (d SizeDist) MarshalText() ([]byte, error) { return []byte(d.Spec), nil }
func (d TimeDist) IsZero() bool                 { return d.Dist == nil }
func (d SizeDist) IsZero() bool                 { return d.Dist == nil }
