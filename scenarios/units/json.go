package units

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// JSON decoding accepts both forms these types write and read elsewhere: an
// exact number in base units (what MarshalJSON writes, so a results.json
// reads back), or a string in the human form ("7d", "500B").

func decodeJSON(kind string, data []byte, human func(string) error, exact func(float64) error) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		return human(s)
	}
	var f float64
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("%s: want a number or a string such as the YAML form, got %s", kind, data)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return fmt.Errorf("%s: %v must be a finite number, not negative", kind, f)
	}
	return exact(f)
}

func (c *Count) UnmarshalJSON(b []byte) error {
	return decodeJSON("count", b, c.Set, func(f float64) error { *c = Count(f); return nil })
}

func (r *Rate) UnmarshalJSON(b []byte) error {
	return decodeJSON("rate", b, r.Set, func(f float64) error { *r = Rate(f); return nil })
}

func (v *Bandwidth) UnmarshalJSON(b []byte) error {
	return decodeJSON("bandwidth", b, v.Set, func(f float64) error { *v = Bandwidth(f); return nil })
}

func (r *Ratio) UnmarshalJSON(b []byte) error {
	return decodeJSON("ratio", b, r.Set, func(f float64) error { *r = Ratio(f); return nil })
}

func (v *Bytes) UnmarshalJSON(b []byte) error {
	return decodeJSON("size", b, v.Set, func(f float64) error {
		if f != math.Trunc(f) || f > math.MaxInt64 {
			return fmt.Errorf("size: %v is not a whole number of bytes", f)
		}
		*v = Bytes(f)
		return nil
	})
}

// UnmarshalJSON reads seconds (what MarshalJSON writes) or a human duration.
func (d *Duration) UnmarshalJSON(b []byte) error {
	return decodeJSON("duration", b, d.Set, func(f float64) error {
		ns := math.Round(f * float64(Second))
		if ns >= math.MaxInt64 {
			return fmt.Errorf("duration: %v seconds is too long", f)
		}
		*d = Duration(ns)
		return nil
	})
}
