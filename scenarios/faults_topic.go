package scenarios

import "mqsim/scenarios/units"

// Topic faults: changes an operator makes to a topic while the run goes
// (the model's side is model/kafka/faults_topic.go).
func init() {
	FaultTypes["add-partitions"] = FaultRule{
		Doc: "count partitions are added to the topic (replicas placed like the others): producers hash keys " +
			"over the new count at once, groups notice at their next metadata refresh (metadata_max_age) and " +
			"rebalance, starting the new partitions by auto_offset_reset",
		Target: "topic", Params: []string{"count"}, Required: []string{"count"}}
}

// DefaultMetadataMaxAge is metadata.max.age.ms's default (5 minutes): a
// group whose MetadataMaxAge is 0 refreshes its metadata this often.
const DefaultMetadataMaxAge = 5 * units.Minute
