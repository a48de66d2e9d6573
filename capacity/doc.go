// Package capacity turns a Workload into a Plan: the back-of-envelope sizing
// of a Kafka-style cluster — messages per second, bytes per day, retained and
// replicated storage, partitions and brokers — as rows of (quantity, formula
// with the numbers substituted, value, why), the way a candidate says them
// aloud in a design interview.
//
// It is pure arithmetic with no I/O: Compute(w) is a function of w alone.
// Loading workloads from YAML lives in package scenarios.
//
// The rules, with their sources:
//
//   - volume: messages/day = users × events per user per day (or given
//     directly); average rate = messages/day ÷ 86,400 s; peak = average × peak
//     factor.
//   - bytes on disk per message = (message size + per-message overhead) ÷
//     compression ratio; retained = bytes/day × retention; replicated =
//     retained × replication factor.
//   - partitions ≥ max(peak ÷ per-partition throughput, peak ÷ per-consumer
//     throughput), then × headroom and rounded up; consumers per group =
//     partitions (a group cannot use more consumers than partitions).
//   - brokers = the largest of: storage (replicated ÷ (disk × fill target)),
//     disk throughput (peak bytes/s × RF ÷ disk write speed), network
//     ingress (peak bytes/s × RF ÷ usable NIC), network egress (peak bytes/s ×
//     (consumer groups + RF − 1) ÷ usable NIC), partition replicas
//     (partitions × RF ÷ replicas per broker), and RF itself. These are the
//     public sizing equations for Kafka clusters; the seed's table uses only
//     storage, and the defaults reproduce it exactly.
//
// Beside that exact arithmetic every plan carries a Recommendation: the
// same equations with operating margins (recommended_disk_fill 75%,
// recommended_headroom 2x, recommended_network_target 70%, each the stricter
// of the margin and the exact setting), the plan an operator signs.
//
// Nothing overflows silently. Validate checks every input against a sane
// range, and every conversion of a computed quantity to a count (partitions,
// brokers) goes through one checked function with a stated bound
// (MaxPartitions, MaxBrokers; byte counts within 64 bits). Past a bound the
// plan is refused with a *FieldError naming the input that caused it.
// Zero means "default" in a Workload, so loaders refuse a zero a file
// states explicitly (GivenZero) before applying Defaults.
package capacity
