package sweep

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"mqsim/scenarios"
)

// A merged report's directory is merged into again and again as a sweep
// grows or its metrics change. The merge keeps a list of the files it
// wrote there, MergedFiles, in the form sha256sum writes and checks
// ("HASH  NAME" a line), so that a later merge can remove the charts of
// metrics it no longer writes. It removes a file only if the list names
// it, its name is one a merge writes, and it still holds the bytes the
// merge wrote: a file the user added, or changed since, is never removed.

// MergedFiles is the list, in a merged report's directory, of the files
// the last merge wrote there and their SHA-256.
const MergedFiles = "merged-files.sha256"

// maxMergedFiles bounds the list read back (a few hundred names).
const maxMergedFiles = 1 << 20

// ReportFile is one file of a merged report.
type ReportFile struct {
	Name string
	Data []byte
}

// WriteOutcome says what WriteReport did besides writing the report.
type WriteOutcome struct {
	Removed []string // written by an earlier merge, not by this one
	Kept    []string // written by an earlier merge, not by this one, but changed since
}

// WriteReport writes files into dir (which must exist) with write, then
// removes what an earlier merge wrote there and this one did not, then
// writes the new list. The list goes last, so an interrupted merge leaves
// the earlier list, and the next merge removes what that one names. A
// list that does not read as one is an error naming its line.
func WriteReport(dir string, files []ReportFile, write func(path string, data []byte) error) (WriteOutcome, error) {
	var out WriteOutcome
	listPath := filepath.Join(dir, MergedFiles)
	earlier, err := readMergedFiles(listPath)
	if err != nil {
		return out, err
	}
	names := map[string]bool{}
	var list bytes.Buffer
	for _, f := range files {
		if err := write(filepath.Join(dir, f.Name), f.Data); err != nil {
			return out, err
		}
		names[f.Name] = true
		sum := sha256.Sum256(f.Data)
		fmt.Fprintf(&list, "%s  %s\n", hex.EncodeToString(sum[:]), f.Name)
	}
	for _, e := range earlier {
		if names[e.name] || !isMergeOutput(e.name) {
			continue
		}
		p := filepath.Join(dir, e.name)
		st, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return out, err
		}
		data, err := os.ReadFile(p)
		if !st.Mode().IsRegular() || err != nil || sha256.Sum256(data) != e.sum {
			out.Kept = append(out.Kept, e.name)
			continue
		}
		if err := os.Remove(p); err != nil {
			return out, err
		}
		out.Removed = append(out.Removed, e.name)
	}
	return out, write(listPath, list.Bytes())
}

type mergedFile struct {
	name string
	sum  [sha256.Size]byte
}

// readMergedFiles reads a list MergedFiles; none is an empty list.
func readMergedFiles(path string) ([]mergedFile, error) {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	data, err := scenarios.ReadInput(path, maxMergedFiles, "a list of merged files")
	if err != nil {
		return nil, err
	}
	var files []mergedFile
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		hash, name, ok := strings.Cut(sc.Text(), "  ")
		raw, herr := hex.DecodeString(hash)
		if !ok || herr != nil || len(raw) != sha256.Size || name == "" {
			return nil, &scenarios.InputError{File: path, Line: line, Msg: "want a SHA-256 in hex, two spaces and a file name, as a merge writes it (delete the file to start the list again)"}
		}
		f := mergedFile{name: name}
		copy(f.sum[:], raw)
		files = append(files, f)
	}
	if err := sc.Err(); err != nil {
		return nil, &scenarios.InputError{File: path, Msg: "cannot read: " + err.Error()}
	}
	return files, nil
}

// isMergeOutput reports whether name is a file a merge writes directly
// in its directory: the summary, the two report pages and the charts.
func isMergeOutput(name string) bool {
	if name != filepath.Base(name) || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return false
	}
	if slices.Contains([]string{"summary.csv", "report.md", "report.html"}, name) {
		return true
	}
	ext := filepath.Ext(name)
	return strings.HasPrefix(name, "sweep-") && (ext == ".png" || ext == ".svg")
}
