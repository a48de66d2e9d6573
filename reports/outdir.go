package reports

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// A review directory is replaced as a whole. Its files are written into a
// fresh temporary directory beside it (".NAME.mqsim-new-*"), which is then
// swapped in: atomically exchanged with the old review where the system
// can (renameat2 RENAME_EXCHANGE on Linux), else the old review is renamed
// aside (".NAME.mqsim-old-*") and the new one renamed into place. Either
// way a reader of DIR sees the old review or the new one, never a mix, and
// a later review with fewer variants leaves none of the earlier ones
// behind. Temporaries left by a killed writer are removed on the next
// write; an old review renamed aside but never replaced is put back.

// ErrEarlierReview is returned by CheckReviewDir for a directory that holds
// an earlier review when replacing it was not asked for.
var ErrEarlierReview = errors.New("holds an earlier review")

const (
	tmpNew = ".mqsim-new-"
	tmpOld = ".mqsim-old-"
)

// reviewState says what a would-be review directory holds.
type reviewState int

const (
	stateMissing reviewState = iota // no such path
	stateEmpty                      // an empty directory
	stateReview                     // only the files a review writes
)

// isReviewFile reports whether name (a file directly in a review
// directory, or in one of its variant sub-directories) is one a review
// writes, or a temporary an older writer left behind.
func isReviewFile(name string) bool {
	switch name {
	case "results.json", "timeseries.csv", "report.md", "report.html",
		"metrics.prom", "timeseries.ndjson", "timeseries.schema.json", OMBResultFile:
		return true
	}
	ext := filepath.Ext(name)
	if ext == ".png" || ext == ".svg" {
		return true
	}
	return strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp")
}

// inspectReview classifies dir. A directory holding anything a review does
// not write is an error naming the first few such entries: replacing it
// would delete the user's own files.
func inspectReview(dir string) (reviewState, error) {
	st, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return stateMissing, nil
	}
	if err != nil {
		return 0, err
	}
	if st.Mode()&os.ModeSymlink != 0 {
		return 0, fmt.Errorf("%s is a symbolic link; give the directory it points to", dir)
	}
	if !st.IsDir() {
		return 0, fmt.Errorf("%s is not a directory", dir)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		if wd, err := os.Getwd(); err == nil && abs == wd {
			return 0, fmt.Errorf("%s is the current directory, which a review replaces as a whole; give a sub-directory", dir)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	if len(entries) == 0 {
		return stateEmpty, nil
	}
	var foreign []string
	for _, e := range entries {
		if e.IsDir() {
			subs, err := os.ReadDir(filepath.Join(dir, e.Name()))
			if err != nil {
				return 0, err
			}
			for _, s := range subs {
				if s.IsDir() || !isReviewFile(s.Name()) {
					foreign = append(foreign, e.Name()+"/"+s.Name())
				}
			}
			continue
		}
		if !e.Type().IsRegular() || !isReviewFile(e.Name()) {
			foreign = append(foreign, e.Name())
		}
	}
	if len(foreign) > 0 {
		sort.Strings(foreign)
		more := ""
		if len(foreign) > 3 {
			more = fmt.Sprintf(" and %d more", len(foreign)-3)
			foreign = foreign[:3]
		}
		return 0, fmt.Errorf("%s holds files a review does not write (%s%s); choose a new or empty directory", dir, strings.Join(foreign, ", "), more)
	}
	return stateReview, nil
}

// CheckReviewDir says, before any work is done, whether a review can be
// written to dir: its parent must exist or be creatable and be writable;
// dir must be missing, empty, or hold an earlier review — which is
// replaced only with replace set (else the error wraps ErrEarlierReview).
// A directory holding other files is refused. Stale temporaries of an
// earlier, interrupted write are cleaned up.
func CheckReviewDir(dir string, replace bool) error {
	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	if err := recoverReview(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(parent, "."+filepath.Base(dir)+tmpNew+"*")
	if err != nil {
		return fmt.Errorf("%s is not writable: %w", parent, err)
	}
	f.Close()
	os.Remove(f.Name())
	state, err := inspectReview(dir)
	if err != nil {
		return err
	}
	if state == stateReview && !replace {
		return fmt.Errorf("%s %w; add --force to replace it (atomically), or choose another directory", dir, ErrEarlierReview)
	}
	return nil
}

// recoverReview removes the temporaries an interrupted write left beside
// dir. If dir is missing and an old review was renamed aside, it is put
// back first: the interrupted write never happened.
func recoverReview(dir string) error {
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	entries, err := os.ReadDir(parent)
	if err != nil {
		return err
	}
	_, statErr := os.Lstat(dir)
	missing := errors.Is(statErr, os.ErrNotExist)
	for _, e := range entries {
		name := e.Name()
		p := filepath.Join(parent, name)
		switch {
		case strings.HasPrefix(name, "."+base+tmpOld):
			if missing {
				if err := os.Rename(p, dir); err != nil {
					return fmt.Errorf("restore %s: %w", dir, err)
				}
				missing = false
				continue
			}
			if err := os.RemoveAll(p); err != nil {
				return err
			}
		case strings.HasPrefix(name, "."+base+tmpNew):
			if err := os.RemoveAll(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteReview writes a review's files into dir and returns their paths.
// dir is replaced as a whole (see above): it may be missing, empty or hold
// an earlier review; a directory holding anything else is refused. Callers
// that must not replace an earlier review check first with CheckReviewDir.
func WriteReview(dir string, rv Review) ([]string, error) {
	files, err := rv.Files()
	if err != nil {
		return nil, err
	}
	return writeDirAtomic(dir, files)
}

func writeDirAtomic(dir string, files []File) ([]string, error) {
	dir = filepath.Clean(dir)
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("write %s: %w", dir, err)
	}
	if err := recoverReview(dir); err != nil {
		return nil, fmt.Errorf("write %s: %w", dir, err)
	}
	state, err := inspectReview(dir)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+base+tmpNew+"*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", dir, err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("write %s: %w", dir, err)
	}
	paths := make([]string, 0, len(files))
	for _, f := range files {
		p := filepath.Join(tmp, filepath.FromSlash(f.Name))
		err := os.MkdirAll(filepath.Dir(p), 0o755)
		if err == nil {
			err = os.WriteFile(p, f.Data, 0o644)
		}
		if err != nil {
			os.RemoveAll(tmp)
			return nil, fmt.Errorf("write %s: %w", filepath.Join(dir, filepath.FromSlash(f.Name)), err)
		}
		paths = append(paths, filepath.Join(dir, filepath.FromSlash(f.Name)))
	}
	if err := swapDir(tmp, dir, state); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("write %s: %w", dir, err)
	}
	return paths, nil
}

// swapDir puts the directory tmp in place of dir.
func swapDir(tmp, dir string, state reviewState) error {
	switch state {
	case stateMissing:
		return os.Rename(tmp, dir)
	case stateEmpty:
		// rename(2) replaces an empty directory atomically.
		if err := os.Rename(tmp, dir); err == nil {
			return nil
		}
	}
	if ok, err := exchangeDirs(tmp, dir); ok {
		if err != nil {
			return err
		}
		// tmp now holds the old review.
		return os.RemoveAll(tmp)
	}
	old := filepath.Join(filepath.Dir(tmp), strings.Replace(filepath.Base(tmp), tmpNew, tmpOld, 1))
	if err := os.Rename(dir, old); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.Rename(old, dir)
		return err
	}
	return os.RemoveAll(old)
}
