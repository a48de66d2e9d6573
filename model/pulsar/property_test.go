package pulsar

import (
	"flag"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"mqsim/model"
	"mqsim/scenarios"
)

// TestNoAckedLossProperty: with Qa ≥ 2 and at most Qw − Qa bookies down
// at any time, nothing acknowledged is lost across random bookie crashes
// (process or machine, losing what journals had not fsynced) and broker
// crashes (bundles move, ledgers are fenced and recovered), for random
// E/Qw/Qa, subscription types and rates — a crash without a duration
// takes the bookie's disk away for good; and the producers' ledger closes
// (produced = acked + failed + indeterminate).
func TestNoAckedLossProperty(t *testing.T) {
	checks := "15"
	if testing.Short() {
		checks = "4"
	}
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
	if f := flag.Lookup("rapid.checks"); f != nil && !set {
		old := f.Value.String()
		f.Value.Set(checks)
		defer f.Value.Set(old)
	}
	rapid.Check(t, func(rt *rapid.T) {
		qw := rapid.IntRange(2, 3).Draw(rt, "qw")
		qa := 2
		e := rapid.IntRange(qw, 4).Draw(rt, "ensemble")
		bookies := e + rapid.IntRange(0, 1).Draw(rt, "spare")
		typ := rapid.SampledFrom([]string{"failover", "shared", "key_shared"}).Draw(rt, "type")
		y := fmt.Sprintf(`
name: prop
system: pulsar
seed: %d
duration: 8s
drain: 40s
cluster: {brokers: 2}
topics:
  - {name: t, partitions: %d}
producers:
  - {name: p, topic: t, rate: %d/s, instances: 2, keys: uniform(50), message_size: 512B}
consumer_groups:
  - {name: g, topic: t, consumers: 2, processing: exp(500us)}
pulsar:
  bookies: %d
  ensemble: %d
  write_quorum: %d
  ack_quorum: %d
  session_timeout: 2s
  add_entry_timeout: 2s
  send_timeout: 20s
  subscriptions:
    - {group: g, type: %s}
`, rapid.Uint64Range(1, 1000).Draw(rt, "seed"), rapid.IntRange(1, 3).Draw(rt, "partitions"), rapid.IntRange(50, 400).Draw(rt, "rate"),
			bookies, e, qw, qa, typ)
		// Bookie crashes one after another, never more than Qw − Qa down.
		if qw-qa > 0 {
			y += "  bookie_crashes:\n"
			at := 1
			for range rapid.IntRange(1, 3).Draw(rt, "bookieCrashes") {
				// A crash without a duration never comes back: its disk
				// is gone for the rest of the run.
				d := rapid.IntRange(0, 3).Draw(rt, "down")
				y += fmt.Sprintf("    - {bookie: %d, at: %ds, duration: %ds, lose_page_cache: %v}\n",
					rapid.IntRange(0, bookies-1).Draw(rt, "bookie"), at, d, rapid.Bool().Draw(rt, "machine"))
				at += d + rapid.IntRange(0, 2).Draw(rt, "gap")
				if at >= 8 || d == 0 {
					break
				}
			}
		}
		if rapid.Bool().Draw(rt, "brokerCrash") {
			y += fmt.Sprintf("faults:\n  - {type: broker-crash, broker: %d, at: %ds, duration: %ds}\n",
				rapid.IntRange(0, 1).Draw(rt, "broker"), rapid.IntRange(1, 6).Draw(rt, "brokerAt"), rapid.IntRange(1, 4).Draw(rt, "brokerDown"))
		}
		ls, err := scenarios.ParseScenario("prop.yaml", []byte(y), nil)
		if err != nil {
			rt.Fatalf("%v\n%s", err, y)
		}
		_, r, err := run(&ls.Scenario, model.Options{})
		if err != nil {
			rt.Fatalf("run: %v\n%s", err, y)
		}
		if r.Lost != 0 {
			rt.Fatalf("lost %d of %d acknowledged\n%s", r.Lost, r.Acked, y)
		}
		if r.Produced != r.Acked+r.Failed+r.Indeterminate {
			rt.Fatalf("produced %d != acked %d + failed %d + indeterminate %d\n%s", r.Produced, r.Acked, r.Failed, r.Indeterminate, y)
		}
	})
}
