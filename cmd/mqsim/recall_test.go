package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mqsim/scenarios/recall"
)

func TestRecallPiped(t *testing.T) {
	// Two cards: reveal, knew; reveal, did not.
	code, out, errs := interviewRun(t, "\ny\n\nn\n", "recall", "--topic", "delivery", "--count", "2", "--seed", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "Card 2 of 2 [delivery]") || !strings.Contains(out, "Knew 1 of 2 cards.") {
		t.Errorf("transcript:\n%s", out)
	}
	// The same seed, the same cards.
	_, again, _ := interviewRun(t, "\ny\n\nn\n", "recall", "--topic", "delivery", "--count", "2", "--seed", "3")
	if again != out {
		t.Error("the same seed gave a different session")
	}
}

func TestRecallPrintAndTopics(t *testing.T) {
	code, out, _ := interviewRun(t, "", "recall", "--print", "--count", "0", "-o", "json")
	var cards []recall.Card
	if code != 0 || json.Unmarshal([]byte(out), &cards) != nil || len(cards) != len(recall.Cards()) {
		t.Errorf("--print --count 0 -o json: exit %d, %d cards, want %d", code, len(cards), len(recall.Cards()))
	}
	code, out, _ = interviewRun(t, "", "recall", "--topics")
	if code != 0 || strings.Count(out, "\n") != len(recall.Topics) || !strings.Contains(out, "quick-recall") {
		t.Errorf("--topics: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"recall", "--topic", "nope"}, {"recall", "--count", "-1"}, {"recall", "-o", "xml"}, {"recall", "--print", "--spaced"}} {
		if code, _, errs := interviewRun(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", args, code, errs)
		}
	}
}

// --spaced keeps its boxes in the state file it is given, and only there.
func TestRecallSpaced(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "cfg", "mqsim", "recall.json")
	o := recallOptions{count: 3, topic: "kafka-fast", seed: 1, seedSet: true, spaced: true, output: "text", statePath: state}
	if err := runRecall(context.Background(), strings.NewReader("\ny\n\ny\n\nn\n"), io.Discard, io.Discard, o); err != nil {
		t.Fatal(err)
	}
	s, err := recall.LoadState(state)
	if err != nil || s.Session != 1 || len(s.Cards) != 3 {
		t.Fatalf("state after session 1: %+v, %v", s, err)
	}
	// Session 2: the two known cards (box 2) are not due; the missed one
	// and the unseen fourth are.
	var out strings.Builder
	if err := runRecall(context.Background(), strings.NewReader(""), &out, io.Discard, o); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "Card 1 of 2"); n != 1 {
		t.Errorf("session 2 should offer 2 cards:\n%s", out.String())
	}
	// Through the command line, the state goes to the config directory.
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "xdg"))
	t.Setenv("HOME", filepath.Join(dir, "home"))
	if code, _, errs := interviewRun(t, "\ny\n", "recall", "--spaced", "--count", "1", "--seed", "1"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want, _ := recall.DefaultStatePath()
	if !strings.HasPrefix(want, dir) {
		t.Fatalf("the default state path %s escaped the test's directory", want)
	}
	if _, err := os.Stat(want); err != nil {
		t.Errorf("no state at %s: %v", want, err)
	}
}

// "maybe" is neither yes nor no: the question is asked again, and the next
// line answers it rather than revealing the next card.
func TestRecallMaybeAsksAgain(t *testing.T) {
	code, out, errs := interviewRun(t, "\nmaybe\ny\n\nn\n", "recall", "--topic", "delivery", "--count", "2", "--seed", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, `("maybe" is neither)`) || strings.Count(out, "Did you know it? [y/n]") != 3 {
		t.Errorf("maybe was not asked again:\n%s", out)
	}
	// Card 1 known (after the maybe), card 2 not: 1 of 2.
	if !strings.Contains(out, "Card 2 of 2 [delivery]") || !strings.Contains(out, "Knew 1 of 2 cards.") {
		t.Errorf("transcript:\n%s", out)
	}
	// With --spaced the maybe records nothing: the card known after it
	// moves up to box 2.
	dir := t.TempDir()
	state := filepath.Join(dir, "recall.json")
	o := recallOptions{count: 1, topic: "delivery", seed: 3, seedSet: true, spaced: true, output: "text", statePath: state}
	if err := runRecall(context.Background(), strings.NewReader("\nmaybe\nsort of\nyes\n"), io.Discard, io.Discard, o); err != nil {
		t.Fatal(err)
	}
	s, err := recall.LoadState(state)
	if err != nil || len(s.Cards) != 1 {
		t.Fatalf("state: %+v, %v", s, err)
	}
	for id, e := range s.Cards {
		if e.Box != 2 {
			t.Errorf("card %s in box %d after maybe, sort of, yes; want 2", id, e.Box)
		}
	}
}
