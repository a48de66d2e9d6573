package reports

import (
	"bytes"
	"fmt"
	"strings"

	"mqsim/model"
	"mqsim/scenarios/units"
)

// writeKafkaGeo adds a Kafka run's regions and replicators, and its client
// quotas, when it has them.
func writeKafkaGeo(b *bytes.Buffer, res *model.Results, width int) {
	const hang = "             "
	g := &res.KafkaGeo
	if len(g.Regions) > 0 {
		var regs []string
		for _, r := range g.Regions {
			regs = append(regs, fmt.Sprintf("%s (%d brokers: %s)", r.Name, len(r.Brokers), strings.Join(r.Topics, ", ")))
		}
		writeWrapped(b, fmt.Sprintf("%s; replicated %s records, lag %.0f ms mean, %.0f ms max; %s acknowledged never replicated; "+
			"%d checkpoints, a failover to the last would process %s again",
			strings.Join(regs, ", "), units.FormatSI(float64(g.MirrorRecords)), g.MeanReplicationLag*1e3, res.MaxReplicationLag*1e3,
			units.FormatSI(float64(res.GeoUnreplicated)), g.MirrorCheckpoints, units.FormatSI(float64(g.FailoverReprocessed))), width, "Regions:     ", hang)
	}
	if g.QuotaThrottled > 0 {
		writeWrapped(b, fmt.Sprintf("%s responses throttled for %.1f s in all; %s records held behind muted connections",
			units.FormatSI(float64(g.QuotaThrottled)), g.QuotaThrottleTime, units.FormatSI(float64(res.PublishThrottled))), width, "Quotas:      ", hang)
	}
}

// kafkaGeoWhy explains the loss of a Kafka run across regions.
func kafkaGeoWhy(r *Run) (Why, bool) {
	res := r.Results
	if res == nil || len(res.KafkaGeo.Regions) == 0 {
		return Why{}, false
	}
	why := "every message the source region acknowledged reached the other regions' copies, and their groups processed it"
	switch rest := res.Lost - res.GeoUnreplicated; {
	case res.Lost > 0 && rest <= 0:
		why = "acknowledged in the source region and never replicated: the replicator had not yet sent them when the region went dark"
	case res.Lost > 0:
		why = fmt.Sprintf("%s acknowledged in the source region and never replicated (the replicator had not yet sent them when the region went dark); "+
			"%s acknowledged messages a group could no longer read", units.FormatSI(float64(res.GeoUnreplicated)), units.FormatSI(float64(rest)))
	}
	return Why{"lost", res.Lost, why}, true
}
