// Package units holds the human quantities that mqsim reads from YAML files and
// command-line flags: counts, rates, byte sizes, durations, bandwidths and ratios.
//
// Each type parses one human syntax (the same for files and flags: every type
// implements encoding.TextUnmarshaler, yaml.Unmarshaler and pflag.Value), prints
// back in a short human form with String, and marshals to JSON as an exact number
// in base units (messages, messages per second, bytes, seconds, bytes per second,
// a plain factor).
//
// The syntax, by type:
//
//	Count      500M  10B  1.15M  20  100_000  2.5K           (K=1e3 M=1e6 B or G=1e9 T=1e12)
//	Rate       10K/s  115K/s  600/min  1.2M/day  50/h  1000  (a bare number is per second)
//	Bytes      500B  1KB  10TB  1.5 GB  (decimal)  1KiB  64MiB  (binary)  4096  (bytes)
//	Duration   500ms  36h  7d  2w  1h30m  90s  2.5d
//	Bandwidth  10Gbps  800Mbps  1.25GB/s  100MB/s  100MiB/s  (bits or bytes per second)
//	Ratio      2x  1.5x  30%  0.3
//
// Sizes are decimal by default, as the seed's back-of-envelope uses them
// (1KB = 1000 bytes); the IEC suffixes (KiB, MiB, …) are binary.
//
// Parse errors are *Error values that carry the YAML line and column when the
// value came from a file, so loaders can name the file, line and field.
package units
