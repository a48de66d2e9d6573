package kafka

import "fmt"

// offsetKey is partition p's key in __consumer_offsets ("group/topic/p"),
// formatted once: a commit writes one record per owned partition, so the
// key is on the commit's per-partition path.
func (g *group) offsetKey(p int) []byte {
	if g.offsetKeys == nil {
		g.offsetKeys = make([][]byte, len(g.t.parts))
	}
	for len(g.offsetKeys) <= p { // partitions added while running
		g.offsetKeys = append(g.offsetKeys, nil)
	}
	if g.offsetKeys[p] == nil {
		g.offsetKeys[p] = fmt.Appendf(nil, "%s/%s/%d", g.spec.Name, g.t.spec.Name, p)
	}
	return g.offsetKeys[p]
}
