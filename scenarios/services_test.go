package scenarios

import (
	"errors"
	"strings"
	"testing"
)

const servicesBase = `name: g
system: services
duration: 10s
services:
  client: {rate: 10/s}
  graph:
    - name: api
      service_time: exp(1ms)
      calls:
        - {to: db}
    - {name: db, service_time: exp(1ms)}
`

// Bad service graphs are refused with the file, the line and the field.
func TestServicesValidation(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		line           int
		field, msg     string
	}{
		{"undeclared service", "{to: db}", "{to: dbx}", 10, "services.graph[0].calls[0].to", `unknown service "dbx"`},
		{"breaker threshold over 100%", "{to: db}", "{to: db, breaker: {threshold: 150%}}", 10, "services.graph[0].calls[0].breaker.threshold", "at most 100%"},
		{"timeout of 0", "{to: db}", "{to: db, timeout: 0s}", 10, "services.graph[0].calls[0].timeout", "0s is not a value here"},
		{"negative timeout", "{to: db}", "{to: db, timeout: -1s}", 10, "services.graph[0].calls[0].timeout", ""},
		{"async with retries", "{to: db}", "{to: db, mode: async, retries: 2}", 10, "services.graph[0].calls[0].mode", "for synchronous calls"},
		{"unknown mode", "{to: db}", "{to: db, mode: later}", 10, "services.graph[0].calls[0].mode", `"later" is not one of sync, async`},
		{"calls itself", "{to: db}", "{to: api}", 10, "services.graph[0].calls[0].to", "calls itself"},
		{"share over 100%", "{to: db}", "{to: db, share: 120%}", 10, "services.graph[0].calls[0].share", "at most 100%"},
		{"via on a sync call", "{to: db}", "{to: db, via: {system: rabbitmq}}", 10, "services.graph[0].calls[0].via", "for asynchronous calls"},
		{"unknown via system", "{to: db}", "{to: db, mode: async, via: {system: mqtt}}", 10, "services.graph[0].calls[0].via.system", `"mqtt" is not one of sqs`},
		{"sqs with nodes", "{to: db}", "{to: db, mode: async, via: {system: sqs, nodes: 3}}", 10, "services.graph[0].calls[0].via", "no nodes or replicas"},
		{"replicas over nodes", "{to: db}", "{to: db, mode: async, via: {system: rabbitmq, nodes: 1, replicas: 3}}", 10, "services.graph[0].calls[0].via.replicas", "want 1 to nodes (1)"},
		{"one callee, two systems", "{to: db}", "{to: db, mode: async}\n        - {to: db, mode: async, via: {system: rabbitmq}}", 11, "services.graph[0].calls[1].via.system", "one service consumes from one system"},
		{"no client", "  client: {rate: 10/s}\n", "", 0, "services.client", "give rate"},
		{"unknown fault target", "    - {name: db, service_time: exp(1ms)}\n", "    - {name: db, service_time: exp(1ms)}\n  faults:\n    - {type: slow, service: cache, at: 1s, slowdown: 2x}\n", 13, "services.faults[0].service", `unknown service "cache"`},
		{"a topic under services", "services:\n", "topics: [{name: t, partitions: 1}]\nservices:\n", 0, "system", "no topics"},
		{"brokers under services", "services:\n", "cluster: {brokers: 5}\nservices:\n", 4, "cluster", "no brokers"},
		{"a broker fault", "services:\n", "faults: [{type: slow-disk, broker: 0, at: 1s, slowdown: 2x}]\nservices:\n", 4, "faults[0].type", "services.faults"},
		{"a fault on no service", "services:\n", "faults: [{type: broker-crash, broker: 0, at: 1s}]\nservices:\n", 4, "faults[0].service", "missing"},
		{"a cut from an unknown service", "services:\n", "faults: [{type: network-partition, service: db, from: [\"service:cache\"], at: 1s}]\nservices:\n", 4, "faults[0].from[0]", "service:NAME"},
		{"a degrade without effect", "services:\n", "faults: [{type: network-degrade, service: db, from: [clients], at: 1s}]\nservices:\n", 4, "faults[0].slowdown", "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := strings.Replace(servicesBase, tc.from, tc.to, 1)
			_, err := ParseScenario("g.yaml", []byte(y), nil)
			if err == nil {
				t.Fatalf("accepted:\n%s", y)
			}
			var found bool
			for _, e := range Errors(err) {
				var ie *InputError
				if errors.As(e, &ie) && ie.Field == tc.field && strings.Contains(ie.Msg, tc.msg) && ie.File == "g.yaml" {
					found = true
					if tc.line > 0 && ie.Line != tc.line {
						t.Errorf("%v: line %d, want %d", e, ie.Line, tc.line)
					}
				}
			}
			if !found {
				t.Errorf("error %v\nwant field %s with %q", err, tc.field, tc.msg)
			}
		})
	}
}

// A cycle of synchronous calls is allowed but warned about, naming the
// call that closes it; the same cycle through an asynchronous call is not
// a cycle of waiting threads.
func TestServicesSyncCycleWarned(t *testing.T) {
	y := strings.Replace(servicesBase, "    - {name: db, service_time: exp(1ms)}\n",
		"    - {name: db, service_time: exp(1ms), calls: [{to: api}]}\n", 1)
	ls, err := ParseScenario("g.yaml", []byte(y), nil)
	if err != nil {
		t.Fatalf("a sync cycle is allowed: %v", err)
	}
	ws := ls.Warnings()
	if len(ws) != 1 {
		t.Fatalf("warnings %v, want one", ws)
	}
	var ie *InputError
	if !errors.As(ws[0], &ie) || ie.Field != "services.graph[1].calls[0].to" || ie.Line != 11 || !strings.Contains(ie.Msg, "api → db → api") {
		t.Errorf("warning %v, want g.yaml:11 services.graph[1].calls[0].to naming api → db → api", ws[0])
	}
	y = strings.Replace(y, "calls: [{to: api}]", "calls: [{to: api, mode: async}]", 1)
	ls, err = ParseScenario("g.yaml", []byte(y), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ws := ls.Warnings(); len(ws) != 0 {
		t.Errorf("warnings %v for a cycle through an async call, want none", ws)
	}
}

// Defaults state their sources' values: Hystrix's 1 s and 10 threads,
// Tomcat's accept queue of 100, Hystrix's breaker, Finagle's budget.
func TestServicesDefaults(t *testing.T) {
	y := strings.Replace(servicesBase, "{to: db}", "{to: db, breaker: {}, retry_budget: {}}", 1)
	ls, err := ParseScenario("g.yaml", []byte(y), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := ls.Services
	api, call := c.Graph[0], c.Graph[0].Calls[0]
	if api.Threads != 10 || api.QueueLen() != 100 || api.Instances != 1 {
		t.Errorf("pool %d threads, queue %d, %d instances; want 10, 100, 1", api.Threads, api.QueueLen(), api.Instances)
	}
	if call.Mode != CallSync || call.Timeout.Seconds() != 1 || call.Share != 1 || call.Jitter != "full" {
		t.Errorf("call %+v; want sync, 1s, 100%%, full jitter", call)
	}
	b := call.Breaker
	if b.Window.Seconds() != 10 || b.Volume != 20 || b.Threshold != 0.5 || b.Sleep.Seconds() != 5 || b.Probes != 1 {
		t.Errorf("breaker %+v; want Hystrix's 10s, 20, 50%%, 5s, 1", b)
	}
	if r := call.RetryBudget; r.Ratio != 0.2 || r.MinPerSecond != 10 || r.Burst != 100 {
		t.Errorf("budget %+v; want Finagle's 20%% and 10/s (burst 100)", r)
	}
	if c.Client.Entry != "api" || c.Client.Arrival != "poisson" || c.Client.Timeout.Seconds() != 10 {
		t.Errorf("client %+v; want entry api, poisson, 10s", c.Client)
	}
	// An explicit queue of 0 means no queue, not the default.
	y = strings.Replace(servicesBase, "    - name: api\n", "    - name: api\n      queue: 0\n", 1)
	ls, err = ParseScenario("g.yaml", []byte(y), nil)
	if err != nil {
		t.Fatal(err)
	}
	if q := ls.Services.Graph[0].QueueLen(); q != 0 {
		t.Errorf("queue: 0 resolved to %d, want 0 (no queue)", q)
	}
}

// expect may name a service's own numbers as service.<name>.<key>.
func TestServicesExpect(t *testing.T) {
	ok := servicesBase + "expect:\n  service.db.late_goodput: \"> 5\"\n  availability: \"> 99%\"\n"
	if _, err := ParseScenario("g.yaml", []byte(ok), nil); err != nil {
		t.Errorf("valid expect refused: %v", err)
	}
	for _, bad := range []string{"service.cache.timeouts: \"0\"", "service.db.bogus: \"0\"", "service.db.utilisation: \"> 5ms\""} {
		_, err := ParseScenario("g.yaml", []byte(servicesBase+"expect:\n  "+bad+"\n"), nil)
		if err == nil || !strings.Contains(err.Error(), "g.yaml:13: expect.service.") {
			t.Errorf("%s: %v, want an error at g.yaml:13", bad, err)
		}
	}
}
