//go:build !linux

package reports

// exchangeDirs is not available here: the caller renames in two steps.
func exchangeDirs(a, b string) (bool, error) { return false, nil }
