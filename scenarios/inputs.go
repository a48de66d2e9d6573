package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
)

// InputDigest is the SHA-256, in hex, of the contents of every file the
// scenario reads besides its own text — each producer's rate trace
// (arrival: trace(...)) and message-size trace (message_size: trace(...)),
// in producer order — or "" when it reads none. The scenario's JSON names
// such a file but not what is in it, so a sweep's run identity (a hash of
// the JSON) adds this digest: editing a trace between planning a sweep
// and resuming it makes its lines new runs instead of reusing results
// computed from the old series.
func (s *Scenario) InputDigest() string {
	h := sha256.New()
	n := 0
	for _, p := range s.Producers {
		if a, err := ParseArrival(p.Arrival); err == nil && a.trace != nil {
			h.Write(a.trace.digest[:])
			n++
		}
		if t, ok := p.MessageSize.Dist.(*sizeTrace); ok {
			h.Write(t.digest[:])
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}
