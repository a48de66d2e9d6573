package pulsar

import (
	"fmt"

	"mqsim/model/net"
	"mqsim/model/node"
	"mqsim/sim"
)

// metaStore is a region's metadata store, a ZooKeeper-like quorum of
// pulsar.metadata_nodes machines on the network. A write goes from its
// client (a broker, or a bookie's replication worker) to the leader (the
// first live node), which appends it to its log and fsyncs it, and sends
// it to the followers; each appends, fsyncs and answers; once a majority
// has it on disk the leader answers the client. So a write costs a
// client round trip, a leader–follower round trip and an fsync on the
// substrate's disks. Ledger creation, cursor ledgers and bundle ownership
// go through it; without a live majority writes wait (retried every
// second), so no ledger is created and no bundle moves — and no broker's
// session expires, since nothing can decide it.
type metaStore struct {
	w     *world
	nodes []*metaNode
}

// metaNode is one metadata server.
type metaNode struct {
	*node.Machine
	id    int
	node  net.NodeID
	up    bool
	epoch int
	log   int32 // page-cache owner of its transaction log
	end   int64
}

// metadataWriteBytes is one metadata write's size (a ledger's or a
// bundle's znode): an estimate.
const metadataWriteBytes = 512

// metaRetry is how long a client waits for a write's answer before it
// sends it again.
const metaRetry = sim.Second

func (w *world) newMetaStore(reg *region, machine func(string) (*node.Machine, error)) error {
	ms := &metaStore{w: w}
	prefix := ""
	if reg.name != "" {
		prefix = reg.name + "/"
	}
	for i := range w.pc.MetadataNodes {
		name := fmt.Sprintf("%smetadata-%d", prefix, i)
		m, err := machine(name)
		if err != nil {
			return err
		}
		ms.nodes = append(ms.nodes, &metaNode{Machine: m, id: i, node: w.net.AddNode(name), up: true, log: m.Cache.NewOwner()})
	}
	reg.meta = ms
	return nil
}

// quorum: a majority of the nodes is up.
func (ms *metaStore) quorum() bool {
	up := 0
	for _, n := range ms.nodes {
		if n.up {
			up++
		}
	}
	return 2*up > len(ms.nodes)
}

// leader is the first live node (an election among the live ones).
func (ms *metaStore) leader() *metaNode {
	for _, n := range ms.nodes {
		if n.up {
			return n
		}
	}
	return nil
}

// write commits one metadata write for client and calls done once the
// client has the answer (at most once; retried until it has).
func (ms *metaStore) write(client net.NodeID, done func()) {
	w := ms.w
	answered := false
	var try func()
	try = func() {
		if answered {
			return
		}
		w.s.After(metaRetry, try) // no answer by then: send it again
		if !ms.quorum() {
			return
		}
		ld := ms.leader()
		life := ld.epoch
		w.net.Send(&net.Link{From: client, To: ld.node}, func(uint64) {
			if !ld.up || ld.epoch != life {
				return
			}
			acks := 0
			need := len(ms.nodes)/2 + 1
			commit := func() {
				acks++
				if acks != need {
					return
				}
				w.net.Send(&net.Link{From: ld.node, To: client}, func(uint64) {
					if !answered {
						answered = true
						w.res.MetadataWrites++
						done()
					}
				}, 0)
			}
			ld.append(commit)
			for _, f := range ms.nodes {
				if f == ld {
					continue
				}
				w.net.Send(&net.Link{From: ld.node, To: f.node}, func(uint64) {
					if !f.up {
						return
					}
					fl := f.epoch
					f.append(func() {
						if f.epoch != fl {
							return
						}
						w.net.Send(&net.Link{From: f.node, To: ld.node}, func(uint64) {
							if ld.up && ld.epoch == life {
								commit()
							}
						}, 0)
					})
				}, 0)
			}
		}, 0)
	}
	try()
}

// append writes to the node's transaction log and calls done once it is
// fsynced.
func (n *metaNode) append(done func()) {
	n.end += metadataWriteBytes
	n.Cache.Write(n.log, metadataWriteBytes, n.end)
	life := n.epoch
	n.Cache.Fsync(n.log, 0, func(uint64) {
		if n.epoch == life && n.up {
			done()
		}
	})
}

// crash stops a metadata node (its machine: what it had not fsynced is
// lost, and it was never acknowledged).
func (n *metaNode) crash(w *world) {
	n.up = false
	n.epoch++
	w.net.CrashMachine(n.node)
	n.Cache.LoseDirty()
}

func (n *metaNode) restart(w *world) {
	n.up = true
	n.epoch++
	w.net.Restart(n.node)
}
