// Package vfs is the small file-system interface the commit log does all its
// I/O through, with four implementations: the real file system (OS), an
// in-memory one (NewMem), a crashable in-memory one that keeps only what was
// synced (NewCrashable, then Crash), and a wrapper that injects errors
// (ErrorFS).
//
// Files are append-only from the writer's point of view: every Write goes to
// the current end of the file, as with O_APPEND. Reads use ReadAt and may run
// concurrently with a writer.
//
// Durability model (what Crash keeps): the contents of a file as of its last
// File.Sync, and the names in a directory as of its last SyncDir. A file
// created, renamed or removed since the last SyncDir of its directory reverts
// on a crash, as on a real file system without a directory fsync.
package vfs

import (
	"errors"
	"io"
	"io/fs"
)

// File is an open file.
type File interface {
	io.ReaderAt
	// Write appends p at the end of the file.
	io.Writer
	io.Closer
	// Sync makes the file's contents durable (fdatasync on a real disk).
	Sync() error
	// Truncate cuts or extends the file to size bytes.
	Truncate(size int64) error
	// Size is the current length of the file.
	Size() (int64, error)
}

// FS is a file system.
type FS interface {
	// Create creates or truncates the named file, opened for appending and
	// reading.
	Create(name string) (File, error)
	// OpenAppend opens an existing file for appending and reading.
	OpenAppend(name string) (File, error)
	// Open opens an existing file for reading only.
	Open(name string) (File, error)
	Remove(name string) error
	// Rename atomically replaces newname with oldname.
	Rename(oldname, newname string) error
	// List returns the names of the entries of dir, sorted.
	List(dir string) ([]string, error)
	MkdirAll(dir string) error
	// SyncDir makes creations, renames and removals in dir durable.
	SyncDir(dir string) error
	// Stat reports whether name exists and is a directory.
	Stat(name string) (isDir bool, err error)
}

// ErrNotExist is returned (wrapped) for a missing file; it is fs.ErrNotExist
// so that errors.Is works across implementations.
var ErrNotExist = fs.ErrNotExist

// ErrInjected is the error ErrorFS returns by default.
var ErrInjected = errors.New("injected i/o error")
