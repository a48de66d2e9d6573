package main

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY opens a pseudo-terminal pair of the given size: the master the
// test types into, and the terminal the child runs on.
func openPTY(t *testing.T, rows, cols uint16) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	ioctl := func(req uintptr, arg unsafe.Pointer) syscall.Errno {
		_, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), req, uintptr(arg))
		return e
	}
	var unlock int32
	var n uint32
	if e := ioctl(syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); e != 0 {
		t.Skipf("unlock pty: %v", e)
	}
	if e := ioctl(syscall.TIOCGPTN, unsafe.Pointer(&n)); e != 0 {
		t.Skipf("pty number: %v", e)
	}
	ws := struct{ row, col, x, y uint16 }{rows, cols, 0, 0}
	if e := ioctl(syscall.TIOCSWINSZ, unsafe.Pointer(&ws)); e != 0 {
		t.Skipf("pty size: %v", e)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pty: %v", err)
	}
	return m, s
}

// TestInterviewEditorChild is the interview run on a terminal by
// TestInterviewLineEditor; on its own it does nothing.
func TestInterviewEditorChild(t *testing.T) {
	if os.Getenv("MQSIM_EDITOR_CHILD") != "1" {
		t.Skip("runs as the child of TestInterviewLineEditor")
	}
	os.Exit(execute([]string{"interview", "payments", "--prove=false"}, os.Stdin, os.Stdout, os.Stderr))
}

// On a terminal, answers are typed into a line editor: arrow keys move the
// cursor (they do not insert "^[[D"), the up arrow recalls an earlier
// answer, and Ctrl-D or Ctrl-C stops with the score so far.
func TestInterviewLineEditor(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process on a pseudo-terminal")
	}
	for _, stop := range []struct{ name, key string }{{"ctrl-d", "\x04"}, {"ctrl-c", "\x03"}} {
		t.Run(stop.name, func(t *testing.T) { editorSession(t, stop.key) })
	}
}

func editorSession(t *testing.T, stopKey string) {
	master, tty := openPTY(t, 40, 100)
	defer master.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestInterviewEditorChild$")
	cmd.Env = append(os.Environ(), "MQSIM_EDITOR_CHILD=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()

	var mu sync.Mutex
	var out bytes.Buffer
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	waitFor := func(s string, count int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			n := strings.Count(out.String(), s)
			mu.Unlock()
			if n >= count {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		cmd.Process.Kill()
		t.Fatalf("no %q (×%d) on the terminal after 20s:\n%s", s, count, out.String())
	}
	left := "\x1b[D"
	// "aync", three steps left, "s": async.
	waitFor("> ", 1)
	master.WriteString("aync" + left + left + left + "s\r")
	waitFor("Which messaging model?", 1)
	waitFor("> ", 2)
	// Up recalls "async", which is not a model: asked again. Then stop.
	master.WriteString("\x1b[A\r")
	waitFor("is not an option", 1)
	waitFor("> ", 3)
	master.WriteString(stopKey)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the interview exited with %v", err)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the interview did not stop on %q", stopKey)
	}
	waitFor("Score:", 1)
	mu.Lock()
	s := out.String()
	mu.Unlock()
	for _, want := range []string{"RIGHT  (expected: async)", `"async" is not an option`, "Stopped after 1 of", "Score: 2/2"} {
		if !strings.Contains(s, want) {
			t.Errorf("the terminal lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "^[[D") {
		t.Errorf("an arrow key was inserted as text:\n%s", s)
	}
}
