package scenarios

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"mqsim/scenarios/units"
)

// FaultRule says which fields a fault type needs and accepts.
type FaultRule struct {
	Doc string // one line for `mqsim scenarios --faults` and the README
	// Target is what the fault acts on: "broker" (Broker or Leader),
	// "consumer" (Group, optionally Consumer), "group", "topic" (Topic),
	// "cluster" (nothing).
	Target string
	// Params lists the parameter fields the type accepts (slowdown, share,
	// lose_page_cache, from, count); Required those it must have.
	Params   []string
	Required []string
	// NeedsDuration: the fault must end (a slowdown or partition that lasts
	// forever is allowed; a restart without a crash is not — use false).
	NeedsDuration bool
}

// FaultTypes is every fault a scenario may list, by type. The model
// implements each one (model/faults*.go); a test checks both lists agree.
var FaultTypes = map[string]FaultRule{}

// FaultTypeNames returns the fault types, sorted.
func FaultTypeNames() []string {
	names := make([]string, 0, len(FaultTypes))
	for n := range FaultTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LeaderTarget splits a Fault.Leader value "topic/N".
func LeaderTarget(s string) (topic string, partition int, err error) {
	i := strings.LastIndexByte(s, '/')
	if i <= 0 {
		return "", 0, fmt.Errorf("%q: want topic/partition, e.g. orders/0", s)
	}
	n, err := strconv.Atoi(s[i+1:])
	if err != nil || n < 0 {
		return "", 0, fmt.Errorf("%q: the partition must be a number 0 or more", s)
	}
	return s[:i], n, nil
}

func (s *Scenario) validateFaults(v *validator, topics map[string]int) {
	groups := map[string]int{}
	for _, g := range s.ConsumerGroups {
		groups[g.Name] = g.Consumers
	}
	type span struct {
		target     string
		start, end units.Duration
		index      int
	}
	spans := map[string][]span{} // by type
	for i := range s.Faults {
		f := &s.Faults[i]
		at := fmt.Sprintf("faults[%d]", i)
		rule, ok := FaultTypes[f.Type]
		if !ok {
			v.add(at+".type", "unknown fault type %q%s%s", f.Type, DidYouMean(f.Type, FaultTypeNames()), NameList("fault types (see 'mqsim scenarios --faults')", FaultTypeNames()))
			continue
		}
		if f.At < 0 {
			v.add(at+".at", "must not be negative")
		}
		if s.Duration > 0 && f.At >= s.Duration {
			v.add(at+".at", "%v is not before the end of the run (duration %v)", f.At, s.Duration)
		}
		if f.Duration < 0 {
			v.add(at+".duration", "must not be negative")
		}
		if rule.NeedsDuration && f.Duration == 0 {
			v.add(at+".duration", "missing: a %s must say how long it lasts", f.Type)
		}
		end := f.At + f.Duration
		if f.Duration == 0 {
			end = s.Duration + s.Drain
		}
		target := ""
		switch rule.Target {
		case "broker":
			switch {
			case f.Broker != nil && f.Leader != "":
				v.add(at+".leader", "give broker or leader, not both")
			case f.Broker != nil:
				if *f.Broker < 0 || *f.Broker >= s.Cluster.Brokers {
					v.add(at+".broker", "no broker %d: brokers are numbered 0 to %d", *f.Broker, s.Cluster.Brokers-1)
				}
				target = "broker:" + strconv.Itoa(*f.Broker)
			case f.Leader != "":
				t, p, err := LeaderTarget(f.Leader)
				if err != nil {
					v.add(at+".leader", "%v", err)
				} else if ti, ok := topics[t]; !ok || ti >= len(s.Topics) { // a queue or subscription is no topic
					v.add(at+".leader", "no topic %q in this scenario", t)
				} else if n := s.Topics[ti].Partitions; p >= n {
					v.add(at+".leader", "topic %s has %d partitions (0 to %d)", t, n, n-1)
				}
				target = "leader:" + f.Leader
			default:
				v.add(at+".broker", "missing: which broker (broker: N, or leader: topic/partition)")
			}
		case "consumer", "group":
			n, ok := groups[f.Group]
			switch {
			case f.Group == "":
				v.add(at+".group", "missing: which consumer group")
			case !ok:
				v.add(at+".group", "no consumer group %q in this scenario", f.Group)
			case f.Consumer != nil && (*f.Consumer < 0 || *f.Consumer >= n):
				v.add(at+".consumer", "group %s has %d consumers (0 to %d)", f.Group, n, n-1)
			}
			target = "group:" + f.Group
			if f.Consumer != nil {
				target += "/" + strconv.Itoa(*f.Consumer)
			}
		case "producer":
			target = s.producerTarget(v, at, f) // txn_producer.go
		case "topic":
			// A topic only grows: faults on one topic never contradict
			// each other, so no target is recorded for the overlap check.
			if f.Topic == "" {
				v.add(at+".topic", "missing: which topic")
			} else if _, ok := topics[f.Topic]; !ok {
				v.add(at+".topic", "no topic %q in this scenario", f.Topic)
			}
			if f.Duration != 0 {
				v.add(at+".duration", "a %s fault lasts: partitions cannot be removed from a topic", f.Type)
			}
		}
		allowed := map[string]bool{}
		for _, p := range rule.Params {
			allowed[p] = true
		}
		given := map[string]bool{
			"slowdown": f.Slowdown != 0, "share": f.Share != 0, "lose_page_cache": f.LosePageCache, "from": len(f.From) > 0,
			"broker": f.Broker != nil && rule.Target != "broker", "leader": f.Leader != "" && rule.Target != "broker",
			"group":    f.Group != "" && rule.Target != "consumer" && rule.Target != "group",
			"consumer": f.Consumer != nil && rule.Target != "consumer",
			"topic":    f.Topic != "" && rule.Target != "topic", "count": f.Count != 0,
			"producer": f.Producer != "" && rule.Target != "producer",
			"service":  f.Service != "", // system: services only (services.go)
		}
		for _, name := range []string{"broker", "leader", "group", "consumer", "topic", "producer", "slowdown", "share", "lose_page_cache", "from", "count", "service"} {
			if given[name] && !allowed[name] {
				v.add(at+"."+name, "a %s fault takes no %s", f.Type, name)
			}
		}
		for _, name := range rule.Required {
			if !given[name] {
				v.add(at+"."+name, "missing: a %s fault needs %s", f.Type, name)
			}
		}
		if f.Slowdown != 0 && f.Slowdown < 1 {
			v.add(at+".slowdown", "%v: a slowdown is how many times slower, at least 1x (10x = a tenth of the speed)", f.Slowdown)
		}
		if f.Type == "network-degrade" && f.Slowdown == 0 && f.Share == 0 {
			v.add(at+".slowdown", "missing: a network-degrade fault needs a slowdown (e.g. 10x), a share of messages lost (e.g. 5%%), or both")
		}
		if f.Count < 0 {
			v.add(at+".count", "%d: must be 1 or more", f.Count)
		}
		if f.Share > 1 {
			v.add(at+".share", "%v is more than 100%%", f.Share)
		}
		for j, from := range f.From {
			switch {
			case from == "controller" || from == "peers" || from == "clients":
			case strings.HasPrefix(from, "broker:"):
				n, err := strconv.Atoi(strings.TrimPrefix(from, "broker:"))
				if err != nil || n < 0 || n >= s.Cluster.Brokers {
					v.add(fmt.Sprintf("%s.from[%d]", at, j), "%q: no such broker (0 to %d)", from, s.Cluster.Brokers-1)
				}
			default:
				v.add(fmt.Sprintf("%s.from[%d]", at, j), "%q: want controller, peers, clients or broker:N", from)
			}
		}
		// Two faults of one type on one target that overlap contradict
		// each other (a broker cannot crash while it is down).
		for _, o := range spans[f.Type] {
			if target != "" && o.target == target && f.At < o.end && o.start < end {
				v.add(at+".at", "overlaps faults[%d] (%s on the same target from %v): they contradict each other", o.index, f.Type, o.start)
			}
		}
		spans[f.Type] = append(spans[f.Type], span{target: target, start: f.At, end: end, index: i})
	}
}
