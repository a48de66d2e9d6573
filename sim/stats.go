package sim

// TimeAverage tracks a level that changes at discrete instants (a queue
// length, a number of busy servers) and gives its time-weighted mean and its
// maximum over a window that starts at the last Reset.
type TimeAverage struct {
	last  Time
	value float64
	area  float64 // ∫ value dt over [start, last], in value·ns
	max   float64
	start Time // read only by Mean
}

// Set changes the level to v at time now (now must not go backwards).
func (a *TimeAverage) Set(now Time, v float64) {
	a.area += a.value * float64(now-a.last)
	a.last = now
	a.value = v
	if v > a.max {
		a.max = v
	}
}

// Add changes the level by dv at time now.
func (a *TimeAverage) Add(now Time, dv float64) { a.Set(now, a.value+dv) }

// Value returns the current level.
func (a *TimeAverage) Value() float64 { return a.value }

// Max returns the largest level seen since the last Reset (the level at the
// Reset included).
func (a *TimeAverage) Max() float64 { return a.max }

// Mean returns the time-weighted mean level over [last Reset, now]; the
// current level if the window is empty.
func (a *TimeAverage) Mean(now Time) float64 {
	span := now - a.start
	if span <= 0 {
		return a.value
	}
	return (a.area + a.value*float64(now-a.last)) / float64(span)
}

// Reset starts a new window at now, keeping the current level.
func (a *TimeAverage) Reset(now Time) {
	a.start, a.last, a.area, a.max = now, now, 0, a.value
}

// ring is a growable FIFO buffer; it allocates only when it grows.
type ring[T any] struct {
	buf  []T
	head int
	n    int
}

func (r *ring[T]) len() int { return r.n }

func (r *ring[T]) push(v T) {
	if r.n == len(r.buf) {
		nb := make([]T, max(8, 2*len(r.buf)))
		k := copy(nb, r.buf[r.head:])
		copy(nb[k:], r.buf[:r.head])
		r.buf, r.head = nb, 0
	}
	i := r.head + r.n
	if i >= len(r.buf) {
		i -= len(r.buf)
	}
	r.buf[i] = v
	r.n++
}

func (r *ring[T]) front() *T { return &r.buf[r.head] }

func (r *ring[T]) pop() T {
	var zero T
	v := r.buf[r.head]
	r.buf[r.head] = zero
	r.head++
	if r.head == len(r.buf) {
		r.head = 0
	}
	r.n--
	return v
}
