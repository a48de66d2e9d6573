package reports

import (
	"errors"

	"golang.org/x/sys/unix"
)

// exchangeDirs swaps a and b in one step. ok is false where the file
// system cannot (the caller then falls back to two renames).
func exchangeDirs(a, b string) (ok bool, err error) {
	err = unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP) {
		return false, nil
	}
	return true, err
}
