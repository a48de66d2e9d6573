package scenarios

import (
	"fmt"

	"mqsim/scenarios/units"
)

// The KRaft controller quorum and the group coordinator's
// __consumer_offsets log: defaults and validation (the model's side is
// model/kraft.go and model/offsets.go).

// Kafka's defaults for the controller quorum, the offsets topic and a
// consumer's requests to its coordinator.
const (
	DefaultControllerQuorumVoters             = 3
	DefaultControllerQuorumElectionTimeout    = 1 * units.Second
	DefaultControllerQuorumElectionBackoffMax = 1 * units.Second
	DefaultOffsetsTopicReplicationFactor      = 3
	DefaultCoordinatorRequestTimeout          = 30 * units.Second
	// OffsetsTopicPartitions is offsets.topic.num.partitions (50): a
	// group's coordinator is the leader of partition
	// abs(hash(group)) % 50 of __consumer_offsets.
	OffsetsTopicPartitions = 50
)

// defaultsCoordination fills the quorum and offsets-topic settings; the
// offsets topic's replication factor is capped at the broker count (a
// one-broker cluster's offsets topic has one replica, as such clusters
// configure it).
func (c *Cluster) defaultsCoordination() {
	setInt(&c.ControllerQuorumVoters, DefaultControllerQuorumVoters)
	setDur(&c.ControllerQuorumElectionTimeout, DefaultControllerQuorumElectionTimeout)
	setDur(&c.ControllerQuorumElectionBackoffMax, DefaultControllerQuorumElectionBackoffMax)
	setInt(&c.OffsetsTopicReplicationFactor, min(DefaultOffsetsTopicReplicationFactor, max(c.Brokers, 1)))
}

// validateCoordination checks the quorum and offsets-topic settings.
func (s *Scenario) validateCoordination(v *validator) {
	c := &s.Cluster
	if c.ControllerQuorumVoters < 0 || c.ControllerQuorumVoters > 9 {
		v.add("cluster.controller_quorum_voters", "%d: want 1 to 9 voters (Kafka's usual 3 or 5; odd counts tolerate the most failures)", c.ControllerQuorumVoters)
	}
	if c.ControllerQuorumElectionTimeout < 0 {
		v.add("cluster.controller_quorum_election_timeout", "must not be negative (Kafka's default is 1s)")
	}
	if c.ControllerQuorumElectionBackoffMax < 0 {
		v.add("cluster.controller_quorum_election_backoff_max", "must not be negative (Kafka's default is 1s)")
	}
	if rf := c.OffsetsTopicReplicationFactor; rf < 0 || (c.Brokers >= 1 && rf > c.Brokers) {
		v.add("cluster.offsets_topic_replication_factor", "%d: want 1 to the %d brokers (replicas of a partition sit on different brokers)", rf, c.Brokers)
	}
	for i, f := range s.Faults {
		if f.Type == "controller-failover" && f.Count > c.ControllerQuorumVoters && c.ControllerQuorumVoters >= 1 {
			v.add(fmt.Sprintf("faults[%d].count", i), "%d: the quorum has only %d controller voters", f.Count, c.ControllerQuorumVoters)
		}
	}
	for i, g := range s.ConsumerGroups {
		if g.CoordinatorRequestTimeout < 0 {
			v.add(fmt.Sprintf("consumer_groups[%d].coordinator_request_timeout", i), "must not be negative (Kafka's request.timeout.ms is 30s)")
		}
	}
}

// DefaultConsumerRetryBackoff is a consumer's retry.backoff.ms (100ms):
// how long it waits before asking for its coordinator again or retrying
// a synchronous commit that failed.
const DefaultConsumerRetryBackoff = 100 * units.Millisecond
