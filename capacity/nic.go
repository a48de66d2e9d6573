package capacity

import (
	"fmt"
	"math"

	"mqsim/scenarios/units"
)

// What a broker's NIC carries beyond the records.
//
// Every batch crosses a NIC inside a request or response: a produce
// request into the leader, a fetch response out to each consumer group and
// to each follower (into the follower). Each has its own header (request
// and response headers, the topic and partition block: a partition index,
// error code, high watermark, last stable and log start offsets, aborted
// transactions, the records' length). The simulator charges
// ResponseHeaderBytes for it, and a reader that keeps up fetches about one
// batch per response (its fetch returns as soon as a batch lands), so the
// header is paid once per batch per copy: WireBytes.
//
// And the bytes do not spread evenly over short times. Without keys a
// producer's partitioner fills one partition's batch and then picks
// another partition at random, so the batches a broker's partitions get in
// a second are a random share: with n batches per broker per second on
// average the count varies by about √n, and the busiest of B brokers is
// about √(2 ln B) standard deviations above the average (the largest of B
// independent normal draws). A NIC target is judged on what the busiest
// broker carries, so the recommended plan counts that share: NICImbalance.

// ResponseHeaderBytes is a produce request's or fetch response's bytes
// beyond its record batches, as the simulator charges them.
const ResponseHeaderBytes = 64

// RecordsPerBatch is the records in a batch as the plan takes it: half of
// batch.size (a sender takes a batch once a connection is free or linger
// passes), at least one.
func RecordsPerBatch(w Workload) float64 {
	rec, _ := recordAndHeaders(w)
	return max(1, math.Floor(ProducerBatchBytes/2/rec))
}

// WireBytes is a message on a broker's NIC: its stored bytes (RecordBytes)
// and its share of the header of the request or response that carries its
// batch. It returns the bytes and the formula.
func WireBytes(w Workload) (float64, string) {
	stored, _ := RecordBytes(w)
	per := RecordsPerBatch(w)
	return stored + ResponseHeaderBytes/per, fmt.Sprintf("%s stored + %d B request or response header / %s records per batch",
		units.FormatBytes(stored), ResponseHeaderBytes, fmtNum(per))
}

// NICImbalance is how much more than the average the busiest of brokers
// brokers sends or receives in one second at msgsPerSec: 1 + √(2 ln B) / √n,
// n the batches per broker per second. It returns the factor and the
// formula.
func NICImbalance(w Workload, msgsPerSec float64, brokers int) (float64, string) {
	if brokers <= 1 || msgsPerSec <= 0 {
		return 1, "1 (one broker)"
	}
	n := msgsPerSec / RecordsPerBatch(w) / float64(brokers)
	f := NICImbalanceFactor(w, msgsPerSec, brokers)
	return f, fmt.Sprintf("1 + √(2 ln %d) / √(%s batches per broker per second) = %s", brokers, fmtNum(n), fmtNum(f))
}

// NICImbalanceFactor is NICImbalance's factor without its formula, for
// searches that try many broker counts.
func NICImbalanceFactor(w Workload, msgsPerSec float64, brokers int) float64 {
	if brokers <= 1 || msgsPerSec <= 0 {
		return 1
	}
	n := msgsPerSec / RecordsPerBatch(w) / float64(brokers)
	return 1 + math.Sqrt(2*math.Log(float64(brokers)))/math.Sqrt(n)
}
