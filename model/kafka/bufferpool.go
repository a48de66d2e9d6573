package kafka

import (
	"math"

	"mqsim/scenarios/units"
	"mqsim/sim"
)

// The producer's memory bound when the offered rate is far beyond what the
// cluster takes (Kafka's buffer.memory with max.block.ms).
//
// A send() that finds buffer.memory full waits (backpressure.go) until
// completed batches free memory, or fails after max.block. At an offered
// rate of a billion messages a second, simulating each waiting send as an
// event and keeping each in a queue would exhaust the simulator's own
// memory long before the producer's. So once bulkAfter sends wait (or, with
// buffer_full: error, bulkAfter sends in a row were refused), the producer
// stops drawing arrivals one by one: the sends that arrive while it is
// blocked are counted per interval (exactly for small counts, by the
// normal approximation of the Poisson count for large ones) and kept as
// runs of evenly spread send times. A run's sends enter the accumulator
// one by one, in order, as memory frees (each then draws its size and key);
// those whose max.block has passed fail together. The arrival process
// resumes, one event per send, once nothing waits.

// bulkAfter is how many sends may wait (or be refused in a row) before
// arrivals are counted in runs rather than simulated one by one.
const bulkAfter = 1 << 16

// bulkArrivals is the blocked producer's arrivals, counted in runs.
type bulkArrivals struct {
	on     bool     // the arrival chain is stopped: arrivals are counted
	at     sim.Time // arrivals up to here are counted
	next   sim.Time // the first arrival after at
	streak int64    // sends refused in a row (buffer_full: error)
	endSet bool     // a count at the end of the producers' run is scheduled
	peak   int64    // the most bytes the accumulator ever held

	runs []arrivalRun
	head int

	// The head send of the runs, once drawn: its size and key.
	drawn     bool
	size, key int64
}

// arrivalRun is n sends spread evenly over (from, to]; the first taken have
// left (entered the accumulator or failed).
type arrivalRun struct {
	from, to sim.Time
	n, taken int64
}

// born is the send time of the run's k-th send.
func (r *arrivalRun) born(k int64) sim.Time {
	return r.from + sim.Time(float64(r.to-r.from)*float64(k+1)/float64(r.n))
}

// waiting reports whether counted sends still wait.
func (bk *bulkArrivals) waiting() bool { return bk.head < len(bk.runs) }

// afterAdmit is called after each send() offered one by one that did not
// enter the accumulator at once: it reports whether the arrival chain
// stops here, next being the arrival already drawn.
func (bp *backpressure) afterAdmit(now, next sim.Time) bool {
	bk := &bp.blk
	if bp.bucket != nil || bp.drop != nil {
		return false // throttled and dropped sends keep their own accounting
	}
	if bp.errMode {
		bk.streak++
		if bk.streak < bulkAfter {
			return false
		}
	} else if len(bp.waiting)-bp.head < bulkAfter {
		return false
	}
	bk.on, bk.at, bk.next, bk.streak = true, now, next, 0
	p := bp.p
	if !bk.endSet && now < p.w.end {
		// Count the last arrivals when the producers stop, even if no
		// memory frees after that.
		bk.endSet = true
		p.w.s.At(p.w.end, bp.process)
	}
	return true
}

// count adds the sends that arrived in (at, now] as runs of at most a
// millisecond each, so that a run's sends fail within a millisecond of
// their max.block.
func (bp *backpressure) count(now sim.Time) {
	bk := &bp.blk
	p := bp.p
	to := min(now, p.w.end)
	for bk.on && bk.at < to {
		from := bk.at
		upto := min(to, from+sim.Millisecond)
		n := bp.arrivalsUntil(upto)
		bk.at = upto
		if n == 0 {
			continue
		}
		p.produced += n
		// Short runs are merged into the last one while it spans less
		// than a millisecond.
		if last := len(bk.runs) - 1; last >= bk.head && bk.runs[last].taken == 0 && upto-bk.runs[last].from <= sim.Millisecond {
			bk.runs[last].to = upto
			bk.runs[last].n += n
			continue
		}
		bk.runs = append(bk.runs, arrivalRun{from: from, to: upto, n: n})
	}
}

// arrivalsUntil counts the arrivals in (bk.at, to] and advances bk.next.
func (bp *backpressure) arrivalsUntil(to sim.Time) int64 {
	bk := &bp.blk
	g := &bp.p.arr
	if bk.next > to {
		return 0
	}
	if g.A.Kind == "constant" {
		step := max(sim.Seconds(1/g.Rate), 1)
		n := int64((to-bk.next)/step) + 1
		bk.next += sim.Time(n) * step
		return n
	}
	mean := bp.expected(bk.at, to)
	if mean < 256 {
		var n int64
		for bk.next <= to {
			n++
			bk.next = g.Next(bk.next)
		}
		return n
	}
	// The Poisson count by its normal approximation; the process is
	// memoryless, so the next arrival is drawn afresh after to.
	n := int64(math.Round(mean + math.Sqrt(mean)*g.Rng.NormFloat64()))
	bk.next = g.Next(to)
	return max(n, 0)
}

// expected is the mean number of arrivals in (from, to].
func (bp *backpressure) expected(from, to sim.Time) float64 {
	g := &bp.p.arr
	d := (to - from).Seconds()
	switch g.A.Kind {
	case "bursts":
		on, cycle := sim.Time(g.A.On), sim.Time(g.A.On+g.A.Off)
		onT := func(t sim.Time) sim.Time { return (t/cycle)*on + min(t%cycle, on) }
		return g.Rate * float64(cycle) / float64(on) * (onT(to) - onT(from)).Seconds()
	case "daily":
		return g.Rate * d * g.A.RateFactor(units.Duration(from+(to-from)/2))
	}
	return g.Rate * d
}

// processBulk lets counted sends in, in order, while memory allows, and
// fails those whose max.block has passed. With buffer_full: error, the
// sends of a run that arrived while the buffer was full are refused
// together: memory only frees at the events that call this.
func (bp *backpressure) processBulk(now sim.Time) {
	bk := &bp.blk
	p := bp.p
	full := false
	for bk.waiting() {
		r := &bk.runs[bk.head]
		if r.taken == r.n {
			bk.head++
			bk.drawn = false
			continue
		}
		if !bp.errMode {
			// Every send of the run born max.block or more ago fails.
			cut := now - bp.maxBlock
			if k := timedOut(r, cut); k > 0 {
				bp.rejected += k
				p.failed += k
				bp.block += sim.Time(k) * bp.maxBlock
				r.taken += k
				bk.drawn = false
				continue
			}
		}
		if !bk.drawn {
			bk.size = max(int64(p.size.Sample(p.rng)), 0)
			bk.key = p.keys.Next()
			bk.drawn = true
			if p.tooLarge(bk.size, bk.key) {
				r.taken++
				bk.drawn = false
				continue
			}
		}
		born := r.born(r.taken)
		if p.bufUsed+p.recordBytes(bk.size, bk.key) > p.bufMax {
			if bp.errMode {
				k := r.n - r.taken
				bp.rejected += k
				p.failed += k
				r.taken = r.n
				bk.drawn, full = false, true
				continue
			}
			// Checked again when memory frees, or when the whole run has
			// waited max.block (runs span at most a millisecond), not at
			// each send's own deadline: one event per run, not per send.
			bp.schedule(r.to + bp.maxBlock)
			break
		}
		r.taken++
		bk.drawn = false
		if !bp.errMode {
			bp.block += now - born
		}
		p.put(born, bk.size, bk.key)
	}
	if !bk.waiting() {
		bk.runs, bk.head = bk.runs[:0], 0
		if bk.on && bp.head == len(bp.waiting) && !full {
			// Nothing waits: arrivals are simulated one by one again.
			bk.on = false
			if bk.next < p.w.end {
				p.w.s.AtCallRecurring(bk.next, p.fArrive, 0)
			}
		}
	} else if bk.head > 1024 && bk.head*2 > len(bk.runs) {
		bk.runs = append(bk.runs[:0], bk.runs[bk.head:]...)
		bk.head = 0
	}
}

// timedOut is how many of the run's sends not yet taken were born at or
// before cut.
func timedOut(r *arrivalRun, cut sim.Time) int64 {
	if cut < r.from {
		return 0
	}
	// born(k) <= cut  ⇔  k+1 <= (cut-from)·n/(to-from)
	k := r.n
	if cut < r.to {
		k = int64(float64(cut-r.from) * float64(r.n) / float64(r.to-r.from))
		for k < r.n && r.born(k) <= cut {
			k++
		}
		for k > 0 && r.born(k-1) > cut {
			k--
		}
	}
	return max(k-r.taken, 0)
}
