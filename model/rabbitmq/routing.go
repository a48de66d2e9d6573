package rabbitmq

import "strings"

// Exchange types.
const (
	exDirect  = "direct"
	exFanout  = "fanout"
	exTopic   = "topic"
	exHeaders = "headers"
)

// exchange routes a message to the queues whose bindings match it.
type exchange struct {
	name      string
	typ       string
	alternate *exchange // receives what this exchange routes to no queue
	bindings  []binding
}

// binding binds a queue: by key (direct, topic) or headers (headers).
type binding struct {
	q       *queue
	key     string
	words   []string // the topic pattern split at dots
	headers map[string]string
	any     bool // x-match any (else all)
}

// topicMatch reports whether routing key rk matches the topic pattern
// (already split at dots): "*" is exactly one word, "#" zero or more.
// "a.b.*" does not match "a.b"; "a.b.#" does.
func topicMatch(pattern []string, rk string) bool {
	var words []string
	if rk != "" {
		words = strings.Split(rk, ".")
	}
	return matchWords(pattern, words)
}

func matchWords(p, w []string) bool {
	for len(p) > 0 {
		switch p[0] {
		case "#":
			// Zero or more words: try every split.
			for i := 0; i <= len(w); i++ {
				if matchWords(p[1:], w[i:]) {
					return true
				}
			}
			return false
		case "*":
			if len(w) == 0 {
				return false
			}
		default:
			if len(w) == 0 || w[0] != p[0] {
				return false
			}
		}
		p, w = p[1:], w[1:]
	}
	return len(w) == 0
}

// splitPattern splits a topic binding key; the empty key is no words.
func splitPattern(key string) []string {
	if key == "" {
		return nil
	}
	return strings.Split(key, ".")
}

// headersMatch is a headers exchange's test: every bound header present
// with its value (x-match all) or at least one (any).
func headersMatch(b *binding, h map[string]string) bool {
	hits := 0
	for k, v := range b.headers {
		if got, ok := h[k]; ok && got == v {
			hits++
		}
	}
	if b.any {
		return hits > 0
	}
	return hits == len(b.headers)
}

// route appends to dst the queues the exchange routes a message with
// routing key rk and headers h to, each queue once, following the
// alternate exchange when nothing matches. The default exchange (name "")
// binds every queue by its name.
func (e *exchange) route(dst []*queue, rk string, h map[string]string) []*queue {
	return e.routeDepth(dst, rk, h, 0)
}

// maxAlternates bounds a chain of alternate exchanges (a cycle ends).
const maxAlternates = 8

func (e *exchange) routeDepth(dst []*queue, rk string, h map[string]string, depth int) []*queue {
	n := len(dst)
	for i := range e.bindings {
		b := &e.bindings[i]
		var ok bool
		switch e.typ {
		case exFanout:
			ok = true
		case exDirect:
			ok = b.key == rk
		case exTopic:
			ok = topicMatch(b.words, rk)
		case exHeaders:
			ok = headersMatch(b, h)
		}
		if ok && !containsQueue(dst[n:], b.q) {
			dst = append(dst, b.q)
		}
	}
	if len(dst) == n && e.alternate != nil && depth < maxAlternates {
		return e.alternate.routeDepth(dst, rk, h, depth+1)
	}
	return dst
}

func containsQueue(qs []*queue, q *queue) bool {
	for _, x := range qs {
		if x == q {
			return true
		}
	}
	return false
}
