package kafka

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"mqsim/scenarios"
	"mqsim/scenarios/units"
)

// The running lag is the lag recomputed from every partition: at every
// sampler tick (every 10 ms here) and at the end of runs that move high
// watermarks and positions in every way the model has — elections that
// lower a high watermark, unclean elections and truncation, rebalances and
// crashes, retention resetting positions, partitions added at run time,
// share groups, transactional reads that skip markers and aborted
// batches, and random churn of members — the running total equals the
// sum and the maxima are at least the values seen (a mismatch fails the
// run).
func TestLagBookkeepingIsExact(t *testing.T) {
	verifyLag = true
	defer func() { verifyLag = false }()
	for _, name := range []string{"broker-failure", "unclean-election", "hw-truncation-high-watermark",
		"consumer-crash", "rolling-restart", "slow-consumer", "slow-consumer-scaled", "retention-loss",
		"add-partitions", "kafka-share-group", "exactly-once-pipeline", "transactional-producer",
		"hanging-transaction", "poison-message"} {
		t.Run(name, func(t *testing.T) {
			sc, err := scenarios.LoadScenario(name, nil)
			if err != nil {
				t.Fatalf("load %s: %v", name, err)
			}
			sc.SampleInterval = 10 * units.Millisecond
			mustRun(t, &sc.Scenario)
		})
	}
	// Random churn: crashes, leaves, stalls, joins and slowdowns of
	// members under every assignor and commit mode.
	rapid.Check(t, func(t *rapid.T) {
		s := churnScenario(t)
		s.ConsumerGroups[0].Commit = rapid.SampledFrom([]string{"after", "auto", "before"}).Draw(t, "commit")
		s.SampleInterval = 10 * units.Millisecond
		if err := s.Validate(); err != nil {
			t.Fatalf("invalid scenario: %v", err)
		}
		if _, err := Run(s, Options{}); err != nil {
			t.Fatalf("run: %v", err)
		}
	})
}

// stalledConsumer is one partition (one broker, RF 1: the high watermark
// is the log end as soon as a batch is appended) written at exactly
// 1,000 msg/s, read by one consumer with no processing cost that stalls
// from 2.2 s to 2.8 s, between two of the sampler's 1 s ticks.
func stalledConsumer() *scenarios.Scenario {
	zero := units.Duration(0)
	s := &scenarios.Scenario{
		Name: "stall-between-samples", Seed: 1, Duration: 5 * units.Second,
		Cluster: scenarios.Cluster{Brokers: 1},
		Topics:  []scenarios.Topic{{Name: "t", Partitions: 1, ReplicationFactor: 1}},
		Producers: []scenarios.Producer{{Name: "p", Topic: "t", Rate: 1000, Arrival: "constant",
			Acks: "1", Linger: &zero}},
		ConsumerGroups: []scenarios.ConsumerGroup{{Name: "g", Topic: "t", Consumers: 1}},
		Faults: []scenarios.Fault{{Type: "consumer-stall", Group: "g",
			At: units.Duration(2200 * units.Millisecond), Duration: units.Duration(600 * units.Millisecond)}},
	}
	s.Defaults()
	return s
}

// A lag spike between two samples: the maximum is the run's, not the
// samples'. Counted by hand: one record is sent every millisecond and
// reaches the log (its high watermark, RF 1) a fraction of a millisecond
// later; while the consumer keeps up, it has read each record before the
// next one arrives, so at every whole second the lag is 0 and the 1 s
// samples see nothing. From 2.2 s its position stays put while the
// records sent from 2.200 s to 2.799 s reach the log: just before 2.8 s
// the lag is those 600 records. At 2.8 s the interrupted poll completes
// (at most one record: what it held), and the consumer's next poll reads
// the backlog a fetch round trip later (under 2 ms: the records sent at
// 2.800 s and 2.801 s may land first) — so the maximum is 600 to 602
// records, the run measures 601; and the old sampled maximum, the largest
// 1 s sample, was 0.
func TestMaxLagCountsASpikeBetweenSamples(t *testing.T) {
	s := stalledConsumer()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, s)
	g := groupOf(t, r, "g")
	if g.MaxLag < 600 || g.MaxLag > 602 {
		t.Errorf("max_lag %d, want the 600 records written during the stall and up to 2 more (600..602)", g.MaxLag)
	}
	if g.MaxPartLag != g.MaxLag {
		t.Errorf("max_partition_lag %d, want max_lag %d (one partition)", g.MaxPartLag, g.MaxLag)
	}
	if r.MaxLag != g.MaxLag {
		t.Errorf("results max_lag %d, want the group's %d", r.MaxLag, g.MaxLag)
	}
	if r.Series.IntervalSeconds != 1 {
		t.Fatalf("sample interval %v s, want the default 1 s", r.Series.IntervalSeconds)
	}
	if sampled := slices.Max(r.Series.Column("lag/g")); sampled > 1 {
		t.Errorf("largest 1 s sample of the lag %v, want at most 1 (the spike falls between samples)", sampled)
	}
	if g.FinalLag != 0 || g.Processed != r.Acked || r.Acked < 4999 {
		t.Errorf("final lag %d, processed %d, acked %d: want 0, every record, about 5000", g.FinalLag, g.Processed, r.Acked)
	}
}

// Every write of a group's position or a partition's high watermark goes
// through lag.go's setters, so the running lag cannot miss one: the
// package's sources are type-checked (imports stubbed: only this package's
// own types matter) and every assignment, increment, copy into or address taken of
// group.processed or partition.hw outside lag.go fails the test.
func TestLagWritesGoThroughSetters(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	info := &types.Info{Selections: map[*ast.SelectorExpr]*types.Selection{}}
	conf := types.Config{Importer: stubImporter{}, Error: func(error) {}}
	pkg, _ := conf.Check("mqsim/model/kafka", fset, files, info) // errors: the stubbed imports
	field := func(typ, name string) types.Object {
		obj := pkg.Scope().Lookup(typ)
		if obj == nil {
			t.Fatalf("no type %s", typ)
		}
		st := obj.Type().Underlying().(*types.Struct)
		for i := range st.NumFields() {
			if st.Field(i).Name() == name {
				return st.Field(i)
			}
		}
		t.Fatalf("no field %s.%s", typ, name)
		return nil
	}
	guarded := map[types.Object]string{field("group", "processed"): "setProcessed", field("partition", "hw"): "setHW"}
	written := func(e ast.Expr) {
		for {
			switch x := e.(type) {
			case *ast.ParenExpr:
				e = x.X
				continue
			case *ast.IndexExpr:
				e = x.X
				continue
			case *ast.SelectorExpr:
				if sel := info.Selections[x]; sel != nil {
					if setter, ok := guarded[sel.Obj()]; ok && filepath.Base(fset.Position(x.Pos()).Filename) != "lag.go" {
						t.Errorf("%s: writes %s directly: use %s (lag.go)", fset.Position(x.Pos()), sel.Obj().Name(), setter)
					}
				}
			}
			return
		}
	}
	seen := 0
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.AssignStmt:
				for _, l := range x.Lhs {
					written(l)
				}
			case *ast.IncDecStmt:
				written(x.X)
			case *ast.UnaryExpr:
				if x.Op == token.AND {
					written(x.X)
				}
			case *ast.CallExpr:
				if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "copy" && len(x.Args) > 0 {
					written(x.Args[0])
				}
			case *ast.SelectorExpr:
				if sel := info.Selections[x]; sel != nil {
					if _, ok := guarded[sel.Obj()]; ok {
						seen++
					}
				}
			}
			return true
		})
	}
	if seen < 20 {
		t.Fatalf("found %d uses of the guarded fields, want the package's dozens: did the type check fail?", seen)
	}
}

// stubImporter gives every import an empty package.
type stubImporter struct{}

func (stubImporter) Import(path string) (*types.Package, error) {
	return types.NewPackage(path, filepath.Base(path)), nil
}

// The maxima do not depend on when the sampler looks: broker-failure's
// lag peaks while the dead leader's partitions wait for their new leader,
// between two 1 s samples, and the run reports the same maxima at a 1 s
// and a 10 ms sample interval — above the largest 1 s sample.
func TestMaxLagIsIndependentOfTheSampleInterval(t *testing.T) {
	run := func(iv units.Duration) *Results {
		sc, err := scenarios.LoadScenario("broker-failure", nil)
		if err != nil {
			t.Fatal(err)
		}
		sc.SampleInterval = iv
		return mustRun(t, &sc.Scenario)
	}
	slow, fast := run(units.Second), run(10*units.Millisecond)
	gs, gf := groupOf(t, slow, "fulfilment"), groupOf(t, fast, "fulfilment")
	if gs.MaxLag != gf.MaxLag || gs.MaxPartLag != gf.MaxPartLag {
		t.Errorf("max_lag %d / %d and max_partition_lag %d / %d at 1 s / 10 ms samples: want the same", gs.MaxLag, gf.MaxLag, gs.MaxPartLag, gf.MaxPartLag)
	}
	if s := slices.Max(slow.Series.Column("lag/fulfilment")); float64(gs.MaxLag) <= s {
		t.Errorf("max_lag %d, largest 1 s sample %v: want the spike between samples above it", gs.MaxLag, s)
	}
	if s := slices.Max(fast.Series.Column("lag/fulfilment")); float64(gf.MaxLag) < s {
		t.Errorf("max_lag %d below a 10 ms sample %v", gf.MaxLag, s)
	}
}
