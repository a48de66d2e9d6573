package commitlog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mqsim/model/commitlog/vfs"
)

// randomBatch builds a batch of 1..8 records with random sizes and codec.
func randomBatch(t testing.TB, r *rand.Rand) Batch {
	var bb BatchBuilder
	bb.Reset(BatchHeader{Compression: Compression(r.IntN(5))})
	n := 1 + r.IntN(8)
	for i := 0; i < n; i++ {
		v := make([]byte, r.IntN(200))
		for j := range v {
			v[j] = byte(r.Uint32())
		}
		bb.Add(int64(r.IntN(1000)), []byte(strconv.Itoa(r.IntN(50))), v, nil)
	}
	b, err := bb.Build()
	if err != nil {
		t.Fatal(err)
	}
	return append(Batch(nil), b...)
}

// checkAcked asserts every acknowledged batch is in l byte for byte.
func checkAcked(t *testing.T, l *Log, acked []Batch) {
	t.Helper()
	for _, want := range acked {
		res, err := l.Read(want.BaseOffset(), ReadOptions{MaxBytes: 1})
		if err != nil {
			t.Fatalf("acked batch at %d: %v", want.BaseOffset(), err)
		}
		if !bytes.Equal(res.Data, want) {
			t.Fatalf("acked batch at %d differs after recovery", want.BaseOffset())
		}
	}
	if n := len(acked); n > 0 && l.LogEndOffset() < acked[n-1].NextOffset() {
		t.Fatalf("log end %d below the last acknowledged offset %d", l.LogEndOffset(), acked[n-1].LastOffset())
	}
}

func checkVerifies(t *testing.T, fsys vfs.FS, dir string) {
	t.Helper()
	rep, err := Verify(fsys, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("log does not verify: %v", rep.Problems)
	}
}

// TestCrashableFS crashes at random points of random workloads (appends,
// rolls, clean restarts, truncations, deletions from the front, restarts
// past the end) and checks that recovery keeps every synced batch and
// leaves a log that verifies.
func TestCrashableFS(t *testing.T) {
	rounds := 300
	if testing.Short() {
		rounds = 60
	}
	for seed := 0; seed < rounds; seed++ {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		fs := vfs.NewCrashable()
		cfg := Config{SegmentBytes: int64(500 + r.IntN(3000)), IndexIntervalBytes: int64(100 + r.IntN(500)), Flush: FlushPolicy{EveryBatches: 1 + r.IntN(3)}}
		l, err := Open(fs, "/log", cfg)
		if err != nil {
			t.Fatal(err)
		}
		var acked, pending []Batch
		steps := r.IntN(80)
		for i := 0; i < steps; i++ {
			switch k := r.IntN(40); {
			case k == 0:
				l = reopenFile(t, l, cfg)
				acked, pending = append(acked, pending...), nil
			case k == 1 && l.LogEndOffset() > 0:
				// Replica truncation: forget what is cut.
				to := r.Int64N(l.LogEndOffset())
				if err := l.TruncateTo(to); err != nil {
					t.Fatal(err)
				}
				if err := l.Sync(); err != nil {
					t.Fatal(err)
				}
				all := append(acked, pending...)
				acked, pending = nil, nil
				for _, b := range all {
					// (Truncating to the log start or below restarts the
					// log there, empty.)
					if b.NextOffset() <= l.LogEndOffset() && b.BaseOffset() >= l.LogStartOffset() {
						acked = append(acked, b)
					}
				}
			case k == 2 && l.LogEndOffset() > l.LogStartOffset():
				// Records deleted from the front (the log start moves,
				// whole segments go): forget what is gone.
				if err := l.SetHighWatermark(l.LogEndOffset()); err != nil {
					t.Fatal(err)
				}
				to := l.LogStartOffset() + r.Int64N(l.LogEndOffset()-l.LogStartOffset()+1)
				if _, err := l.DeleteRecordsBefore(to); err != nil {
					t.Fatal(err)
				}
				if err := l.Sync(); err != nil {
					t.Fatal(err)
				}
				all := append(acked, pending...)
				acked, pending = nil, nil
				for _, b := range all {
					if b.BaseOffset() >= l.LogStartOffset() {
						acked = append(acked, b)
					}
				}
			case k == 3:
				// A replica restarting its log past its end.
				if err := l.TruncateFullyAndStartAt(l.LogEndOffset() + r.Int64N(100)); err != nil {
					t.Fatal(err)
				}
				acked, pending = nil, nil
			default:
				b := randomBatch(t, r)
				if _, err := l.Append(b, 0); err != nil {
					t.Fatal(err)
				}
				pending = append(pending, b)
				if l.unflushed == 0 {
					acked, pending = append(acked, pending...), nil
				}
			}
		}
		crashed := fs.Crash(r)
		l2, err := Open(crashed, "/log", cfg)
		if err != nil {
			t.Fatalf("seed %d: open after crash: %v", seed, err)
		}
		checkAcked(t, l2, acked)
		// Nothing beyond the recovered end is visible, and the log
		// accepts appends again.
		if _, err := l2.Read(l2.LogEndOffset()+1, ReadOptions{}); !errors.Is(err, ErrOffsetOutOfRange) {
			t.Fatalf("seed %d: read past recovered end: %v", seed, err)
		}
		mustAppend(t, l2, randomBatch(t, r), 0)
		if err := l2.Close(); err != nil {
			t.Fatal(err)
		}
		checkVerifies(t, crashed, "/log")
	}
}

// crashBatch is the deterministic batch number i of the SIGKILL test.
func crashBatch(i int64) Batch {
	r := rand.New(rand.NewPCG(uint64(i), 99))
	var bb BatchBuilder
	bb.Reset(BatchHeader{})
	for j := 0; j < 4; j++ {
		v := make([]byte, 64+r.IntN(512))
		for k := range v {
			v[k] = byte(r.Uint32())
		}
		bb.Add(i, []byte(fmt.Sprintf("b%d-r%d", i, j)), v, nil)
	}
	b, _ := bb.Build()
	return append(Batch(nil), b...)
}

const crashChildEnv = "COMMITLOG_CRASH_CHILD_DIR"

// TestCrashChild is the child process of TestSIGKILL: it appends with an
// fsync per batch and prints each acknowledged batch until killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestSIGKILL")
	}
	l, err := Open(vfs.OS, dir, Config{SegmentBytes: 32 << 10, Flush: FlushPolicy{EveryBatches: 1}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stdout, "ready %d\n", l.LogEndOffset())
	for i := l.LogEndOffset() / 4; ; i++ {
		res, err := l.Append(crashBatch(i), 0)
		if err != nil {
			fmt.Fprintln(os.Stderr, "append:", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stdout, "ack %d %d\n", i, res.FirstOffset)
	}
}

// TestSIGKILL kills a real child process at random moments while it appends
// with fsync per batch, then checks that every acknowledged batch survived
// byte for byte and that the log verifies.
func TestSIGKILL(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(2024, 1))
	start := time.Now()
	var acked []int64 // batch numbers, in order
	for round := 0; round < 30; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		delay := time.Duration(1+r.IntN(30)) * time.Millisecond
		var timer <-chan time.Time
	collect:
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					break collect
				}
				if strings.HasPrefix(line, "ready") && timer == nil {
					timer = time.After(delay)
				}
				var i, off int64
				if n, _ := fmt.Sscanf(line, "ack %d %d", &i, &off); n == 2 {
					if off != 4*i {
						t.Fatalf("batch %d acknowledged at offset %d, want %d", i, off, 4*i)
					}
					acked = append(acked, i)
				}
			case <-timer:
				cmd.Process.Kill()
				timer = nil
			}
		}
		wg.Wait()
		err = cmd.Wait()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != -1 {
			t.Fatalf("round %d: child ended with %v, want killed; stderr: %s", round, err, stderr.String())
		}
		l, err := Open(vfs.OS, dir, Config{SegmentBytes: 32 << 10})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		var want []Batch
		for _, i := range acked {
			b := crashBatch(i)
			b.setBaseOffset(4 * i)
			b.setLeaderEpoch(0)
			want = append(want, b)
		}
		checkAcked(t, l, want)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		checkVerifies(t, vfs.OS, dir)
	}
	if len(acked) == 0 {
		t.Fatal("no batch was acknowledged in 30 rounds")
	}
	t.Logf("30 rounds, %d acknowledged batches, %v", len(acked), time.Since(start))
}

// TestErrorInjection fails writes and syncs: the append reports a storage
// error, the log refuses further writes, and reopening recovers everything
// acknowledged before the failure.
func TestErrorInjection(t *testing.T) {
	for _, op := range []vfs.Op{vfs.OpWrite, vfs.OpSync, vfs.OpCreate} {
		t.Run(op.String(), func(t *testing.T) {
			mem := vfs.NewMem()
			armed := false
			efs := &vfs.ErrorFS{FS: mem, Inject: func(o vfs.Op, name string) error {
				if armed && o == op {
					return vfs.ErrInjected
				}
				return nil
			}}
			cfg := Config{SegmentBytes: 1000, Flush: FlushPolicy{EveryBatches: 1}}
			l, err := Open(efs, "/log", cfg)
			if err != nil {
				t.Fatal(err)
			}
			var acked []Batch
			for i := 0; i < 20; i++ {
				b := simple(t, int64(i), 3)
				mustAppend(t, l, b, 0)
				acked = append(acked, b)
			}
			armed = true
			var failed bool
			for i := 0; i < 50 && !failed; i++ {
				b := simple(t, 0, 3)
				if _, err := l.Append(b, 0); err != nil {
					if !errors.Is(err, ErrStorage) {
						t.Fatalf("error %v is not a storage error", err)
					}
					failed = true
				} else {
					acked = append(acked, b)
				}
			}
			if !failed {
				t.Fatalf("no append failed with %v injected", op)
			}
			armed = false
			l.Close()
			l2, err := Open(mem, "/log", cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkAcked(t, l2, acked)
			checkVerifies(t, mem, "/log")
		})
	}
}

// TestConcurrentReaders runs one writer and several readers; run it under
// -race.
func TestConcurrentReaders(t *testing.T) {
	forEach(t, func(t *testing.T, bc backendCase) {
		l := bc.open(t, Config{SegmentBytes: 4000, RetentionBytes: 20000})
		var wg sync.WaitGroup
		done := make(chan struct{})
		errs := make(chan error, 4)
		for k := 0; k < 3; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var rr RecordReader
				for {
					select {
					case <-done:
						return
					default:
					}
					off := l.LogStartOffset()
					res, err := l.Read(off, ReadOptions{MaxBytes: 2000, Upto: UptoHighWatermark})
					if err != nil && !errors.Is(err, ErrOffsetOutOfRange) {
						errs <- err
						return
					}
					it := Batches(res.Data)
					for it.Next() {
						rr.Reset(it.Batch())
						for rr.Next() {
						}
					}
					if it.Err() != nil {
						errs <- it.Err()
						return
					}
				}
			}()
		}
		for i := 0; i < 2000; i++ {
			mustAppend(t, l, simple(t, int64(i), 3), 0)
			l.SetHighWatermark(l.LogEndOffset())
			if i%100 == 0 {
				if _, err := l.ApplyRetention(); err != nil {
					t.Fatal(err)
				}
			}
			if i%500 == 499 {
				if err := l.TruncateTo(l.LogEndOffset() - 5); err != nil {
					t.Fatal(err)
				}
			}
		}
		close(done)
		wg.Wait()
		select {
		case err := <-errs:
			t.Fatal(err)
		default:
		}
	})
}
