package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"mqsim/reports"
)

// onInterrupt turns the first Ctrl-C (SIGINT) into a closed stop channel:
// simulations end at their current simulated time and the results so far
// are printed. A second Ctrl-C ends the process at once, as usual.
// interrupted reports whether the signal came; release stops listening.
func onInterrupt(stderr io.Writer) (stop <-chan struct{}, interrupted func() bool, release func()) {
	ch := make(chan struct{})
	sig := make(chan os.Signal, 1)
	done := make(chan struct{})
	var mu sync.Mutex
	got := false
	signal.Notify(sig, os.Interrupt)
	go func() {
		select {
		case <-sig:
			// Back to the default: the next Ctrl-C kills the process.
			signal.Stop(sig)
			mu.Lock()
			got = true
			mu.Unlock()
			fmt.Fprintln(stderr, "\nmqsim: interrupted: stopping at the current simulated time (Ctrl-C again to quit at once)")
			close(ch)
		case <-done:
		}
	}()
	var once sync.Once
	return ch, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return got
		}, func() {
			once.Do(func() {
				signal.Stop(sig)
				close(done)
			})
		}
}

// partialNote marks the output as partial before the results: a line in
// the table and Markdown formats (JSON carries "partial": true per run).
func partialNote(w io.Writer, output string, runs []*reports.Run, planned int) error {
	msg := fmt.Sprintf("PARTIAL RESULTS: interrupted at simulated %s; messages still in flight count as unseen, and expectations are judged on the partial run.",
		simulatedUpTo(runs))
	if planned > len(runs) {
		msg += fmt.Sprintf(" %d of %d variants did not start.", planned-len(runs), planned)
	}
	switch output {
	case "json", "yaml":
		return nil
	case "markdown":
		_, err := fmt.Fprintf(w, "> **%s**\n\n", strings.TrimSuffix(msg, "."))
		return err
	}
	_, err := fmt.Fprintf(w, "%s\n\n", msg)
	return err
}

// simulatedUpTo is the simulated time the (longest) partial run reached.
func simulatedUpTo(runs []*reports.Run) string {
	var sec float64
	for _, r := range runs {
		sec = max(sec, r.Results.SimSeconds)
	}
	return time.Duration(sec * float64(time.Second)).Round(100 * time.Millisecond).String()
}
