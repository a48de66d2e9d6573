package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// One cell of the transaction-cost grid, with its table and --out files;
// a bad flag is bad input (exit 2).
func TestTxnCostCommand(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := run(t, "transaction-cost", "--interval", "100ms", "--size", "1KB", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, w := range []string{"interval", "exactly-once/s", "added e2e p50", "100ms", "1 KB"} {
		if !strings.Contains(out, w) {
			t.Errorf("table lacks %q:\n%s", w, out)
		}
	}
	for _, f := range []string{"transaction-cost.txt", "transaction-cost.json", "transaction-cost.png", "transaction-cost.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if code, _, errs := run(t, "transaction-cost", "--interval", "0s"); code != exitBadInput || !strings.Contains(errs, "--interval") {
		t.Errorf("--interval 0s: exit %d (%s), want %d naming the flag", code, errs, exitBadInput)
	}
}
