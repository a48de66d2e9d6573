package sns

// A subscription's backlog (its group's lag) is what it holds for its
// group: copies on their way, waiting for a retry or queued at an HTTP
// endpoint (held), plus the messages in its SQS queue. max_lag is the
// largest value the backlog takes during the run, exactly, whatever the
// sample interval: held is a running count kept by copied and settle, the
// queue keeps its own (sqs.Queue.Stored), and the maximum is raised where
// either rises — a copy made (copied) and a copy landing in the queue
// (enqueue) — O(1) per change.

// backlog is what the subscription holds for its group now.
func (u *sub) backlog() int {
	n := u.held
	if u.q != nil {
		n += u.q.Stored()
	}
	return n
}

// copied makes a copy of message id for the subscription.
func (u *sub) copied(id msgID) {
	u.pending[id]++
	u.held++
	u.rose()
}

// settle ends one copy of message id: delivered into the queue, handled
// by the endpoint, or given up on.
func (u *sub) settle(id msgID) {
	if n := u.pending[id] - 1; n > 0 {
		u.pending[id] = n
	} else {
		delete(u.pending, id)
	}
	u.held--
}

// rose raises the maximum to the backlog after a change that may have
// raised it.
func (u *sub) rose() { u.maxStore = max(u.maxStore, u.backlog()) }
