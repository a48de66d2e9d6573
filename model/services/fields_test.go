package services_test

import (
	"encoding/json"
	"mqsim/model/fieldeffect"
	"reflect"
	"strings"
	"testing"

	"mqsim/model"
	_ "mqsim/model/systems"
	"mqsim/scenarios"
)

// Every setting of the services: section is implemented or refused: for
// each field (found by reflection, so a new one cannot be forgotten) a pair
// of runs — a base, and the same with one --set — give different service
// graph results, or the field is a reference (an unknown name is refused).

// svSmall is a three-service graph small enough for many pairs: a client
// at 200/s into api, which calls db synchronously (with retries and a
// breaker) and mail asynchronously; db fails half its calls for 5 s.
const svSmall = `name: small
system: services
seed: 1
duration: 20s
services:
  client: {rate: 200/s}
  graph:
    - name: api
      instances: 2
      threads: 20
      service_time: exp(2ms)
      calls:
        - {to: db, mode: sync, retries: 2, backoff: 20ms, retry_budget: {ratio: 50%}, breaker: {volume: 10}}
        - {to: mail, mode: async}
    - {name: db, threads: 10, queue: 50, service_time: exp(5ms)}
    - {name: mail, service_time: exp(20ms)}
  faults:
    - {type: errors, service: db, at: 5s, duration: 5s, share: 50%}
`

// svUsers is the same graph driven by 50 closed-loop users.
var svUsersText = strings.Replace(svSmall, "client: {rate: 200/s}", "client: {users: 50, think_time: exp(200ms)}", 1)

var (
	svS     = fieldeffect.Inline("small.yaml", svSmall)
	svU     = fieldeffect.Inline("small.yaml", svUsersText)
	svSlowF = fieldeffect.Inline("small.yaml", strings.Replace(svSmall, "{type: errors, service: db, at: 5s, duration: 5s, share: 50%}", "{type: slow, service: db, at: 5s, duration: 5s, slowdown: 10x}", 1))
	svCasc  = fieldeffect.On("sync-cascade")
	// svBrk: db fails 80% of calls for 5 s, so the default breaker (50%)
	// opens; svCrash: db's machine dies for 5 s.
	svBrk   = fieldeffect.Inline("small.yaml", strings.Replace(svSmall, "share: 50%}", "share: 80%}", 1))
	svCrash = fieldeffect.Inline("small.yaml", strings.Replace(svSmall, "{type: errors, service: db, at: 5s, duration: 5s, share: 50%}", "{type: crash, service: db, at: 5s, duration: 5s}", 1))
	// svRabbit: mail's queue is a RabbitMQ quorum queue.
	svRabbit = fieldeffect.Inline("small.yaml", strings.Replace(svSmall, "client: {rate: 200/s}", "client: {rate: 200/s}\n  via: {system: rabbitmq}", 1))
)

var svEffects = map[string]fieldeffect.Pair{
	"services.call":                                    svCasc.With("services.call=async"),
	"services.timeout":                                 svCasc.With("services.timeout=1s"),
	"services.network_latency":                         svS.With("services.network_latency=5ms"),
	"services.network_jitter":                          svS.With("services.network_jitter=200us"),
	"services.client.entry":                            svS.With("services.client.entry=db"),
	"services.client.rate":                             svS.With("services.client.rate=300/s"),
	"services.client.arrival":                          svS.With("services.client.arrival=constant"),
	"services.client.users":                            svU.With("services.client.users=80"),
	"services.client.think_time":                       svU.With("services.client.think_time=exp(50ms)"),
	"services.client.timeout":                          svSlowF.With("services.client.timeout=50ms"),
	"services.queue.request_latency":                   svS.With("services.queue.request_latency=50ms"),
	"services.queue.visibility_timeout":                svS.With("services.queue.visibility_timeout=10ms"),
	"services.queue.max_messages":                      svS.With("services.queue.max_messages=1"),
	"services.queue.max_receive_count":                 svS.With("services.graph.2.service_time=const(2s)"),
	"services.graph.parallel":                          svS.With("services.graph.0.parallel=true"),
	"services.graph.instances":                         svS.With("services.graph.1.instances=3"),
	"services.graph.threads":                           svS.With("services.graph.1.threads=2"),
	"services.graph.queue":                             svSlowF.With("services.graph.1.queue=5"),
	"services.graph.service_time":                      svS.With("services.graph.1.service_time=exp(8ms)"),
	"services.graph.calls.mode":                        svS.With("services.graph.0.calls.1.mode=sync"),
	"services.graph.calls.share":                       svS.With("services.graph.0.calls.0.share=50%"),
	"services.graph.calls.timeout":                     svSlowF.With("services.graph.0.calls.0.timeout=20ms"),
	"services.graph.calls.retries":                     svS.With("services.graph.0.calls.0.retries=0"),
	"services.graph.calls.backoff":                     svS.With("services.graph.0.calls.0.backoff=200ms"),
	"services.graph.calls.backoff_max":                 svS.With("services.graph.0.calls.0.backoff_max=21ms"),
	"services.graph.calls.jitter":                      svS.With("services.graph.0.calls.0.jitter=none"),
	"services.graph.calls.retry_budget.ratio":          svS.With("services.graph.0.calls.0.retry_budget.ratio=1%"),
	"services.graph.calls.retry_budget.min_per_second": svS.With("services.graph.0.calls.0.retry_budget.min_per_second=1"),
	"services.graph.calls.retry_budget.burst":          svS.With("services.graph.0.calls.0.retry_budget.burst=1000"),
	"services.graph.calls.breaker.window":              svBrk.With("services.graph.0.calls.0.breaker.window=1s"),
	"services.graph.calls.breaker.volume":              svBrk.With("services.graph.0.calls.0.breaker.volume=5000"),
	"services.graph.calls.breaker.threshold":           svBrk.With("services.graph.0.calls.0.breaker.threshold=90%"),
	"services.graph.calls.breaker.sleep":               svBrk.With("services.graph.0.calls.0.breaker.sleep=1s"),
	"services.graph.calls.breaker.probes":              svBrk.With("services.graph.0.calls.0.breaker.probes=5"),
	"services.graph.calls.fallback":                    svS.With("services.graph.0.calls.0.fallback=true"),
	"services.via.system":                              svS.With("services.via.system=rabbitmq"),
	"services.via.nodes":                               svRabbit.With("services.via.nodes=1"),
	"services.via.replicas":                            svRabbit.With("services.via.replicas=1"),
	"services.graph.calls.via.system":                  svS.With("services.graph.0.calls.1.via.system=rabbitmq"),
	"services.graph.calls.via.nodes":                   svRabbit.With("services.graph.0.calls.1.via.nodes=1"),
	"services.graph.calls.via.replicas":                svRabbit.With("services.graph.0.calls.1.via.replicas=2"),
	"services.faults.type":                             svCrash.With("services.faults.0.type=down"),
	"services.faults.at":                               svS.With("services.faults.0.at=8s"),
	"services.faults.duration":                         svS.With("services.faults.0.duration=2s"),
	"services.faults.share":                            svS.With("services.faults.0.share=10%"),
	"services.faults.slowdown":                         svSlowF.With("services.faults.0.slowdown=2x"),
}

var svDescriptive = map[string]string{
	"services.graph.name":     "a name calls, faults and the client refer to (an unknown one is refused)",
	"services.graph.calls.to": "a reference to a service (an undeclared one is refused)",
	"services.faults.service": "a reference to a service (an undeclared one is refused)",
	"services.faults.label":   "a label for plots' fault markers",
}

// svNotShown are settings the simulation uses that no service graph
// result shows, with why.
var svNotShown = map[string]string{
	"services.queue.receive_wait": "a long poll returns as soon as a message arrives, so the wait changes only the count of empty receives, which a service graph does not report",
}

// TestEveryServicesSettingHasAnEffect always checks every field is
// classified; the pairs of runs (compared on the services' results) run
// with MQSIM_FIELD_EFFECTS=1.
func TestEveryServicesSettingHasAnEffect(t *testing.T) {
	fieldeffect.Check(t, fieldeffect.Spec{
		Sections: map[string]reflect.Type{"services": reflect.TypeFor[scenarios.Services]()},
		Pairs:    svEffects,
		Aside:    fieldeffect.Union(svDescriptive, svNotShown),
		Run:      model.Run,
		Key: func(r *model.Results) (string, error) {
			b, err := json.Marshal(r.Services)
			return string(b), err
		},
	})
}
