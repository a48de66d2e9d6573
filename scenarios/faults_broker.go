package scenarios

import "mqsim/scenarios/units"

// Broker, network and controller faults (the model's side is
// model/kafka/faults_broker.go and model/kafka/controller.go).
func init() {
	broker := func(doc string, params, required []string, needsDuration bool) FaultRule {
		return FaultRule{Doc: doc, Target: "broker", Params: params, Required: required, NeedsDuration: needsDuration}
	}
	for name, rule := range map[string]FaultRule{
		"broker-crash": broker("the broker process dies: in-flight requests are lost, the controller fences it after "+
			"broker_session_timeout and elects new leaders; new produce requests are refused at once; with lose_page_cache "+
			"the machine dies: unflushed log data is lost and nothing answers, so producers wait out request_timeout; with a duration it restarts, recovers, truncates and catches up", []string{"lose_page_cache"}, nil, false),
		"broker-shutdown": broker("controlled shutdown: the controller moves the broker's leaders away first, then "+
			"it stops cleanly; with a duration it restarts and catches up", nil, nil, false),
		"network-partition": broker("cut the broker off from the controller, its peers (all, or broker:N), the "+
			"clients, or any combination (from: [...]); heals after the duration", []string{"from"}, []string{"from"}, false),
		"network-degrade": broker("degrade the network between the broker and the controller, its peers (all, or "+
			"broker:N) or the clients (from: [...]), both ways: messages take slowdown times the latency and a share of "+
			"them is lost (a lost request makes its sender time out); heals after the duration", []string{"from", "slowdown", "share"}, []string{"from"}, false),
		"slow-disk": broker("the broker's disk runs slowdown times slower (write and read)", []string{"slowdown"}, []string{"slowdown"}, false),
		"slow-nic":  broker("the broker's network card runs slowdown times slower (in and out)", []string{"slowdown"}, []string{"slowdown"}, false),
		"slow-cpu":  broker("the broker's request handlers run slowdown times slower", []string{"slowdown"}, []string{"slowdown"}, false),
		"lost-response": broker("a share of the broker's produce responses is lost after the append (the connection "+
			"drops), so producers retry what was written", []string{"share"}, []string{"share"}, false),
		"controller-failover": {Doc: "the active controller fails (with count: N, N controller voters fail, the active one " +
			"first) for the duration: the remaining voters elect a new one after controller_quorum_election_timeout plus a " +
			"random backoff, and nothing is elected or fenced meanwhile; without a majority of voters alive nothing is " +
			"until one returns", Target: "cluster", Params: []string{"count"}, NeedsDuration: true},
	} {
		FaultTypes[name] = rule
	}
	Metrics = append(Metrics,
		MetricInfo{"unavailable_seconds", KindDuration, "partition-seconds without a live leader or with the ISR below min.insync.replicas, summed over partitions"},
		MetricInfo{"max_unavailable_seconds", KindDuration, "the longest any one partition spent unavailable in total"},
		MetricInfo{"leader_elections", KindCount, "leader elections by the controller, clean and unclean"},
		MetricInfo{"unclean_elections", KindCount, "leaders elected from outside the ISR (unclean.leader.election.enable)"},
		MetricInfo{"offline_partitions", KindCount, "partitions without a live leader at the end of the run"},
		MetricInfo{"diverged_partitions", KindCount, "partitions whose in-sync replicas hold different batches at the same offsets at the end"},
		MetricInfo{"truncated_records", KindCount, "records removed from replica logs by truncation or a lost page cache"},
		MetricInfo{"not_enough_replicas", KindCount, "produce batches refused with NOT_ENOUGH_REPLICAS"},
		MetricInfo{"not_enough_replicas_after_append", KindCount, "produce batches answered NOT_ENOUGH_REPLICAS_AFTER_APPEND"},
		MetricInfo{"invariant_violations", KindCount, "behaviours the configuration does not allow (a model bug; must be 0)"},
	)
}

// Truncation protocols (Cluster.Truncation).
const (
	TruncateLeaderEpoch   = "leader-epoch"
	TruncateHighWatermark = "high-watermark"
)

// Defaults for the controller (Cluster.BrokerSessionTimeout,
// BrokerHeartbeatInterval, ElectionCost): Kafka's broker.session.timeout.ms
// and broker.heartbeat.interval.ms.
const (
	DefaultBrokerSessionTimeout    = 9 * units.Second
	DefaultBrokerHeartbeatInterval = 2 * units.Second
	DefaultElectionCost            = 5 * units.Millisecond
)

// validateReplication checks the cluster's replication-protocol settings.
func (s *Scenario) validateReplication(v *validator) {
	c := &s.Cluster
	if c.Truncation != "" {
		v.oneOf("cluster.truncation", c.Truncation, TruncateLeaderEpoch, TruncateHighWatermark)
	}
	if c.BrokerSessionTimeout < 0 {
		v.add("cluster.broker_session_timeout", "must not be negative (Kafka's default is 9s)")
	}
	if c.BrokerHeartbeatInterval < 0 {
		v.add("cluster.broker_heartbeat_interval", "must not be negative (Kafka's default is 2s)")
	} else {
		hb, st := c.BrokerHeartbeatInterval, c.BrokerSessionTimeout
		if hb == 0 {
			hb = DefaultBrokerHeartbeatInterval
		}
		if st <= 0 {
			st = DefaultBrokerSessionTimeout
		}
		if hb >= st {
			v.add("cluster.broker_heartbeat_interval", "%v must be below broker_session_timeout %v (Kafka's defaults are 2s and 9s)", hb, st)
		}
	}
	if c.ElectionCost < 0 {
		v.add("cluster.election_cost", "must not be negative (about 5ms per metadata batch)")
	}
}
