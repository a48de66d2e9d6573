package systems

import (
	"slices"
	"testing"

	"mqsim/model"
)

// TestDefaultSystemLinked: importing this package registers the system a
// scenario without a kind runs on.
func TestDefaultSystemLinked(t *testing.T) {
	if !slices.Contains(model.Systems(), model.DefaultSystem) {
		t.Fatalf("systems %v lack the default %q", model.Systems(), model.DefaultSystem)
	}
}
