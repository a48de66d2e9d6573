package scenarios

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseProperties(t *testing.T) {
	// Each expectation follows the properties file format: comments with #
	// and !, the three separators, escapes, and continuation lines whose
	// leading blanks are dropped.
	text := "# a comment\n" +
		"  ! another\n" +
		"\n" +
		"acks=all\n" +
		"linger.ms : 5\n" +
		"batch.size 16384\n" +
		"key\\=with\\:seps = v\\tx\\u0041\n" +
		"bootstrap.servers=a:9092,\\\n" +
		"    b:9092\n" +
		"path=c:\\\\dir\\\\\n" +
		"empty=\n"
	got, err := ParseProperties("p", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	want := []Property{
		{"acks", "all", 4},
		{"linger.ms", "5", 5},
		{"batch.size", "16384", 6},
		{"key=with:seps", "v\txA", 7},
		{"bootstrap.servers", "a:9092,b:9092", 8},
		{"path", `c:\dir\`, 10},
		{"empty", "", 11},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseProperties =\n%+v\nwant\n%+v", got, want)
	}
}

func TestParsePropertiesErrors(t *testing.T) {
	for _, tc := range []struct {
		text string
		line int
		want string
	}{
		{"a=1\n\nlonely\n", 3, "no value"},
		{"a=1\nb=\\u00zz\n", 2, `\u`},
		{"a=1\n# c\na=2\n", 3, "given twice (first on line 1)"},
		{"=5\n", 1, "no key"},
		{"a=1\n\xff=2\n", 2, "UTF-8"},
	} {
		_, err := ParseProperties("f.properties", []byte(tc.text))
		var ie *InputError
		if !errors.As(err, &ie) || ie.Line != tc.line || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseProperties(%q) = %v; want an error on line %d mentioning %q", tc.text, err, tc.line, tc.want)
		}
	}
}

func TestKafkaSets(t *testing.T) {
	for _, tc := range []struct {
		role, key, value string
		want             string // the --set entry, or "" when ignored
	}{
		{RoleProducer, "acks", "-1", "producers.*.acks=all"},
		{RoleProducer, "linger.ms", "10", "producers.*.linger=10ms"},
		{RoleProducer, "batch.size", "65536", "producers.*.batch_size=65536B"},
		{RoleProducer, "max.in.flight.requests.per.connection", "1", "producers.*.max_in_flight=1"},
		{RoleProducer, "enable.idempotence", "FALSE", "producers.*.enable_idempotence=false"},
		{RoleProducer, "bootstrap.servers", "x:9092", ""},
		{RoleProducer, "ssl.truststore.location", "/x", ""},
		{RoleConsumer, "enable.auto.commit", "true", "consumer_groups.*.commit=auto"},
		{RoleConsumer, "partition.assignment.strategy", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor", "consumer_groups.*.assignment=cooperative-sticky"},
		{RoleConsumer, "fetch.min.bytes", "1", "consumer_groups.*.fetch_min_bytes=1B"},
		{RoleConsumer, "group.instance.id", "c-1", "consumer_groups.*.static_membership=true"},
		{RoleBroker, "replica.lag.time.max.ms", "30000", "cluster.replica_lag_time_max=30000ms"},
		{RoleBroker, "log.retention.hours", "168", "topics.*.retention=168h"},
		{RoleBroker, "log.retention.bytes", "-1", "topics.*.retention_bytes=0"},
		{RoleBroker, "unclean.leader.election.enable", "true", "cluster.unclean_leader_election=true"},
		{RoleTopic, "min.insync.replicas", "2", "topics.*.min_insync_replicas=2"},
	} {
		got, err := KafkaSets("f", tc.role, []Property{{Key: tc.key, Value: tc.value, Line: 1}})
		if err != nil {
			t.Errorf("%s %s=%s: %v", tc.role, tc.key, tc.value, err)
			continue
		}
		if got[0].Set != tc.want || (tc.want == "") != (got[0].Ignored != "") {
			t.Errorf("%s %s=%s = %+v; want set %q", tc.role, tc.key, tc.value, got[0], tc.want)
		}
	}
}

func TestKafkaSetsErrors(t *testing.T) {
	for _, tc := range []struct {
		role, key, value, want string
	}{
		{RoleProducer, "linger.ms", "1s", "milliseconds"},
		{RoleProducer, "acks", "2", "want all, -1, 0 or 1"},
		{RoleProducer, "linger.msec", "1", "linger.ms"}, // did you mean
		{RoleConsumer, "partition.assignment.strategy", "org.apache.kafka.clients.consumer.StickyAssignor", "modelled"},
		{RoleBroker, "num.io.threads", "8", "not a broker setting mqsim models"},
		{RoleTopic, "retention.ms", "-1", "not modelled"},
	} {
		_, err := KafkaSets("f.properties", tc.role, []Property{{Key: tc.key, Value: tc.value, Line: 7}})
		var ie *InputError
		if !errors.As(err, &ie) || ie.Line != 7 || ie.Field != tc.key || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s=%s: %v; want an error on line 7 naming %s and mentioning %q", tc.role, tc.key, tc.value, err, tc.key, tc.want)
		}
	}
}

// A scenario with the three configuration files applied: a broker-wide
// setting, a producer one and a consumer one land on their fields, and a
// group setting on a scenario without groups is left out.
func TestLoadScenarioKafka(t *testing.T) {
	var kafka []KafkaSetting
	for _, c := range []struct{ role, key, value string }{
		{RoleBroker, "min.insync.replicas", "2"},
		{RoleProducer, "linger.ms", "7"},
		{RoleConsumer, "max.poll.records", "42"},
	} {
		ks, err := KafkaSets("f", c.role, []Property{{Key: c.key, Value: c.value, Line: 1}})
		if err != nil {
			t.Fatal(err)
		}
		kafka = append(kafka, ks...)
	}
	ls, err := LoadScenarioKafka("baseline", kafka, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ls.Cluster.MinInsyncReplicas != 2 || ls.Producers[0].LingerTime() != 7e6 || ls.ConsumerGroups[0].MaxPollRecords != 42 {
		t.Errorf("min ISR %d, linger %v, max poll records %d; want 2, 7ms, 42",
			ls.Cluster.MinInsyncReplicas, ls.Producers[0].LingerTime(), ls.ConsumerGroups[0].MaxPollRecords)
	}
	// --set wins over the files.
	ls, err = LoadScenarioKafka("baseline", kafka, []string{"producers.*.linger=3ms"})
	if err != nil {
		t.Fatal(err)
	}
	if ls.Producers[0].LingerTime() != 3e6 {
		t.Errorf("linger %v; want 3ms from --set", ls.Producers[0].LingerTime())
	}
}

func FuzzParseProperties(f *testing.F) {
	f.Add("a=1\nb : 2\\\n  3\n# c\nd\\u0041=\\t\n")
	f.Fuzz(func(t *testing.T, s string) {
		props, err := ParseProperties("fuzz", []byte(s))
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.Line < 1 {
				t.Fatalf("error %v is not an *InputError with a line", err)
			}
			return
		}
		for _, p := range props {
			if p.Line < 1 || p.Key == "" {
				t.Fatalf("property %+v", p)
			}
		}
	})
}
