package interview

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// choiceAliases are other words people use for an option; they count only
// where the option is offered.
var choiceAliases = map[string][]string{
	"sync":            {"synchronous", "synchronously"},
	"async":           {"asynchronous", "asynchronously", "asynchronous messaging"},
	"queue":           {"point-to-point", "p2p", "work queue"},
	"pubsub":          {"publish-subscribe", "publish/subscribe"},
	"consumer-groups": {"consumer group"},
	"message-id":      {"message ids", "unique id", "unique message id", "dedupe by id"},
	"upsert":          {"upserts", "idempotent writes"},
	"transactions":    {"transaction", "transactional"},
	"autoscale":       {"autoscaling", "auto-scaling", "scale consumers"},
	"rate-limit":      {"rate limiting", "throttle", "throttling"},
	"queue-limit":     {"bounded queue"},
	"retry-dlq":       {"retry and dlq", "retry then dlq", "retries and a dlq"},
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// spells reports how many bytes at the start of text spell word, comparing
// letters and digits case-insensitively and skipping the separators between
// them, so "exactly once", "Exactly-Once" and "exactly_once" all spell
// exactly-once. The word must end where a word of text ends; 0 means no.
func spells(text, word string) int {
	var w []byte
	for i := 0; i < len(word); i++ {
		if isAlnum(word[i]) {
			w = append(w, lower(word[i]))
		}
	}
	if len(w) == 0 {
		return 0
	}
	j := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		if !isAlnum(c) {
			if j == 0 || c == ':' || c == ',' || c == ';' || c == ')' {
				return 0 // a word starts at once, and punctuation ends it
			}
			continue
		}
		if j == len(w) || lower(c) != w[j] {
			return 0
		}
		j++
		if j == len(w) {
			if i+1 < len(text) && isAlnum(text[i+1]) {
				return 0
			}
			return i + 1
		}
	}
	return 0
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// ParseChoice reads a multiple-choice answer: the option's key however it
// is spaced or cased ("exactly once", "Exactly-Once"), a common other name
// for it ("asynchronous"), its number in the list (1, 2, …) or, for
// lettered options, its letter — optionally followed by a reason
// ("at-least-once: consumers dedupe by message ID"). It returns the key and
// the reason.
func ParseChoice(text string, choices []Choice) (key, why string, err error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", "", nil
	}
	best := 0
	for _, c := range choices {
		for _, w := range append([]string{c.Key}, choiceAliases[c.Key]...) {
			if n := spells(text, w); n > best {
				key, best = c.Key, n
			}
		}
	}
	if best == 0 {
		i := 0
		for i < len(text) && text[i] >= '0' && text[i] <= '9' {
			i++
		}
		if i > 0 && (i == len(text) || !isAlnum(text[i])) {
			if n, err := strconv.Atoi(text[:i]); err == nil && n >= 1 && n <= len(choices) {
				key, best = choices[n-1].Key, i
			}
		}
	}
	if best == 0 {
		head, _, _ := strings.Cut(text, " ")
		return "", "", fmt.Errorf("%q is not an option: answer with %s (or its number), optionally followed by your reason", head, strings.Join(choiceKeys(choices), ", "))
	}
	why = strings.TrimSpace(strings.TrimLeft(text[best:], " \t:,;-—–).>"))
	return key, why, nil
}

// Skip words: an answer that says so skips the question, like an empty line.
var skipWords = []string{"skip", "pass", "idk", "i don't know", "i do not know", "don't know", "dont know", "no idea"}

// IsSkip reports whether text asks to skip the question.
func IsSkip(text string) bool {
	t := strings.ToLower(strings.Join(strings.Fields(text), " "))
	t = strings.TrimRight(t, ".!")
	if t == "" {
		return true
	}
	for _, w := range skipWords {
		if t == w {
			return true
		}
	}
	return false
}

// The forms of a number: digits with optional thousands separators and a
// decimal point, then an optional exponent.
var numberRE = regexp.MustCompile(`^(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(e[+-]?\d+)?`)

var (
	approxWords = []string{"~", "≈", "about", "around", "roughly", "approximately", "approx.", "approx", "circa", "ca.", "nearly", "almost", "some"}
	scaleWords  = map[string]float64{
		"thousand": 1e3, "thousands": 1e3, "million": 1e6, "millions": 1e6, "mn": 1e6, "mil": 1e6,
		"billion": 1e9, "billions": 1e9, "bn": 1e9, "trillion": 1e12, "trillions": 1e12, "tn": 1e12,
	}
	// SI letters, for counts and rates: 10B is ten billion, as in the seed.
	scaleLetters = map[string]float64{"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}
	byteWords    = map[string]float64{
		"b": 1, "byte": 1, "bytes": 1,
		"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "pb": 1e15, "eb": 1e18,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40, "pib": 1 << 50, "eib": 1 << 60,
		"kbit": 1e3 / 8, "mbit": 1e6 / 8, "gbit": 1e9 / 8, "tbit": 1e12 / 8, "pbit": 1e15 / 8, "bit": 1.0 / 8, "bits": 1.0 / 8,
	}
	bytePrefixes = map[string]float64{"kilo": 1e3, "mega": 1e6, "giga": 1e9, "tera": 1e12, "peta": 1e15, "exa": 1e18,
		"kibi": 1 << 10, "mebi": 1 << 20, "gibi": 1 << 30, "tebi": 1 << 40, "pebi": 1 << 50, "exbi": 1 << 60}
	// Seconds in a time unit, for "per …".
	perUnit = map[string]float64{"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
		"min": 60, "mins": 60, "minute": 60, "minutes": 60,
		"h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
		"d": 86400, "day": 86400, "days": 86400}
	// Words that say nothing the question did not.
	fillers = map[string][]string{
		"rate":  {"messages", "message", "msgs", "msg", "events", "event", "records", "record", "requests", "writes", "at", "peak", "average", "avg", "on", "the", "in", "total"},
		"bytes": {"of", "data", "storage", "stored", "disk", "total", "in", "with", "replication", "replicated", "replicas", "raw", "daily", "on"},
		"count": {"partitions", "partition", "brokers", "broker", "nodes", "node", "servers", "server", "machines", "instances", "in", "total"},
	}
)

// numberForms says, for an error, how a number of a kind is written: the
// forms, never a value.
var numberForms = map[string]string{
	"rate":  "a number, optionally with K, M or B (or thousand, million, billion) and per second",
	"bytes": "a number with a unit: B, KB, MB, GB, TB, PB (decimal), KiB … PiB (binary), or in words such as terabytes",
	"count": "a whole number, optionally with K or thousand",
}

// NumberError is an answer that cannot be read as a number of its kind.
// It names the forms accepted and never a value.
type NumberError struct {
	Text, Kind, Problem string
}

func (e *NumberError) Error() string {
	return fmt.Sprintf("%q %s: write %s", e.Text, e.Problem, numberForms[e.Kind])
}

// ParseNumber reads a numeric answer of the given kind ("rate", "bytes" or
// "count") the way people write one: 1.16M, 1,157,407, 1.16 million,
// ~1.2M msg/s, 1.2 million/s, 10B a day (a rate per day, converted to per
// second), 105TB, 105 terabytes, 95.5 TiB, 5 TB/day, 1.05e14, 116
// partitions. Letters after a count or rate are SI (10B is ten billion);
// after a size they are byte units.
func ParseNumber(text, kind string) (float64, error) {
	bad := func(problem string) (float64, error) {
		return 0, &NumberError{Text: strings.TrimSpace(text), Kind: kind, Problem: problem}
	}
	if _, ok := numberForms[kind]; !ok {
		return 0, fmt.Errorf("unknown kind of number %q", kind)
	}
	s := strings.ToLower(strings.TrimSpace(text))
	s = strings.TrimRight(s, "!?")
	for trimmed := true; trimmed; {
		trimmed = false
		for _, w := range approxWords {
			if rest, ok := strings.CutPrefix(s, w); ok && (rest == "" || !isAlnum(rest[0]) || !isAlnum(w[len(w)-1])) {
				s, trimmed = strings.TrimSpace(rest), true
			}
		}
	}
	m := numberRE.FindStringSubmatch(s)
	if m == nil {
		return bad("has no number at its start")
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(m[1], ",", "")+m[2], 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return bad("is not a number")
	}
	rest := s[len(m[0]):]
	if len(rest) > 1 && (rest[0] == ',' || rest[0] == '.') && rest[1] >= '0' && rest[1] <= '9' {
		return bad("is not one number (commas may only group thousands, in threes)")
	}
	rest = strings.TrimRight(strings.TrimSpace(rest), ".")
	toks := strings.Fields(strings.NewReplacer("/", " / ", "(", " ", ")", " ", ",", " ").Replace(rest))

	i := 0
	next := func() string {
		if i < len(toks) {
			return toks[i]
		}
		return ""
	}
	// A scale: million, or an SI letter for counts and rates.
	if f, ok := scaleWords[next()]; ok {
		v *= f
		i++
	} else if f, ok := scaleLetters[next()]; ok && kind != "bytes" {
		v *= f
		i++
	}
	if kind == "bytes" {
		t := next()
		f, ok := byteWords[t]
		if !ok {
			for p, pf := range bytePrefixes {
				if r, cut := strings.CutPrefix(t, p); cut {
					switch r {
					case "byte", "bytes":
						f, ok = pf, true
					case "bit", "bits":
						f, ok = pf/8, true
					}
				}
			}
		}
		if ok {
			v *= f
			i++
		} else if t != "" && !isFiller("bytes", t) && t != "/" && t != "per" && t != "a" {
			return bad("has an unknown unit")
		}
	}
	for ; i < len(toks); i++ {
		t := toks[i]
		switch {
		case isFiller(kind, t):
		case t == "/" || t == "per" || t == "a" || t == "an" || t == "each" || t == "every":
			if i+1 == len(toks) {
				return bad("ends before its time unit")
			}
			i++
			secs, ok := perUnit[toks[i]]
			if !ok {
				return bad("has an unknown time unit")
			}
			switch kind {
			case "rate":
				v /= secs
			case "bytes":
				if secs != 86400 {
					return bad("is not per day")
				}
			default:
				return bad("is a rate, not a count")
			}
		case kind == "bytes" && (t == "daily"):
		default:
			return bad("has words that are not a unit")
		}
	}
	return v, nil
}

func isFiller(kind, t string) bool {
	for _, w := range fillers[kind] {
		if t == w {
			return true
		}
	}
	return false
}
