package recall

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"mqsim/capacity"
	"mqsim/scenarios/units"
)

func TestCardsAreWellFormed(t *testing.T) {
	ids := map[string]bool{}
	perTopic := map[string]int{}
	for _, c := range Cards() {
		if ids[c.ID] {
			t.Errorf("card %s is listed twice", c.ID)
		}
		ids[c.ID] = true
		if !slices.Contains(TopicNames(), c.Topic) {
			t.Errorf("card %s: unknown topic %q", c.ID, c.Topic)
		}
		if strings.TrimSpace(c.Front) == "" || strings.TrimSpace(c.Back) == "" {
			t.Errorf("card %s: empty side", c.ID)
		}
		perTopic[c.Topic]++
	}
	for _, tp := range Topics {
		if perTopic[tp.Name] < 3 {
			t.Errorf("topic %s has %d cards, want at least 3", tp.Name, perTopic[tp.Name])
		}
	}
}

// The facts of the domain reference's tables, each of which some card of
// the topic must state (case-insensitive).
func TestCardsStateTheSeedsFacts(t *testing.T) {
	facts := map[string][]string{
		"sync-async":   {"time and space", "fails", "slowest", "bursts", "durable", "fan-out", "replay", "10 ms", "login"},
		"models":       {"exactly one consumer", "every subscriber", "one consumer", "every group"},
		"delivery":     {"never retry", "95%", "idempotent", "same transaction", "billing", "unique id"},
		"ordering":     {"any queue", "entity's key", "single partition", "within a partition"},
		"kafka":        {"usually 3", "in-sync", "unit of parallelism", "replay", "pull"},
		"kafka-fast":   {"600 mb/s", "100 mb/s", "sendfile", "compressed together", "page cache"},
		"sizing":       {"20 partitions", "40", "115k", "1.16m", "105 tb", "11 brokers", "116 partitions"},
		"failures":     {"3 times with backoff", "separate queue", "rate limits", "alert", "head-of-line"},
		"backpressure": {"producer gets an error", "spin-up", "metrics", "throttled", "enough disk"},
		"systems":      {"10–50k/s", "14 days", "fifo", "tiered", "multi-tenant", "zookeeper or kraft", "sqs or a managed kafka"},
		"quick-recall": {"rate", "within a partition", "idempotent consumer", "routing", "times 2", "n retries", "zero-copy", "as many consumers as there are partitions"},
	}
	for topic, want := range facts {
		cs, err := Filter(Cards(), topic)
		if err != nil {
			t.Fatal(err)
		}
		var all strings.Builder
		for _, c := range cs {
			all.WriteString(strings.ToLower(c.Front + " " + c.Back + " "))
		}
		for _, f := range want {
			if !strings.Contains(all.String(), f) {
				t.Errorf("topic %s: no card says %q", topic, f)
			}
		}
	}
}

// The sizing cards' numbers are the capacity calculator's for the seed's
// example.
func TestSizingCardsAgreeWithCapacity(t *testing.T) {
	p, err := capacity.Compute(capacity.Workload{Users: 500e6, EventsPerUserPerDay: 20, PeakFactor: 10,
		MessageSize: 500, Retention: 7 * units.Day, ReplicationFactor: 3})
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := Filter(Cards(), "sizing")
	var all strings.Builder
	for _, c := range cs {
		all.WriteString(c.Back + " ")
	}
	for _, s := range []string{units.FormatSI(p.PeakMessagesPerSec), units.FormatBytes(p.ReplicatedBytes),
		units.FormatBytes(p.BytesPerDay), units.FormatBytes(p.RetainedBytes)} {
		if !strings.Contains(all.String(), s) {
			t.Errorf("the sizing cards do not say %q", s)
		}
	}
	for _, s := range []string{"About 11 brokers", "about 116 partitions"} {
		if !strings.Contains(all.String(), s) {
			t.Errorf("the sizing cards do not say %q", s)
		}
	}
	if p.Brokers != 11 || p.Partitions != 116 {
		t.Errorf("plan: %d brokers, %d partitions", p.Brokers, p.Partitions)
	}
}

func TestSelect(t *testing.T) {
	a, err := Select(Cards(), "delivery", 3, 42)
	if err != nil || len(a) != 3 {
		t.Fatalf("Select = %d cards, %v", len(a), err)
	}
	b, _ := Select(Cards(), "delivery", 3, 42)
	if !slices.Equal(a, b) {
		t.Error("the same seed gave different orders")
	}
	for _, c := range a {
		if c.Topic != "delivery" {
			t.Errorf("card %s of topic %s", c.ID, c.Topic)
		}
	}
	all, _ := Select(Cards(), "", 0, 1)
	if len(all) != len(Cards()) {
		t.Errorf("count 0 gave %d cards, want all %d", len(all), len(Cards()))
	}
	differ := false
	for seed := uint64(2); seed < 6; seed++ {
		o, _ := Select(Cards(), "", 0, seed)
		differ = differ || !slices.Equal(o, all)
	}
	if !differ {
		t.Error("different seeds never changed the order")
	}
	if _, err := Select(Cards(), "kafkaesque", 1, 1); err == nil || !strings.Contains(err.Error(), "quick-recall") {
		t.Errorf("unknown topic: %v, want the topic list", err)
	}
}

func TestLeitnerSchedule(t *testing.T) {
	if got := []int{Interval(1), Interval(2), Interval(3), Interval(4), Interval(5), Interval(9)}; !slices.Equal(got, []int{1, 2, 4, 8, 16, 16}) {
		t.Errorf("intervals = %v", got)
	}
	cards, _ := Filter(Cards(), "kafka-fast") // 4 cards
	s := NewState()
	s.Begin() // session 1: all new, all due
	due := s.Due(cards, 0, 1)
	if len(due) != len(cards) {
		t.Fatalf("session 1: %d due, want all %d", len(due), len(cards))
	}
	known, missed := due[0].ID, due[1].ID
	s.Record(known, true)   // → box 2, due again in session 3
	s.Record(missed, false) // → box 1, due every session
	s.Begin()               // session 2
	due = s.Due(cards, 0, 1)
	ids := func(cs []Card) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	if slices.Contains(ids(due), known) || !slices.Contains(ids(due), missed) || len(due) != 3 {
		t.Errorf("session 2 due: %v; want the missed card and the 2 unseen, not %s", ids(due), known)
	}
	s.Begin() // session 3: the known card's interval of 2 has passed
	if !slices.Contains(ids(s.Due(cards, 0, 1)), known) {
		t.Error("session 3: the box-2 card is not due")
	}
	s.Record(known, true)
	s.Record(known, true)
	s.Record(known, true)
	s.Record(known, true)
	if e := s.Cards[known]; e.Box != LastBox {
		t.Errorf("box after many successes = %d, want %d", e.Box, LastBox)
	}
	s.Record(known, false)
	if e := s.Cards[known]; e.Box != FirstBox {
		t.Errorf("box after a miss = %d, want %d", e.Box, FirstBox)
	}
	// Lower boxes come first.
	s.Record(missed, true) // box 2, seen now: not due
	s.Begin()
	s.Begin()
	due = s.Due(cards, 0, 7)
	if len(due) == 0 || s.box(due[0].ID) != FirstBox || s.box(due[len(due)-1].ID) < s.box(due[0].ID) {
		t.Errorf("due order by box: %v", ids(due))
	}
}

func TestStateFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nested", "recall.json")
	s, err := LoadState(path)
	if err != nil || s.Session != 0 || len(s.Cards) != 0 {
		t.Fatalf("missing file: %+v, %v; want an empty state", s, err)
	}
	s.Begin()
	s.Record("qr-fast", true)
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadState(path)
	if err != nil || back.Session != 1 || back.Cards["qr-fast"] != (Entry{Box: 2, LastSeen: 1}) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("the state directory holds %d files, want only recall.json", len(entries))
	}
	for _, bad := range []string{"not json", `{"version": 9}`, `{"version":1,"session":1,"cards":{"x":{"box":7,"last_seen":1}}}`} {
		os.WriteFile(path, []byte(bad), 0o600)
		if _, err := LoadState(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("LoadState(%q) = %v, want an error naming the file", bad, err)
		}
	}
}

func TestDefaultStatePathIsInTheConfigDir(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/somewhere/config")
	t.Setenv("HOME", "/somewhere")
	p, err := DefaultStatePath()
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := os.UserConfigDir()
	if p != filepath.Join(dir, "mqsim", "recall.json") {
		t.Errorf("DefaultStatePath = %s, want under %s", p, dir)
	}
}
