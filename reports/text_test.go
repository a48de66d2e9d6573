package reports

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	for _, c := range []struct {
		in   string
		keep bool
		want string
	}{
		{"plain µs → ✓", false, "plain µs → ✓"},
		{"\x1b]0;title\x07", false, "␛]0;title␇"},
		{"a\nb\tc\rd", false, "a b c d"},
		{"a\nb", true, "a\nb"},
		{"del\x7f c1\u0085 bidi\u202e pua\ue001", false, "del␡ c1\uFFFD bidi\uFFFD pua\uFFFD"},
		{"bad \xff utf8", false, "bad \uFFFD utf8"},
	} {
		if got := CleanText(c.in, c.keep); got != c.want {
			t.Errorf("CleanText(%q, %v) = %q, want %q", c.in, c.keep, got, c.want)
		}
	}
}

func TestMdText(t *testing.T) {
	for in, want := range map[string]string{
		"[x](javascript:alert(1))": `\[x\](javascript:alert(1))`,
		"![img](http://x/y.png)":   `\!\[img\](http://x/y.png)`,
		"<script>&amp;":            "&lt;script&gt;&amp;amp;",
		"a|b *c* _d_ max_lag":      `a\|b \*c\* \_d\_ max_lag`,
		"# heading":                `\# heading`,
		"1. item":                  `1\. item`,
		"4.73ms":                   "4.73ms",
		"line\nbreak":              "line break",
	} {
		if got := mdText(in); got != want {
			t.Errorf("mdText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := mdInline("set `acks=all` [x](y)"); got != "set `acks=all` \\[x\\](y)" {
		t.Errorf("mdInline = %q", got)
	}
	if got := string(htmlInline("use `a<b>` <i>")); got != "use <code>a&lt;b&gt;</code> &lt;i&gt;" {
		t.Errorf("htmlInline = %q", got)
	}
}

// Our own colours reach the terminal; escapes inside the text do not.
func TestTerminalTextKeepsOnlyOurStyles(t *testing.T) {
	st := TextStyle{Color: true}
	got := terminalText(st.paint(ansiRed, "lost \x1b[2J"))
	if got != "\x1b[31mlost ␛[2J\x1b[0m" || strings.Count(got, "\x1b") != 2 {
		t.Errorf("terminalText = %q", got)
	}
	// Text that imitates our style markers stays text.
	var b bytes.Buffer
	writeWrapped(&b, "fake "+ansiRed+"red", 80, "", "")
	if got := terminalText(b.String()); strings.Contains(got, "\x1b") {
		t.Errorf("a marker in user text became an escape: %q", got)
	}
}

// A command broken over lines to fit the width is still the same command
// to a shell.
func TestWriteCommandStaysOneCommand(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no shell")
	}
	cmd := "mqsim run --replay '/a very/long/path/that/does/not/fit/in/one/line/of/forty/columns/results.json' --set 'x=lognormal(median=5ms, p99=50ms)' --seed 1"
	var b bytes.Buffer
	writeCommand(&b, cmd, 40, "Reproduce: ")
	for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		if n := utf8.RuneCountInString(l); n > 40 {
			t.Errorf("line of %d columns: %q", n, l)
		}
	}
	args := func(script string) string {
		out, err := exec.Command(sh, "-c", `set -- `+script+`; printf '%s|' "$@"`).Output()
		if err != nil {
			t.Fatalf("sh: %v on %q", err, script)
		}
		return string(out)
	}
	got := args(strings.TrimSpace(strings.TrimPrefix(b.String(), "Reproduce: ")))
	if want := args(cmd); got != want {
		t.Errorf("the wrapped command reads as %q, want %q:\n%s", got, want, b.String())
	}
}
