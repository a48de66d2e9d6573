package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"mqsim/reports"
)

// checkOutDir makes sure dir exists (creating it) and is writable, so a run
// fails on a bad --out before doing any work.
func checkOutDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".mqsim-write-test-*")
	if err != nil {
		return fmt.Errorf("%s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// shellJoin quotes args for a POSIX shell, for "reproduce this" lines.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+%@", r))
		}) < 0 {
			out[i] = a
			continue
		}
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}

// dataDirMarker is written at the top of every --data-dir, so --force can
// tell a directory of mqsim logs from a user's own before deleting anything.
const dataDirMarker = ".mqsim-data-dir"

var brokerDirRE = regexp.MustCompile(`^broker-[0-9]+$`)

// prepareDataDir readies --data-dir for a run. A directory that is missing
// or empty is created (a fresh run); one that holds logs is refused unless
// resume (the cluster restarts from them, as after a real restart) or force
// (its contents are deleted first). Neither touches a directory that does
// not look like an mqsim data directory. It reports whether the run
// resumes from existing logs.
func prepareDataDir(dir string, resume, force bool) (resumed bool, err error) {
	switch {
	case resume && force:
		return false, errors.New("--resume and --force contradict each other: resume from the logs in --data-dir, or delete them and start afresh")
	case dir == "" && (resume || force):
		// --force alone may be for --out; --resume needs a directory.
		if resume {
			return false, errors.New("--resume needs --data-dir DIR: the logs to restart from")
		}
		return false, nil
	case dir == "":
		return false, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("--data-dir: %w", err)
	}
	var content []string
	for _, e := range entries {
		if e.Name() != dataDirMarker {
			content = append(content, e.Name())
		}
	}
	switch {
	case len(content) == 0 && resume:
		return false, fmt.Errorf("--resume: %s holds no logs to resume from; run without --resume to start afresh", dir)
	case len(content) > 0 && !resume && !force:
		return false, fmt.Errorf("--data-dir: %s already holds logs (%s): reusing them changes the results. Give --resume to restart the cluster from them, --force to delete them first, or an empty directory",
			dir, listSome(content, 3))
	case len(content) > 0:
		if why := notDataDir(dir, entries); why != "" {
			flag := "--force"
			if resume {
				flag = "--resume"
			}
			return false, fmt.Errorf("%s: %s does not look like an mqsim data directory (%s); refusing to use it", flag, dir, why)
		}
		if force {
			for _, name := range content {
				if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
					return false, fmt.Errorf("--force: %w", err)
				}
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("--data-dir: %w", err)
	}
	marker := "Partition logs written by 'mqsim run --data-dir'. 'mqsim run --force' deletes this directory's contents.\n"
	if err := os.WriteFile(filepath.Join(dir, dataDirMarker), []byte(marker), 0o644); err != nil {
		return false, fmt.Errorf("--data-dir: %w", err)
	}
	return len(content) > 0 && resume, nil
}

// notDataDir says why dir is not an mqsim data directory, or "" when it is:
// it carries the marker, or holds only broker-N directories (or variant
// directories of them, as --vary writes).
func notDataDir(dir string, entries []fs.DirEntry) string {
	for _, e := range entries {
		if e.Name() == dataDirMarker && e.Type().IsRegular() {
			return ""
		}
	}
	for _, e := range entries {
		if !e.IsDir() {
			return fmt.Sprintf("it holds the file %q", e.Name())
		}
		if brokerDirRE.MatchString(e.Name()) {
			continue
		}
		sub, err := os.ReadDir(filepath.Join(dir, e.Name()))
		if err != nil {
			return err.Error()
		}
		for _, s := range sub {
			if !s.IsDir() || !brokerDirRE.MatchString(s.Name()) {
				return fmt.Sprintf("it holds %q, which is not a broker's logs", filepath.Join(e.Name(), s.Name()))
			}
		}
	}
	return ""
}

func listSome(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + fmt.Sprintf(" and %d more", len(names)-n)
}

// replayedInMemory prepares a replay for comparison with the saved run it
// replays. A replay runs in memory: where the saved run kept its logs says
// how it was made, not what it found, so a fresh --data-dir run compares
// equal; a run that resumed from earlier logs cannot be reproduced from
// empty ones, and is refused rather than reported as different.
func replayedInMemory(saved, got *reports.Run) (*reports.Run, error) {
	if saved.Resumed {
		return nil, fmt.Errorf("--replay: that run resumed from the logs an earlier run left in %s; a replay starts from empty logs and cannot reproduce it (run it again with --data-dir over a copy of those logs and --resume)", saved.DataDir)
	}
	r := *got
	res := *got.Results
	res.DataDir = saved.DataDir
	r.Results = &res
	return &r, nil
}
