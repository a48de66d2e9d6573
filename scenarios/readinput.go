package scenarios

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
)

// Limits on what the tool reads, so a hostile or mistaken input is refused
// quickly instead of exhausting memory.
const (
	// MaxFileSize bounds YAML inputs: scenario, workload and answer files
	// are a few KB.
	MaxFileSize = 1 << 20
	// MaxJSONSize bounds a saved run (results.json). The largest a run can
	// write is about 20 MiB: the time series (at most MaxSamples rows, but
	// reports downsample them to a few thousand points per series), the
	// latency CDFs and the resolved scenario; 64 MiB leaves room for
	// variants' growth without letting /dev/zero through.
	MaxJSONSize = 64 << 20
)

// StdinName is the file name that means standard input.
const StdinName = "-"

// stdin is read at most once per process, however many times a command
// asks for it (detecting the kind of file and then loading it both read).
var stdin struct {
	once sync.Once
	r    io.Reader
	data []byte
	err  error
}

// SetStdin replaces the standard input ReadFile and ReadInput read for "-"
// (tests, and commands whose input stream is injected). It must be called
// before the first read.
func SetStdin(r io.Reader) {
	stdin.once = sync.Once{}
	stdin.r = r
}

// isStdin reports whether path names standard input: "-", or one of the
// names the system gives it (so `cmd | mqsim validate /dev/stdin` works).
func isStdin(path string) bool {
	switch path {
	case StdinName, "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0":
		return true
	}
	return false
}

// ReadFile reads a YAML input file (or standard input for "-"), refusing
// anything larger than MaxFileSize.
func ReadFile(path string) ([]byte, error) {
	return ReadInput(path, MaxFileSize, "a scenario, workload or answers file")
}

// ReadInput reads the file at path, at most limit bytes. "-" (or
// /dev/stdin) is standard input. Anything other than a regular file — a
// directory, a named pipe, a device such as /dev/zero — is refused before
// it is opened, so a pipe with no writer never blocks. what names the kind
// of file expected, for the size error. Errors are *InputError.
func ReadInput(path string, limit int64, what string) ([]byte, error) {
	if isStdin(path) {
		return readStdin(path, limit, what)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, &InputError{File: path, Msg: "cannot open: " + pathErr(err)}
	}
	switch mode := st.Mode(); {
	case mode.IsDir():
		return nil, &InputError{File: path, Msg: "is a directory, not a file"}
	case !mode.IsRegular():
		return nil, &InputError{File: path, Msg: fmt.Sprintf("is not a regular file (%s); give a file, or - to read standard input", fileKind(mode))}
	}
	if st.Size() > limit {
		return nil, tooLarge(path, limit, what)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{File: path, Msg: "cannot open: " + pathErr(err)}
	}
	defer f.Close()
	return readLimited(path, f, limit, what)
}

func readStdin(path string, limit int64, what string) ([]byte, error) {
	stdin.once.Do(func() {
		r := stdin.r
		if r == nil {
			r = os.Stdin
		}
		// Read one byte past the largest limit any input has, so every
		// caller can tell "too large" from "exactly at the limit".
		stdin.data, stdin.err = io.ReadAll(io.LimitReader(r, MaxJSONSize+1))
	})
	if stdin.err != nil {
		return nil, &InputError{File: path, Msg: "cannot read standard input: " + stdin.err.Error()}
	}
	if int64(len(stdin.data)) > limit {
		return nil, tooLarge(path, limit, what)
	}
	return stdin.data, nil
}

func readLimited(path string, r io.Reader, limit int64, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, &InputError{File: path, Msg: "cannot read: " + pathErr(err)}
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(path, limit, what)
	}
	return data, nil
}

func tooLarge(path string, limit int64, what string) error {
	return &InputError{File: path, Msg: fmt.Sprintf("larger than %s, the most %s can be", sizeLimit(limit), what)}
}

func sizeLimit(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err.Error()
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return strings.TrimSpace("a special file " + m.Type().String())
}
