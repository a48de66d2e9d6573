package recall

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// TopicNames lists the topic names.
func TopicNames() []string {
	out := make([]string, len(Topics))
	for i, t := range Topics {
		out[i] = t.Name
	}
	return out
}

// Filter returns the cards of a topic ("" for all), or an error naming the
// known topics.
func Filter(cards []Card, topic string) ([]Card, error) {
	if topic == "" {
		return cards, nil
	}
	if !slices.Contains(TopicNames(), topic) {
		return nil, fmt.Errorf("unknown topic %q (topics: %s)", topic, strings.Join(TopicNames(), ", "))
	}
	var out []Card
	for _, c := range cards {
		if c.Topic == topic {
			out = append(out, c)
		}
	}
	return out, nil
}

// Shuffle returns the cards in an order fixed by seed: the same seed gives
// the same order.
func Shuffle(cards []Card, seed uint64) []Card {
	out := append([]Card(nil), cards...)
	r := rand.New(rand.NewPCG(seed, 0x6d7173696d))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// Select picks up to count cards of a topic ("" for all) in seeded order.
// A count of 0 or less means every card.
func Select(cards []Card, topic string, count int, seed uint64) ([]Card, error) {
	cs, err := Filter(cards, topic)
	if err != nil {
		return nil, err
	}
	cs = Shuffle(cs, seed)
	if count > 0 && count < len(cs) {
		cs = cs[:count]
	}
	return cs, nil
}

// Leitner boxes. A card starts in box 1; knowing it moves it up one box,
// missing it sends it back to box 1. A card in box b is due again
// Interval(b) sessions after it was last seen, so well-known cards come
// back rarely and missed ones every session.
const (
	FirstBox = 1
	LastBox  = 5
)

// Interval is the number of sessions between reviews of a card in box b:
// 1, 2, 4, 8, 16.
func Interval(box int) int { return 1 << (min(max(box, FirstBox), LastBox) - 1) }

// Entry is one card's place in the boxes.
type Entry struct {
	Box      int `json:"box"`
	LastSeen int `json:"last_seen"` // the session it was last reviewed in
}

// State is the spaced-repetition state: the session counter and each seen
// card's box. Unseen cards are due at once.
type State struct {
	Version int              `json:"version"`
	Session int              `json:"session"`
	Cards   map[string]Entry `json:"cards"`
}

const stateVersion = 1

// NewState is an empty state.
func NewState() *State { return &State{Version: stateVersion, Cards: map[string]Entry{}} }

// DefaultStatePath is where the state lives: the user's configuration
// directory (XDG_CONFIG_HOME, usually ~/.config, on Linux), mqsim/recall.json.
func DefaultStatePath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no configuration directory for the recall state: %w", err)
	}
	return filepath.Join(dir, "mqsim", "recall.json"), nil
}

// maxStateSize bounds the state file; a few hundred cards need a few KB.
const maxStateSize = 1 << 20

// LoadState reads the state at path; a missing file is an empty state.
func LoadState(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("recall state %s: %w", path, err)
	}
	if len(data) > maxStateSize {
		return nil, fmt.Errorf("recall state %s: larger than %d KiB; delete it to start over", path, maxStateSize>>10)
	}
	s := NewState()
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("recall state %s: not a recall state file (%v); delete it to start over", path, err)
	}
	if s.Version != stateVersion {
		return nil, fmt.Errorf("recall state %s: version %d, want %d; delete it to start over", path, s.Version, stateVersion)
	}
	if s.Cards == nil {
		s.Cards = map[string]Entry{}
	}
	for id, e := range s.Cards {
		if e.Box < FirstBox || e.Box > LastBox || e.LastSeen < 0 || e.LastSeen > s.Session {
			return nil, fmt.Errorf("recall state %s: card %q has box %d, last seen %d (session %d); delete it to start over", path, id, e.Box, e.LastSeen, s.Session)
		}
	}
	return s, nil
}

// Save writes the state to path, creating its directory, through a
// temporary file so a crash never leaves half a file.
func (s *State) Save(path string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("recall state: %w", err)
	}
	f, err := os.CreateTemp(dir, ".recall-*.json")
	if err != nil {
		return fmt.Errorf("recall state: %w", err)
	}
	tmp := f.Name()
	_, werr := f.Write(append(data, '\n'))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("recall state %s: %w", path, werr)
	}
	return nil
}

// Begin starts a new session.
func (s *State) Begin() { s.Session++ }

// Due returns the cards due in the current session: unseen cards and
// cards whose interval has passed, lowest box first, in seeded order
// within a box, at most count (0: all).
func (s *State) Due(cards []Card, count int, seed uint64) []Card {
	var due []Card
	for _, c := range Shuffle(cards, seed) {
		e, seen := s.Cards[c.ID]
		if !seen || s.Session-e.LastSeen >= Interval(e.Box) {
			due = append(due, c)
		}
	}
	slices.SortStableFunc(due, func(a, b Card) int { return s.box(a.ID) - s.box(b.ID) })
	if count > 0 && count < len(due) {
		due = due[:count]
	}
	return due
}

func (s *State) box(id string) int {
	if e, ok := s.Cards[id]; ok {
		return e.Box
	}
	return FirstBox
}

// Record moves a card after a review in the current session.
func (s *State) Record(id string, knew bool) {
	box := FirstBox
	if knew {
		box = min(s.box(id)+1, LastBox)
	}
	s.Cards[id] = Entry{Box: box, LastSeen: s.Session}
}

// Boxes counts the cards in each box (index 1–5) among cards; unseen cards
// are counted in box 0.
func (s *State) Boxes(cards []Card) [LastBox + 1]int {
	var n [LastBox + 1]int
	for _, c := range cards {
		if e, ok := s.Cards[c.ID]; ok {
			n[e.Box]++
		} else {
			n[0]++
		}
	}
	return n
}
