package kafka

import "mqsim/model"

// Kafka registers itself as the system model.Run dispatches to.
func init() { model.Register("kafka", Run) }

// The system-neutral types this system fills, under the short names its
// files have always used (they lived in package model before the system
// moved here).
type (
	Options         = model.Options
	Results         = model.Results
	Latency         = model.Latency
	GroupResult     = model.GroupResult
	ProducerResult  = model.ProducerResult
	BrokerResult    = model.BrokerResult
	Series          = model.Series
	Column          = model.Column
	Replication     = model.Replication
	PartitionResult = model.PartitionResult
	LogDirFailure   = model.LogDirFailure
	Recovery        = model.Recovery
	FaultEvent      = model.FaultEvent
)
