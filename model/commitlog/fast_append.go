package commitlog

// HasProducer reports whether the log holds state for producer pid: what
// ProducerState's ok reports, without copying the entry (a leader asks this
// for every idempotent batch it is sent).
func (l *Log) HasProducer(pid int64) bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	_, ok := l.producers[pid]
	return ok
}
