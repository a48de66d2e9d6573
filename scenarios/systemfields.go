package scenarios

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Settings of the shared sections (cluster, topics, producers, consumer
// groups) that only Kafka has. Under another system a file that sets one
// is refused, naming its file, line and field: the value would otherwise
// be dropped without a word. When the system comes from --set or --vary
// (comparing systems on one workload) they are listed instead, as not
// applied (Scenario.NotApplied, reports' NOT APPLIED).

// kafkaProducerOnly maps a producer field only Kafka's producer has to
// what a queue system does instead.
var kafkaProducerOnly = map[string]string{
	"acks":               "publishers wait for the broker's confirmation of each message",
	"batch_size":         "messages are sent one by one (SQS: sqs.send_batch)",
	"linger":             "messages are sent one by one (SQS: sqs.send_batch, sqs.batch_open)",
	"compression":        "no broker-side batch compression",
	"compression_ratio":  "no broker-side batch compression",
	"max_in_flight":      "a Kafka connection setting",
	"retries":            "a Kafka producer setting",
	"retry_backoff":      "a Kafka producer setting",
	"retry_backoff_max":  "a Kafka producer setting",
	"delivery_timeout":   "a Kafka producer setting",
	"request_timeout":    "a Kafka producer setting",
	"metadata_max_age":   "no partition leaders to look up",
	"buffer_memory":      "a Kafka producer's accumulator",
	"max_block":          "a Kafka producer's accumulator",
	"enable_idempotence": "no producer ids: duplicates are counted by the checker",
	"max_request_size":   "a Kafka producer setting (SQS: sqs.queues[].max_message_size)",
	"buffer_full":        "a Kafka producer's accumulator",
}

// kafkaGroupOnly maps a consumer-group field only Kafka's consumers have
// to what a queue system does instead.
var kafkaGroupOnly = map[string]string{
	"max_poll_records":            "the broker pushes up to the prefetch (RabbitMQ: rabbitmq.queues[].prefetch; SQS: sqs.max_messages)",
	"fetch_min_bytes":             "a Kafka fetch setting",
	"fetch_max_wait":              "a Kafka fetch setting (SQS: sqs.queues[].receive_wait)",
	"max_partition_fetch_bytes":   "a Kafka fetch setting",
	"fetch_max_bytes":             "a Kafka fetch setting",
	"commit":                      "consumers acknowledge or delete each message; there are no offsets to commit",
	"auto_commit_interval":        "consumers acknowledge or delete each message; there are no offsets to commit",
	"assignment":                  "consumers of a queue compete for each message",
	"isolation_level":             "no transactions",
	"auto_offset_reset":           "a queue has no offsets",
	"idempotent":                  "not modelled: duplicates are counted, not skipped",
	"session_timeout":             "a Kafka group membership setting",
	"heartbeat_interval":          "a Kafka group membership setting",
	"max_poll_interval":           "a Kafka group membership setting",
	"static_membership":           "a Kafka group membership setting",
	"initial_rebalance_delay":     "no group rebalances",
	"metadata_max_age":            "no partition leaders to look up",
	"coordinator_request_timeout": "no group coordinator",
	"type":                        "share groups are Kafka's; a queue's consumers already compete for messages",
	"share":                       "share groups are Kafka's; a queue's consumers already compete for messages",
	"autoscale":                   "not modelled for this system",
	"downstream":                  "not modelled for this system",
}

// foreignFields lists the settings the file (or --set) gives that the
// scenario's system does not have, sorted by field. Only fields set
// explicitly count; a scenario not read from a file has none.
func (s *Scenario) foreignFields(explicit map[string]bool) []notApplied {
	sys := s.SystemName()
	if sys != SystemRabbitMQ && sys != SystemSQS {
		return nil // other systems check their own (pulsar.go, services.go)
	}
	paths := make([]string, 0, len(explicit))
	for p := range explicit {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	seen := map[string]bool{}
	var out []notApplied
	add := func(field, value, why string) {
		if !seen[field] {
			seen[field] = true
			out = append(out, notApplied{field, value, why})
		}
	}
	for _, p := range paths {
		section, idx, key, ok := splitListPath(p)
		switch {
		case sys == SystemSQS && strings.HasPrefix(p, "cluster."):
			add("cluster", "{…}", "SQS is a managed service: no brokers to size")
		case !ok:
		case section == "producers" && idx < len(s.Producers):
			if why, kafka := kafkaProducerOnly[key]; kafka {
				add(fmt.Sprintf("producers[%d].%s", idx, key), s.valueAt(p), why)
			}
		case section == "consumer_groups" && idx < len(s.ConsumerGroups):
			if key == "type" && !s.ConsumerGroups[idx].IsShare() {
				continue // type: consumer is every queue's kind
			}
			if why, kafka := kafkaGroupOnly[key]; kafka {
				add(fmt.Sprintf("consumer_groups[%d].%s", idx, key), s.valueAt(fmt.Sprintf("consumer_groups[%d].%s", idx, key)), why)
			}
		case section == "topics" && idx < len(s.Topics) && sys == SystemRabbitMQ:
			t := s.Topics[idx]
			if key == "partitions" && t.Partitions > 1 {
				add(p, strconv.Itoa(t.Partitions), "a RabbitMQ queue is one ordered queue")
			}
			if key == "replication_factor" {
				add(p, strconv.Itoa(t.ReplicationFactor), "queues replicate by rabbitmq.queues[].quorum_size")
			}
		}
	}
	if sys == SystemSQS && s.comparing() {
		for i, t := range s.Topics {
			add(fmt.Sprintf("topics[%d]", i), t.Name, "run as a standard SQS queue of that name with SQS's defaults (partitions, replication and retention are Kafka's)")
		}
	}
	return out
}

// splitListPath splits "producers[2].acks" (or "consumer_groups[0].share.x")
// into its section, index and first key.
func splitListPath(p string) (section string, idx int, key string, ok bool) {
	open := strings.IndexByte(p, '[')
	shut := strings.IndexByte(p, ']')
	if open <= 0 || shut < open || shut+2 > len(p) || p[shut+1] != '.' {
		return "", 0, "", false
	}
	n, err := strconv.Atoi(p[open+1 : shut])
	if err != nil || n < 0 {
		return "", 0, "", false
	}
	key = p[shut+2:]
	if i := strings.IndexByte(key, '.'); i >= 0 {
		key = key[:i]
	}
	return p[:open], n, key, true
}

// valueAt shows the value at a field path for a message ("{…}" for a
// section).
func (s *Scenario) valueAt(path string) string {
	v, ok := valueAtPath(s, path)
	if !ok {
		return "{…}"
	}
	return v
}

// checkForeignFields refuses, under a system other than Kafka, the
// Kafka-only settings the file or --set gives — unless the scenario
// compares systems: then they are kept in NotAppliedFields for the
// reports. explicit holds the paths of the fields given.
func (s *Scenario) checkForeignFields(explicit map[string]bool) []error {
	fs := s.foreignFields(explicit)
	if s.comparing() {
		s.NotAppliedFields = nil
		for _, x := range fs {
			s.NotAppliedFields = append(s.NotAppliedFields, fmt.Sprintf("%s=%s (%s)", x.field, x.value, x.why))
		}
		return nil
	}
	var errs []error
	for _, x := range fs {
		if strings.HasSuffix(x.field, ".type") || strings.HasSuffix(x.field, ".share") {
			continue // validateShare names these
		}
		errs = append(errs, &FieldError{Field: x.field, Msg: fmt.Sprintf("a Kafka setting under system: %s (%s): remove it, or compare systems with --vary system=… (it is then listed as not applied)", s.SystemName(), x.why)})
	}
	return errs
}

func valueAtPath(s *Scenario, path string) (string, bool) {
	v, ok := valueAt(reflect.ValueOf(s).Elem(), path)
	if !ok {
		return "", false
	}
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() == reflect.Struct && !v.Type().Implements(stringerType) {
		return "", false
	}
	return showValue(v), true
}

var stringerType = reflect.TypeOf((*fmt.Stringer)(nil)).Elem()

// comparing reports whether the scenario compares systems: its system
// comes from --set or --vary, or the file lists the systems it holds
// sections for (compare:).
func (s *Scenario) comparing() bool {
	return s.systemSet || len(s.Compare) > 0
}

// validateCompare checks compare: known systems, its own among them, and
// no section for a system it does not list.
func (s *Scenario) validateCompare(v *validator) {
	if len(s.Compare) == 0 {
		return
	}
	seen := map[string]bool{}
	for i, name := range s.Compare {
		f := fmt.Sprintf("compare[%d]", i)
		switch {
		case !slices.Contains(SystemNames, name):
			v.add(f, "unknown system %q: want one of %s%s", name, strings.Join(SystemNames, ", "), DidYouMean(name, SystemNames))
		case seen[name]:
			v.add(f, "%s is listed twice", name)
		}
		seen[name] = true
	}
	if !s.systemSet && !seen[s.SystemName()] {
		v.add("compare", "does not list this scenario's own system %s", s.SystemName())
	}
	for _, x := range []struct {
		sys string
		set bool
	}{{SystemRabbitMQ, s.RabbitMQ != nil}, {SystemSQS, s.SQS != nil || s.Celery != nil}} {
		if x.set && !seen[x.sys] {
			v.add("compare", "the file has a %s section but compare does not list %s", x.sys, x.sys)
		}
	}
}
