package channel

import (
	"strings"
	"testing"

	"mqsim/scenarios"
)

// The registry: a system registers once; an unknown one is an error
// naming the ones there are; a name registered twice or an empty one is
// a programming error (a panic the first test finds).
func TestRegistry(t *testing.T) {
	defer func(saved map[string]Builder) { builders = saved }(builders)
	builders = map[string]Builder{}
	Register("fake", func(Host) (Channel, error) { return nil, nil })
	if got := Systems(); len(got) != 1 || got[0] != "fake" {
		t.Errorf("Systems() = %v, want [fake]", got)
	}
	if _, err := New(Host{Name: "x-inbox", Via: scenarios.ServiceVia{System: "mqtt"}}); err == nil ||
		!strings.Contains(err.Error(), `no system "mqtt"`) || !strings.Contains(err.Error(), "fake") {
		t.Errorf("New(mqtt) = %v, want an error naming the registered systems", err)
	}
	for _, tc := range []struct {
		name string
		b    Builder
	}{{"fake", func(Host) (Channel, error) { return nil, nil }}, {"", func(Host) (Channel, error) { return nil, nil }}, {"nil", nil}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", tc.name)
				}
			}()
			Register(tc.name, tc.b)
		}()
	}
}
