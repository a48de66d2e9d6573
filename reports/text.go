package reports

import (
	"html/template"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text from scenario and workload files (names, descriptions, lessons,
// labels) reaches terminals, SVG, Markdown, CSV and HTML. None of them may
// receive a control character: an ESC retitles or recolours a terminal, and
// XML forbids most C0 characters even when escaped. CleanText makes any
// string safe to show by replacing what cannot be shown with a visible
// stand-in.

// CleanText replaces control characters with visible symbols: C0 controls
// and DEL by their Unicode control pictures (ESC → ␛, BEL → ␇, DEL → ␡),
// C1 controls, bidirectional overrides, private-use characters and
// invalid UTF-8 by U+FFFD. Newlines are kept when keepNewlines is set (and
// otherwise become spaces); a tab becomes a space.
func CleanText(s string, keepNewlines bool) string {
	clean := utf8.ValidString(s)
	for _, r := range s {
		clean = clean && (!needsCleaning(r) || keepNewlines && r == '\n')
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		cleanRune(&b, r, n, keepNewlines)
	}
	return b.String()
}

// cleanRune writes r (n bytes of input) as CleanText shows it.
func cleanRune(b *strings.Builder, r rune, n int, keepNewlines bool) {
	switch {
	case r == utf8.RuneError && n <= 1:
		b.WriteRune('\uFFFD')
	case r == '\n' && keepNewlines:
		b.WriteByte('\n')
	case r == '\n' || r == '\t' || r == '\r':
		b.WriteByte(' ')
	case r < 0x20:
		b.WriteRune(0x2400 + r)
	case r == 0x7f:
		b.WriteRune('\u2421')
	case needsCleaning(r):
		b.WriteRune('\uFFFD')
	default:
		b.WriteRune(r)
	}
}

// Clean is CleanText for one line.
func Clean(s string) string { return CleanText(s, false) }

func needsCleaning(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true // bidirectional controls: text that reads differently than it is
	case unicode.Is(unicode.Co, r), r == 0xfeff:
		return true // private use (our terminal styling markers), byte-order mark
	}
	return false
}

// mdText renders s as Markdown that shows exactly s: control characters
// cleaned, newlines as spaces, and every character that could start markup
// (emphasis, links, images, HTML, tables, code, headings, lists)
// escaped, so "[x](javascript:…)" stays text.
func mdText(s string) string {
	s = Clean(s)
	rs := []rune(s)
	alnum := func(i int) bool {
		return i >= 0 && i < len(rs) && (unicode.IsLetter(rs[i]) || unicode.IsDigit(rs[i]))
	}
	var b strings.Builder
	for i, r := range rs {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '_':
			// Between letters or digits (max_lag) it cannot be emphasis.
			if !alnum(i-1) || !alnum(i+1) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		case '\\', '`', '*', '[', ']', '|', '!', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '#', '+', '-', '=':
			if i == 0 {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	// "1. " or "1) " at the start would begin a numbered list.
	if j := strings.IndexFunc(out, func(r rune) bool { return r < '0' || r > '9' }); j > 0 && (out[j] == '.' || out[j] == ')') && (j+1 == len(out) || out[j+1] == ' ') {
		out = out[:j] + `\` + out[j:]
	}
	return out
}

// codeSpans splits a lesson into plain text and `code` parts: a backtick
// opens a code span that the next backtick closes; an unclosed backtick is
// text. Odd indexes of the result are code.
func codeSpans(s string) []string {
	var parts []string
	for {
		i := strings.IndexByte(s, '`')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], '`')
		if j < 0 {
			break
		}
		parts = append(parts, s[:i], s[i+1:i+1+j])
		s = s[i+2+j:]
	}
	return append(parts, s)
}

// mdInline is mdText for prose that may mark code with backticks: the
// code spans stay code spans, everything else is text.
func mdInline(s string) string {
	parts := codeSpans(Clean(s))
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 1 {
			b.WriteString("`" + p + "`")
			continue
		}
		b.WriteString(mdText(p))
	}
	return b.String()
}

// htmlInline renders prose for HTML: escaped text, with backtick code
// spans as <code>. Nothing else in the text becomes markup.
func htmlInline(s string) template.HTML {
	parts := codeSpans(CleanText(s, false))
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 1 {
			b.WriteString("<code>" + template.HTMLEscapeString(p) + "</code>")
			continue
		}
		b.WriteString(template.HTMLEscapeString(p))
	}
	return template.HTML(b.String())
}

// mdCode shows s as a Markdown code span (backticks inside become ').
func mdCode(s string) string {
	return "`" + strings.ReplaceAll(Clean(s), "`", "'") + "`"
}
