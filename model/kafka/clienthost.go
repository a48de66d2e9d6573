package kafka

import (
	"fmt"
	"math/bits"

	"mqsim/model"
	"mqsim/model/commitlog"
	"mqsim/scenarios"
	"mqsim/sim"
)

// Client hosts: every producer and consumer instance runs on a host of its
// own (the scenario's client_profile and client_hardware), whose NIC and
// cores its work must pass through, so a client can be what binds:
//
//   - A produce request costs the host's CPU first — cpu_per_request, plus
//     cpu_per_record for each record (serialisation, partitioner,
//     batching), plus cpu_per_mb for each MB on the wire (copy, CRC-32C),
//     plus the codec's compression of the uncompressed bytes at its
//     measured MB/s per core (scenarios.Codecs) — on one of its cores;
//     then its bytes leave through the host's NIC.
//   - A fetch response comes in through the consumer host's NIC, then
//     costs its CPU: per request, per record, per MB and the codec's
//     decompression; only then does the member see the records.
//
// Answers to produce requests and fetch requests themselves are a few
// dozen bytes and cost the hosts nothing here.

// clientHost is one client instance's machine.
type clientHost struct {
	nicIn, nicOut, cpu *sim.RateServer
	perRequest         sim.Time
	perRecord          sim.Time
	perByte            float64 // ns per wire byte
	codecPerByte       float64 // ns per uncompressed byte, compressing or decompressing
}

// clientHosts maps client instances to their hosts, made on first use.
type clientHosts struct {
	prod map[*producer]*clientHost
	memb map[*member]*clientHost
}

func (w *world) newClientHost(name string, codec string, decompress bool) *clientHost {
	h := w.sc.ClientHardware
	c := &clientHost{perRequest: sim.Time(h.CPUPerRequest), perRecord: sim.Time(h.CPUPerRecord),
		perByte: float64(h.CPUPerMB) / 1e6}
	if cd, ok := scenarios.LookupCodec(codec); ok {
		mbs := cd.CompressMBs
		if decompress {
			mbs = cd.DecompressMBs
		}
		if mbs > 0 {
			c.codecPerByte = 1e9 / (mbs * 1e6)
		}
	}
	for _, r := range []struct {
		dst     **sim.RateServer
		what    string
		servers int
		rate    float64
	}{{&c.nicIn, "nic-in", 1, float64(h.NIC)}, {&c.nicOut, "nic-out", 1, float64(h.NIC)}, {&c.cpu, "cpu", max(h.Cores, 1), 1}} {
		rs, err := sim.NewRateServer(w.s, sim.RateServerConfig{Name: fmt.Sprintf("client/%s/%s", name, r.what), Servers: r.servers, Rate: r.rate})
		if err != nil {
			w.fail(err)
			rs, _ = sim.NewRateServer(w.s, sim.RateServerConfig{Name: "client/invalid", Servers: 1, Rate: 1})
		}
		*r.dst = rs
	}
	return c
}

// cost is the CPU time for a request or response of records carrying
// wire bytes (uncompressed: wire × ratio).
func (c *clientHost) cost(records int64, wire int64, ratio float64) sim.Time {
	return c.perRequest + sim.Time(records)*c.perRecord +
		sim.Time(float64(wire)*c.perByte+float64(wire)*ratio*c.codecPerByte)
}

func (w *world) producerHost(p *producer) *clientHost {
	h := w.hosts.prod[p]
	if h == nil {
		if w.hosts.prod == nil {
			w.hosts.prod = map[*producer]*clientHost{}
		}
		h = w.newClientHost(fmt.Sprintf("%s-%d", p.spec.Name, p.idx), p.spec.Compression, false)
		w.hosts.prod[p] = h
	}
	return h
}

func (w *world) memberHost(m *member) *clientHost {
	h := w.hosts.memb[m]
	if h == nil {
		if w.hosts.memb == nil {
			w.hosts.memb = map[*member]*clientHost{}
		}
		// The records' codec is their producer's: the first producer
		// writing the group's topic with one.
		codec := ""
		for _, sp := range w.sc.Producers {
			if sp.Topic == m.g.t.spec.Name && sp.Compression != "" && sp.Compression != "none" {
				codec = sp.Compression
				break
			}
		}
		h = w.newClientHost(fmt.Sprintf("%s-%d", m.g.spec.Name, m.idx), codec, true)
		w.hosts.memb[m] = h
	}
	return h
}

// prClientSend takes a produce request through its producer's host: CPU,
// then NIC out, then the network (prClientCPU, prClientNIC). The host's
// cores work in parallel, but a connection's requests leave in the order
// they were sent: the sender writes them to one socket, and TCP delivers
// them in that order (a short request serialised on another core does
// not overtake a long one).
func (w *world) prClientSend(req *produceReq) {
	p := req.c.p
	h := w.producerHost(p)
	var records int64
	for _, id := range req.batches {
		records += int64(p.batches[id].n)
	}
	req.cpuDone = false
	req.c.leaving = append(req.c.leaving, preqRef{id: req.id, use: req.use})
	w.useTime(h.cpu, h.cost(records, req.bytes, p.compression), w.fPrClientCPU, uint64(req.id))
}

// preqRef names one use of a produce request object (ids are reused).
type preqRef struct {
	id  uint32
	use uint64
}

// prClientCPU: the request's CPU work is done; it and the requests of
// its connection queued behind it go to the NIC, up to the first whose
// CPU work is not done yet.
func (w *world) prClientCPU(id uint64) {
	req := w.preqs[id]
	req.cpuDone = true
	c := req.c
	nic := w.producerHost(c.p).nicOut
	k := 0
	for ; k < len(c.leaving); k++ {
		r := c.leaving[k]
		q := w.preqs[r.id]
		if q.use != r.use {
			continue // freed meanwhile
		}
		if !q.cpuDone {
			break
		}
		w.use(nic, float64(64+q.bytes), w.fPrClientNIC, uint64(r.id))
	}
	c.leaving = append(c.leaving[:0], c.leaving[k:]...) // a few at most (max.in.flight)
}

func (w *world) prClientNIC(id uint64) {
	w.preqs[id].netAt = w.s.Now()
	w.net.Send(&w.preqs[id].c.up, w.fPrArrive, id)
}

// csClientIn takes a fetch response through its consumer's host: NIC in,
// then CPU, then the member (csClientNIC, csResp).
func (w *world) csClientIn(id uint64) {
	s := w.sessions[id]
	w.use(w.memberHost(s.m).nicIn, float64(64+s.bytes), w.fCsClientNIC, id)
}

func (w *world) csClientNIC(id uint64) {
	s := w.sessions[id]
	h := w.memberHost(s.m)
	var records int64
	for _, d := range s.data {
		it := commitlog.Batches(d)
		for it.Next() {
			b := it.Batch()
			records += b.LastOffset() - b.BaseOffset() + 1
		}
	}
	ratio := 1.0
	if h.codecPerByte > 0 {
		ratio = w.topicRatio(s.m.g.t)
	}
	w.useTime(h.cpu, h.cost(records, s.bytes, ratio), w.fCsResp, id)
}

// topicRatio is the compression ratio of the topic's first producer with
// a codec (the bytes a consumer decompresses per byte fetched).
func (w *world) topicRatio(t *topic) float64 {
	for _, sp := range w.sc.Producers {
		if sp.Topic == t.spec.Name && sp.Compression != "" && sp.Compression != "none" && sp.CompressionRatio > 0 {
			return float64(sp.CompressionRatio)
		}
	}
	return 1
}

// prCPU is a produce request's handler time at the leader: per request,
// per byte and per record (node.Machine.CPUCostRecords).
func (w *world) prCPU(r *produceReq) sim.Time {
	p := r.c.p
	var records int64
	for _, id := range r.batches {
		records += int64(p.batches[id].n)
	}
	return r.c.b.CPUCostRecords(records, r.bytes)
}

// busiest is the resource with the highest mean utilisation over the run,
// of every broker and client host, in a fixed order (ties go to the
// first): brokers, then producers, then consumers.
func (w *world) busiest() (string, float64) {
	name, util := "", 0.0
	consider := func(rs *sim.RateServer) {
		if u := rs.Stats().Utilisation; u > util {
			name, util = rs.Config().Name, u
		}
	}
	for _, b := range w.brokers {
		for _, rs := range b.Resources() {
			consider(rs)
		}
	}
	for _, p := range w.prods {
		if h := w.hosts.prod[p]; h != nil {
			consider(h.cpu)
			consider(h.nicOut)
		}
	}
	for _, g := range w.groups {
		for _, m := range g.all {
			if h := w.hosts.memb[m]; h != nil {
				consider(h.nicIn)
				consider(h.cpu)
			}
		}
	}
	return name, util
}

// With TLS (cluster.tls) a fetch response is encrypted in the broker
// rather than sent from the page cache by sendfile: its bytes cost the
// broker's per-byte CPU (cpu_per_mb) before they go out of the NIC. The
// encryption itself is not charged beyond that copy.
func (w *world) csTLS(id uint64) {
	if w.faulty && !w.ctl.sessionOK(w.sessions[id]) {
		return
	}
	s := w.sessions[id]
	w.useFlow(s.b.NICOut, flowConsumer|id, float64(64+s.bytes), w.fCsOut, id)
}

func (w *world) rfTLS(id uint64) {
	if w.faulty && !w.ctl.fetchOK(w.fetchers[id]) {
		return
	}
	f := w.fetchers[id]
	w.useFlow(f.src.NICOut, flowReplica|id, float64(64+f.bytes), w.fRFOut, id)
}

// batchSizes is the distribution of a producer's batches: records and
// bytes per batch sealed, for Results (not only the mean).
type batchSizes struct {
	records, bytes      *sim.Histogram
	recordPow, bytesPow [64]int64
}

// record notes one sealed batch of n records in size bytes.
func (s *batchSizes) record(n, size int64) {
	if s.records == nil {
		s.records, _ = sim.NewHistogram(1, 1<<40, 3)
		s.bytes, _ = sim.NewHistogram(1, 1<<40, 3)
	}
	s.records.Record(n)
	s.bytes.Record(size)
	s.recordPow[bits.Len64(uint64(max(n, 1)-1))]++
	s.bytesPow[bits.Len64(uint64(max(size, 1)-1))]++
}

// merge adds o's batches to s.
func (s *batchSizes) merge(o *batchSizes) {
	if o.records == nil {
		return
	}
	if s.records == nil {
		s.records, _ = sim.NewHistogram(1, 1<<40, 3)
		s.bytes, _ = sim.NewHistogram(1, 1<<40, 3)
	}
	s.records.Merge(o.records)
	s.bytes.Merge(o.bytes)
	for k := range s.recordPow {
		s.recordPow[k] += o.recordPow[k]
		s.bytesPow[k] += o.bytesPow[k]
	}
}

// results summarises s for a producer's Results.
func (s *batchSizes) results() (records, bytes model.SizeHistogram) {
	if s.records == nil {
		return
	}
	return model.SizeHistogramOf(s.records, &s.recordPow), model.SizeHistogramOf(s.bytes, &s.bytesPow)
}
