package kafka

import (
	"errors"
	"fmt"

	"mqsim/model/commitlog"
)

// Storage errors met while the run reads a log (a batch that rotted on disk
// since it was written, or an I/O failure) are what Kafka makes of them: the
// broker's log directory goes offline. Each broker here has one log
// directory, and a broker whose only log directory is offline shuts down,
// so the broker stops as in a crash: its leaders move once the controller
// notices, and its followers leave the ISR. The failure is listed in the
// results; the run goes on.

// isStorageError reports whether a read error is the disk's, not the
// caller's.
func isStorageError(err error) bool {
	return errors.Is(err, commitlog.ErrStorage) || errors.Is(err, commitlog.ErrCorruptRecord)
}

// logDirFailed takes broker b's log directory offline after a storage error
// reading partition p at off. It reports false if the run failed.
func (w *world) logDirFailed(b *broker, p *partition, off int64, err error) bool {
	for _, f := range w.logDirFailures {
		if f.Broker == b.id {
			return true // already offline
		}
	}
	w.logDirFailures = append(w.logDirFailures, LogDirFailure{Broker: b.id, Topic: p.t.spec.Name, Partition: p.idx,
		Offset: off, AtSeconds: w.s.Now().Seconds(), Error: err.Error()})
	c := w.ctl
	if !w.faulty {
		// The broker-state checks of every request step start now.
		if ierr := c.install(); ierr != nil {
			w.fail(ierr)
			return false
		}
	}
	if cerr := c.crash(b.id, false); cerr != nil {
		w.fail(fmt.Errorf("log directory of broker %d offline: %w", b.id, cerr))
		return false
	}
	return true
}

// storageErrorAfterRun lists a storage error that a check after the run met
// reading broker b's replica of p at off: the run is over, so nothing moves,
// but the results say which log could not be read. It reports whether err
// is a storage error (anything else is the caller's to handle).
func (w *world) storageErrorAfterRun(b *broker, p *partition, off int64, err error) bool {
	if !isStorageError(err) {
		return false
	}
	for _, f := range w.logDirFailures {
		if f.Broker == b.id && f.Topic == p.t.spec.Name && f.Partition == p.idx && f.AfterRun {
			return true
		}
	}
	w.logDirFailures = append(w.logDirFailures, LogDirFailure{Broker: b.id, Topic: p.t.spec.Name, Partition: p.idx,
		Offset: off, AtSeconds: w.s.Now().Seconds(), Error: err.Error(), AfterRun: true})
	return true
}
