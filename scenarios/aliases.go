package scenarios

import (
	"reflect"
	"sort"
	"strings"
)

// Kafka's own configuration property names are accepted as aliases of the
// scenario's fields where the meaning is the same, so a setting copied from
// a client or broker config works as written: `linger.ms: 5` is `linger: 5ms`,
// `batch.size: 16384` is `batch_size: 16384`. A property whose name ends in
// .ms takes a whole number of milliseconds, as Kafka's does. Properties whose
// values Kafka spells differently (partition.assignment.strategy takes class
// names, enable.auto.commit is a boolean where the scenario has a commit
// mode) are not aliases.

type alias struct {
	field  string // the scenario's field name
	millis bool   // the Kafka value is a number of milliseconds
}

// kafkaAliases maps each struct type to its Kafka property names.
var kafkaAliases = map[reflect.Type]map[string]alias{
	reflect.TypeFor[Producer](): {
		"acks":                                  {field: "acks"},
		"batch.size":                            {field: "batch_size"},
		"linger.ms":                             {field: "linger", millis: true},
		"compression.type":                      {field: "compression"},
		"max.in.flight.requests.per.connection": {field: "max_in_flight"},
		"retries":                               {field: "retries"},
		"retry.backoff.ms":                      {field: "retry_backoff", millis: true},
		"retry.backoff.max.ms":                  {field: "retry_backoff_max", millis: true},
		"delivery.timeout.ms":                   {field: "delivery_timeout", millis: true},
		"request.timeout.ms":                    {field: "request_timeout", millis: true},
		"metadata.max.age.ms":                   {field: "metadata_max_age", millis: true},
		"buffer.memory":                         {field: "buffer_memory"},
		"max.block.ms":                          {field: "max_block", millis: true},
		"enable.idempotence":                    {field: "enable_idempotence"},
	},
	reflect.TypeFor[ConsumerGroup](): {
		"group.id":                         {field: "name"},
		"max.poll.records":                 {field: "max_poll_records"},
		"fetch.min.bytes":                  {field: "fetch_min_bytes"},
		"fetch.max.wait.ms":                {field: "fetch_max_wait", millis: true},
		"max.partition.fetch.bytes":        {field: "max_partition_fetch_bytes"},
		"fetch.max.bytes":                  {field: "fetch_max_bytes"},
		"auto.commit.interval.ms":          {field: "auto_commit_interval", millis: true},
		"isolation.level":                  {field: "isolation_level"},
		"auto.offset.reset":                {field: "auto_offset_reset"},
		"session.timeout.ms":               {field: "session_timeout", millis: true},
		"heartbeat.interval.ms":            {field: "heartbeat_interval", millis: true},
		"max.poll.interval.ms":             {field: "max_poll_interval", millis: true},
		"group.initial.rebalance.delay.ms": {field: "initial_rebalance_delay", millis: true},
		"metadata.max.age.ms":              {field: "metadata_max_age", millis: true},
		"request.timeout.ms":               {field: "coordinator_request_timeout", millis: true},
	},
	reflect.TypeFor[Cluster](): {
		"replica.lag.time.max.ms":                   {field: "replica_lag_time_max", millis: true},
		"replica.fetch.wait.max.ms":                 {field: "replica_fetch_wait_max", millis: true},
		"replica.fetch.min.bytes":                   {field: "replica_fetch_min_bytes"},
		"replica.fetch.max.bytes":                   {field: "replica_fetch_max_bytes"},
		"num.replica.fetchers":                      {field: "num_replica_fetchers"},
		"min.insync.replicas":                       {field: "min_insync_replicas"},
		"unclean.leader.election.enable":            {field: "unclean_leader_election"},
		"log.retention.check.interval.ms":           {field: "retention_check_interval", millis: true},
		"broker.session.timeout.ms":                 {field: "broker_session_timeout", millis: true},
		"broker.heartbeat.interval.ms":              {field: "broker_heartbeat_interval", millis: true},
		"offsets.topic.replication.factor":          {field: "offsets_topic_replication_factor"},
		"controller.quorum.election.timeout.ms":     {field: "controller_quorum_election_timeout", millis: true},
		"controller.quorum.election.backoff.max.ms": {field: "controller_quorum_election_backoff_max", millis: true},
	},
	reflect.TypeFor[Topic](): {
		"replication.factor":  {field: "replication_factor"},
		"min.insync.replicas": {field: "min_insync_replicas"},
		"retention.ms":        {field: "retention", millis: true},
		"retention.bytes":     {field: "retention_bytes"},
		"segment.bytes":       {field: "segment_bytes"},
	},
}

// lookupAlias finds a Kafka property name among t's aliases. Only names with
// a dot are aliases (a bare name is the schema's own), and only those whose
// field t has (the schema may drop one).
func lookupAlias(t reflect.Type, name string) (alias, bool) {
	if !strings.Contains(name, ".") {
		return alias{}, false
	}
	a, ok := kafkaAliases[derefType(t)][name]
	if !ok {
		return alias{}, false
	}
	if _, has := structField(derefType(t), a.field); !has {
		return alias{}, false
	}
	return a, true
}

// aliasNames lists t's Kafka property names, sorted.
func aliasNames(t reflect.Type) []string {
	var names []string
	for n := range kafkaAliases[derefType(t)] {
		if _, ok := lookupAlias(t, n); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// KafkaAlias is one accepted Kafka property name, for documentation.
type KafkaAlias struct {
	Section, Property, Field string
	Millis                   bool
}

// KafkaAliases lists every accepted Kafka property name by section.
func KafkaAliases() []KafkaAlias {
	sections := []struct {
		name string
		t    reflect.Type
	}{
		{"cluster", reflect.TypeFor[Cluster]()},
		{"topics[]", reflect.TypeFor[Topic]()},
		{"producers[]", reflect.TypeFor[Producer]()},
		{"consumer_groups[]", reflect.TypeFor[ConsumerGroup]()},
	}
	var out []KafkaAlias
	for _, s := range sections {
		for _, n := range aliasNames(s.t) {
			a := kafkaAliases[s.t][n]
			if a.field == n {
				continue
			}
			out = append(out, KafkaAlias{Section: s.name, Property: n, Field: a.field, Millis: a.millis})
		}
	}
	return out
}
