package scenarios

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSizeTrace(t *testing.T) {
	// Three messages of 100 B and one of 1 KB (1000 B), as one size a row
	// or as a histogram: the mean is (3×100 + 1000)/4 = 325 B.
	for _, text := range []string{
		"size\n100\n100\n100\n1000\n",
		"100\n1KB\n100\n100\n", // no header, a unit, any order
		"bytes,messages\n100,3\n1000,1\n",
		"# a histogram\n100,2\n1000,1\n100,1\n200,0\n", // a size twice adds up; a count of 0 is no message
	} {
		tr, err := ParseSizeTrace("s.csv", []byte(text))
		if err != nil {
			t.Fatalf("ParseSizeTrace(%q): %v", text, err)
		}
		if tr.Mean() != 325 || tr.Max() != 1000 {
			t.Errorf("ParseSizeTrace(%q): mean %v max %v; want 325 and 1000", text, tr.Mean(), tr.Max())
		}
	}
}

func TestSizeTraceSamplesRecordedSizes(t *testing.T) {
	tr, err := ParseSizeTrace("s.csv", []byte("100,3\n1000,1\n"))
	if err != nil {
		t.Fatal(err)
	}
	// Every recorded message equally likely: 100 B with probability 3/4,
	// 1000 B with 1/4, nothing else. Over n draws the share of 1000 B has
	// standard deviation √(¼·¾/n) ≈ 0.0014 for n = 100,000: allow 5σ.
	const n = 100_000
	r := rand.New(rand.NewPCG(7, 8))
	big, sum := 0, 0.0
	for range n {
		switch v := tr.Sample(r); v {
		case 1000:
			big++
		case 100:
		default:
			t.Fatalf("Sample = %v; want only recorded sizes (100 or 1000)", v)
		}
	}
	share := float64(big) / n
	if sd := math.Sqrt(0.25 * 0.75 / n); math.Abs(share-0.25) > 5*sd {
		t.Errorf("share of 1000 B = %v; want 0.25 ± %v", share, 5*sd)
	}
	sum = 100*float64(n-big) + 1000*float64(big)
	if m := sum / n; math.Abs(m-325) > 5*900*math.Sqrt(0.25*0.75/n) {
		t.Errorf("sample mean %v; want 325 B", m)
	}
	// The same stream gives the same sizes.
	a, b := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(1, 2))
	for i := range 1000 {
		if x, y := tr.Sample(a), tr.Sample(b); x != y {
			t.Fatalf("draw %d: %v then %v from the same seed", i, x, y)
		}
	}
}

func TestParseSizeTraceErrors(t *testing.T) {
	for _, c := range []struct {
		text string
		line int
		want string
	}{
		{"size\n100\nbig\n", 3, `size "big"`},
		{"100,3\n200,x\n", 2, `count "x"`},
		{"100,3\n200,-1\n", 2, `count "-1"`},
		{"100\n-5\n", 2, `size "-5"`},
		{"100\n3GB\n", 2, `size "3GB"`},
		{"100,1,2\n", 1, "3 columns"},
		{"100\n200,1\n", 2, "2 columns where the rows above have 1"},
		{"size\n", 0, "no messages"},
		{"100,0\n", 0, "no messages"},
		{"100\n\"200\n", 2, "quote"},
	} {
		_, err := ParseSizeTrace("s.csv", []byte(c.text))
		var ie *InputError
		if !errors.As(err, &ie) || ie.Line != c.line || ie.File != "s.csv" || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseSizeTrace(%q) = %v; want an error on s.csv line %d mentioning %q", c.text, err, c.line, c.want)
		}
	}
}

func TestSizeTraceDist(t *testing.T) {
	bad := writeTemp(t, "bad.csv", "size,count\n100,1\n200,many\n")
	d, err := ParseSizeDist("trace(testdata/trace/sizes.csv)")
	if err != nil {
		t.Fatal(err)
	}
	if d.Mean() != 325 || d.Spec != "trace(testdata/trace/sizes.csv)" {
		t.Errorf("ParseSizeDist = %v mean %v; want the spec kept and mean 325", d.Spec, d.Mean())
	}
	if up := sizeUpper(d.Dist); up != 1000 {
		t.Errorf("sizeUpper = %v; want the largest recorded size, 1000", up)
	}
	for _, c := range []struct{ spec, want string }{
		{"trace()", "missing the file"},
		{"trace(-)", "give a file"},
		{"trace(testdata/trace/none.csv)", "none.csv: cannot open"},
		{"trace(testdata/trace/sizes.csv, scale=2x)", "unknown argument"},
		{"trace(" + bad + ")", "bad.csv:3: count \"many\""},
		{"bogus(1)", "trace(sizes.csv)"}, // the list of names offers it
	} {
		if _, err := ParseSizeDist(c.spec); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseSizeDist(%q) = %v; want an error mentioning %q", c.spec, err, c.want)
		}
	}
}

// In a scenario, a bad trace is named by the scenario's file, line and
// field, then by the trace's file and line.
func TestSizeTraceInScenario(t *testing.T) {
	base := "name: t\nduration: 10s\ntopics:\n  - name: t\n    partitions: 1\nproducers:\n  - name: p\n    topic: t\n    rate: 1K/s\n    message_size: "
	ls, err := ParseScenario("t.yaml", []byte(base+"trace(testdata/trace/size-histogram.csv)\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if m := ls.Producers[0].MessageSize.Mean(); m != 325 {
		t.Errorf("message size mean %v; want 325", m)
	}
	bad := writeTemp(t, "bad.csv", "size\n100\nlarge\n")
	_, err = ParseScenario("t.yaml", []byte(base+"trace("+bad+")\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "t.yaml:10: producers[0].message_size:") || !strings.Contains(err.Error(), "bad.csv:3: size \"large\"") {
		t.Errorf("bad trace: %v; want t.yaml:10 producers[0].message_size and bad.csv:3 size", err)
	}
}

func writeTemp(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func FuzzParseSizeTrace(f *testing.F) {
	f.Add("size\n100\n1KB\n")
	f.Add("bytes,messages\n100,3\n1000,1\n")
	f.Fuzz(func(t *testing.T, s string) {
		tr, err := ParseSizeTrace("fuzz", []byte(s))
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an *InputError", err)
			}
			return
		}
		r := rand.New(rand.NewPCG(1, 1))
		if v := tr.Sample(r); v < 0 || v > tr.Max() || !(tr.Mean() >= 0) || tr.Mean() > tr.Max() {
			t.Fatalf("sample %v, mean %v, max %v", v, tr.Mean(), tr.Max())
		}
	})
}
