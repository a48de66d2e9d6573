package scenarios

import (
	"encoding/json"
	"reflect"
	"testing"
)

// Every built-in scenario survives the JSON round trip a saved run makes:
// the decoded scenario equals the resolved one field for field.
func TestResolvedJSONRoundTrip(t *testing.T) {
	for _, name := range Scenarios() {
		ls, err := LoadScenario(name, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		data, err := json.Marshal(ls.Scenario)
		if err != nil {
			t.Fatalf("%s: marshal: %v", name, err)
		}
		back, err := ParseResolved("results.json", data)
		if err != nil {
			t.Fatalf("%s: ParseResolved: %v\n%s", name, err, data)
		}
		if !reflect.DeepEqual(back.Scenario, ls.Scenario) {
			t.Errorf("%s: round trip differs:\n got %+v\nwant %+v", name, back.Scenario, ls.Scenario)
		}
	}
}

func TestParseResolvedRejects(t *testing.T) {
	for _, bad := range []string{
		`{"name": "x", "bogus": 1}`,                                         // unknown field
		`{"name": "x", "duration": -1}`,                                     // negative duration
		`{"name": "x", "producers": [{"message_size": "lognormal(oops)"}]}`, // bad distribution
		`[1, 2]`, // not an object
	} {
		if _, err := ParseResolved("r.json", []byte(bad)); err == nil {
			t.Errorf("ParseResolved(%s) = nil error, want one", bad)
		}
	}
}
