package sweep

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"mqsim/scenarios"
)

// Aliases are the knobs people vary most, as short names for the --set
// paths they stand for.
var Aliases = map[string]string{
	"acks":                "producers.*.acks",
	"batch_size":          "producers.*.batch_size",
	"linger":              "producers.*.linger",
	"max_in_flight":       "producers.*.max_in_flight",
	"idempotence":         "producers.*.enable_idempotence",
	"partitions":          "topics.*.partitions",
	"replication_factor":  "topics.*.replication_factor",
	"min_insync_replicas": "topics.*.min_insync_replicas",
	"consumers":           "consumer_groups.*.consumers",
	"brokers":             "cluster.brokers",
	"call":                "services.call",       // a service graph's calls that state no mode
	"via":                 "services.via.system", // the system a service graph's asynchronous calls go through
}

// AliasNames lists the aliases, sorted.
func AliasNames() []string { return slices.Sorted(maps.Keys(Aliases)) }

// AliasPath is the --set path an alias stands for, or key itself when it
// is a path. A single word that is neither an alias nor a top-level
// scenario field is refused with the nearest names, so "ack=1,all" says
// "did you mean acks?" before anything runs. flag names the option (or
// file field) in the message.
func AliasPath(flag, key string) (string, error) {
	if p, ok := Aliases[key]; ok {
		return p, nil
	}
	if strings.Contains(key, ".") || slices.Contains(ScenarioFields(), key) {
		return key, nil
	}
	names := AliasNames()
	return "", fmt.Errorf("%s %s: not an alias or a scenario field%s%s%s", flag, key,
		scenarios.DidYouMean(key, append(names, ScenarioFields()...)),
		scenarios.NameList("aliases", names), scenarios.NameList("or a field path such as producers.*.acks; top-level fields", ScenarioFields()))
}

// ScenarioFields are the top-level field names of a scenario file, sorted.
func ScenarioFields() []string {
	var names []string
	t := reflect.TypeFor[scenarios.Scenario]()
	for i := range t.NumField() {
		if n, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); n != "" && n != "-" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// Axis is one varied setting: the name as written, the --set path it
// stands for, and the values to try, in order.
type Axis struct {
	Key, Path string
	Values    []string
}

// ParseAxis reads "path=v1,v2" (the --vary syntax). Commas inside
// parentheses belong to the value, so distributions such as
// lognormal(median=5ms, p99=50ms) work. flag names the option in errors.
func ParseAxis(flag, s string) (Axis, error) {
	key, rest, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return Axis{}, fmt.Errorf("%s %q: expected path=v1,v2 (e.g. acks=1,all)", flag, s)
	}
	if key == "seed" {
		return Axis{}, fmt.Errorf("%s seed: variants share one seed so that only the varied setting differs; choose seeds with --seed, or a sweep grid's seeds", flag)
	}
	path, err := AliasPath(flag, key)
	if err != nil {
		return Axis{}, err
	}
	a := Axis{Key: key, Path: path}
	depth, start := 0, 0
	for i := 0; i <= len(rest); i++ {
		if i < len(rest) {
			switch rest[i] {
			case '(':
				depth++
				continue
			case ')':
				depth--
				continue
			case ',':
				if depth > 0 {
					continue
				}
			default:
				continue
			}
		}
		v := strings.TrimSpace(rest[start:i])
		if v == "" {
			return Axis{}, fmt.Errorf("%s %q: empty value (want path=v1,v2)", flag, s)
		}
		if slices.Contains(a.Values, v) {
			return Axis{}, fmt.Errorf("%s %q: value %q given twice", flag, s, v)
		}
		a.Values = append(a.Values, v)
		start = i + 1
	}
	return a, nil
}

// Variant is one point of a grid: its label ("acks=1 max_in_flight=5",
// empty for a grid with no axes) and the --set entries that make it.
type Variant struct {
	Label string
	Sets  []string
}

// Variants expands axes into their product, the last axis varying
// fastest. Two axes that set one field are refused; max bounds the count.
func Variants(flag string, axes []Axis, max int) ([]Variant, error) {
	for i, a := range axes {
		for _, b := range axes[:i] {
			if a.Path == b.Path {
				return nil, fmt.Errorf("%s %s and %s %s set the same field %s", flag, b.Key, flag, a.Key, a.Path)
			}
		}
	}
	n := 1
	for _, a := range axes {
		n *= len(a.Values)
		if n > max {
			return nil, fmt.Errorf("%s: the grid has more than %d variants; vary fewer settings at once", flag, max)
		}
	}
	out := make([]Variant, n)
	for i := range n {
		labels := make([]string, len(axes))
		sets := make([]string, len(axes))
		k := i
		for ai := len(axes) - 1; ai >= 0; ai-- {
			a := axes[ai]
			v := a.Values[k%len(a.Values)]
			k /= len(a.Values)
			labels[ai] = a.Key + "=" + v
			sets[ai] = a.Path + "=" + v
		}
		out[i] = Variant{Label: strings.Join(labels, " "), Sets: sets}
	}
	return out, nil
}
