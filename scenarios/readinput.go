package scenarios

import (
	"bytes"
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
	// MaxJSONSize bounds a saved run (results.json). Nearly all of one is
	// its time series: 16 + 3×groups + 5×brokers columns of one number
	// (about 7 bytes) per sample. A day sampled every second on 12 brokers
	// with 4 consumer groups is 86,400 × 88 × 7 B ≈ 53 MB; the validated
	// maximum of MaxSamples samples on a typical 3-broker cluster with one
	// group is about 240 MB. 256 MiB holds both and still refuses
	// /dev/zero at once.
	MaxJSONSize = 256 << 20
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

// sniffSize is how much of an input is read first to refuse binary data
// (a device, an archive) before reading the rest.
const sniffSize = 4096

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
		// The first reader's limit holds for every later one: a
		// process reads one kind of file from standard input.
		stdin.data, stdin.err = readLimited(path, r, limit, what)
	})
	if stdin.err != nil {
		return nil, stdin.err
	}
	if int64(len(stdin.data)) > limit {
		return nil, tooLarge(path, limit, what)
	}
	return stdin.data, nil
}

// readLimited reads at most limit bytes of text from r, refusing binary
// data (a NUL byte in the first sniffSize bytes) before reading on.
func readLimited(path string, r io.Reader, limit int64, what string) ([]byte, error) {
	head := make([]byte, min(sniffSize, limit+1))
	n, err := io.ReadFull(r, head)
	head = head[:n]
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return nil, &InputError{File: path, Line: 1 + bytes.Count(head[:i], []byte{'\n'}), Msg: "binary data, not a text file: expected " + what}
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, &InputError{File: path, Msg: "cannot read: " + pathErr(err)}
	}
	rest, err := io.ReadAll(io.LimitReader(r, limit+1-int64(n)))
	if err != nil {
		return nil, &InputError{File: path, Msg: "cannot read: " + pathErr(err)}
	}
	data := append(head, rest...)
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
