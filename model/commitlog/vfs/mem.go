package vfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Mem is an in-memory file system. It is safe for concurrent use. Created
// with NewCrashable it also tracks what has been made durable, so that Crash
// can produce the state a machine would find after losing power.
type Mem struct {
	mu        sync.Mutex
	crashable bool
	dirs      map[string]bool
	files     map[string]*inode
	// durable is the namespace as of the last SyncDir of each directory
	// (crashable only).
	durable map[string]*inode
	durDirs map[string]bool
}

type inode struct {
	mu     sync.RWMutex
	data   []byte
	synced []byte // contents at the last Sync (crashable only)
}

// NewMem returns an empty in-memory file system.
func NewMem() *Mem {
	return &Mem{dirs: map[string]bool{"/": true, ".": true}, files: map[string]*inode{}}
}

// NewCrashable returns an empty in-memory file system that remembers what
// was synced; see Crash.
func NewCrashable() *Mem {
	m := NewMem()
	m.crashable = true
	m.durable = map[string]*inode{}
	m.durDirs = map[string]bool{"/": true, ".": true}
	return m
}

func clean(name string) string { return filepath.Clean(name) }

func (m *Mem) parentExists(name string) bool {
	d := filepath.Dir(name)
	return m.dirs[d]
}

func pathErr(op, name string, err error) error { return &fs.PathError{Op: op, Path: name, Err: err} }

// Create implements FS.
func (m *Mem) Create(name string) (File, error) {
	name = clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.parentExists(name) {
		return nil, pathErr("create", name, fs.ErrNotExist)
	}
	if m.dirs[name] {
		return nil, pathErr("create", name, errors.New("is a directory"))
	}
	if ino, ok := m.files[name]; ok {
		ino.mu.Lock()
		ino.data = ino.data[:0:0]
		ino.mu.Unlock()
		return &memFile{ino: ino, name: name}, nil
	}
	ino := &inode{}
	m.files[name] = ino
	return &memFile{ino: ino, name: name}, nil
}

// OpenAppend implements FS.
func (m *Mem) OpenAppend(name string) (File, error) {
	name = clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	ino, ok := m.files[name]
	if !ok {
		return nil, pathErr("open", name, fs.ErrNotExist)
	}
	return &memFile{ino: ino, name: name}, nil
}

// Open implements FS.
func (m *Mem) Open(name string) (File, error) {
	name = clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	ino, ok := m.files[name]
	if !ok {
		return nil, pathErr("open", name, fs.ErrNotExist)
	}
	return &memFile{ino: ino, name: name, readOnly: true}, nil
}

// Remove implements FS.
func (m *Mem) Remove(name string) error {
	name = clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.files[name]; ok {
		delete(m.files, name)
		return nil
	}
	if m.dirs[name] {
		prefix := name + string(filepath.Separator)
		for f := range m.files {
			if strings.HasPrefix(f, prefix) {
				return pathErr("remove", name, errors.New("directory not empty"))
			}
		}
		delete(m.dirs, name)
		return nil
	}
	return pathErr("remove", name, fs.ErrNotExist)
}

// Rename implements FS.
func (m *Mem) Rename(oldname, newname string) error {
	oldname, newname = clean(oldname), clean(newname)
	m.mu.Lock()
	defer m.mu.Unlock()
	ino, ok := m.files[oldname]
	if !ok {
		return pathErr("rename", oldname, fs.ErrNotExist)
	}
	if !m.parentExists(newname) {
		return pathErr("rename", newname, fs.ErrNotExist)
	}
	delete(m.files, oldname)
	m.files[newname] = ino
	return nil
}

// List implements FS.
func (m *Mem) List(dir string) ([]string, error) {
	dir = clean(dir)
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.dirs[dir] {
		return nil, pathErr("list", dir, fs.ErrNotExist)
	}
	var names []string
	for f := range m.files {
		if filepath.Dir(f) == dir {
			names = append(names, filepath.Base(f))
		}
	}
	for d := range m.dirs {
		if d != dir && filepath.Dir(d) == dir {
			names = append(names, filepath.Base(d))
		}
	}
	sort.Strings(names)
	return names, nil
}

// MkdirAll implements FS. Directories are durable at once.
func (m *Mem) MkdirAll(dir string) error {
	dir = clean(dir)
	m.mu.Lock()
	defer m.mu.Unlock()
	for d := dir; !m.dirs[d]; d = filepath.Dir(d) {
		if _, ok := m.files[d]; ok {
			return pathErr("mkdir", d, errors.New("not a directory"))
		}
		m.dirs[d] = true
		if m.crashable {
			m.durDirs[d] = true
		}
	}
	return nil
}

// SyncDir implements FS.
func (m *Mem) SyncDir(dir string) error {
	dir = clean(dir)
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.dirs[dir] {
		return pathErr("syncdir", dir, fs.ErrNotExist)
	}
	if !m.crashable {
		return nil
	}
	for f := range m.durable {
		if filepath.Dir(f) == dir {
			delete(m.durable, f)
		}
	}
	for f, ino := range m.files {
		if filepath.Dir(f) == dir {
			m.durable[f] = ino
		}
	}
	return nil
}

// Stat implements FS.
func (m *Mem) Stat(name string) (bool, error) {
	name = clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.dirs[name] {
		return true, nil
	}
	if _, ok := m.files[name]; ok {
		return false, nil
	}
	return false, pathErr("stat", name, fs.ErrNotExist)
}

// Crash returns the file system a machine would find after losing power
// now: the names made durable by SyncDir, each with the contents made
// durable by Sync. When r is not nil, each file also keeps a random prefix of
// the bytes appended since its last sync, and with probability 1/4 that
// prefix is overwritten with garbage: a torn write. The receiver is left
// unchanged. Crash panics if m was not created by NewCrashable, which is a
// programming error in a test.
func (m *Mem) Crash(r *rand.Rand) *Mem {
	if !m.crashable {
		panic("vfs: Crash on a file system not created by NewCrashable")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := NewCrashable()
	for d := range m.durDirs {
		n.dirs[d] = true
		n.durDirs[d] = true
	}
	names := make([]string, 0, len(m.durable))
	for f := range m.durable {
		names = append(names, f)
	}
	sort.Strings(names) // deterministic use of r
	for _, f := range names {
		ino := m.durable[f]
		ino.mu.RLock()
		data := append([]byte(nil), ino.synced...)
		if r != nil && len(ino.data) > len(ino.synced) && string(ino.data[:len(ino.synced)]) == string(ino.synced) {
			tail := ino.data[len(ino.synced):]
			k := r.IntN(len(tail) + 1)
			start := len(data)
			data = append(data, tail[:k]...)
			if k > 0 && r.IntN(4) == 0 {
				for i := start + r.IntN(k); i < len(data); i++ {
					data[i] = byte(r.Uint32())
				}
			}
		}
		ino.mu.RUnlock()
		c := &inode{data: data, synced: append([]byte(nil), data...)}
		n.files[f] = c
		n.durable[f] = c
	}
	return n
}

// Bytes returns a copy of the named file's contents; for tests.
func (m *Mem) Bytes(name string) ([]byte, error) {
	m.mu.Lock()
	ino, ok := m.files[clean(name)]
	m.mu.Unlock()
	if !ok {
		return nil, pathErr("read", name, fs.ErrNotExist)
	}
	ino.mu.RLock()
	defer ino.mu.RUnlock()
	return append([]byte(nil), ino.data...), nil
}

// SetBytes replaces the named file's contents, durable at once; tests use it
// to corrupt files.
func (m *Mem) SetBytes(name string, data []byte) error {
	m.mu.Lock()
	ino, ok := m.files[clean(name)]
	m.mu.Unlock()
	if !ok {
		return pathErr("write", name, fs.ErrNotExist)
	}
	ino.mu.Lock()
	ino.data = append([]byte(nil), data...)
	ino.synced = append([]byte(nil), data...)
	ino.mu.Unlock()
	return nil
}

type memFile struct {
	ino      *inode
	name     string
	readOnly bool
	closed   bool
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, pathErr("read", f.name, errors.New("negative offset"))
	}
	f.ino.mu.RLock()
	defer f.ino.mu.RUnlock()
	if off >= int64(len(f.ino.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.ino.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) Write(p []byte) (int, error) {
	if f.readOnly || f.closed {
		return 0, pathErr("write", f.name, fs.ErrPermission)
	}
	f.ino.mu.Lock()
	f.ino.data = append(f.ino.data, p...)
	f.ino.mu.Unlock()
	return len(p), nil
}

func (f *memFile) Close() error {
	if f.closed {
		return pathErr("close", f.name, fs.ErrClosed)
	}
	f.closed = true
	return nil
}

func (f *memFile) Sync() error {
	f.ino.mu.Lock()
	// Aliasing is safe: appends only write beyond len(data), and Truncate
	// clips the capacity so that no later append rewrites these bytes.
	f.ino.synced = f.ino.data
	f.ino.mu.Unlock()
	return nil
}

func (f *memFile) Truncate(size int64) error {
	if f.readOnly {
		return pathErr("truncate", f.name, fs.ErrPermission)
	}
	if size < 0 {
		return pathErr("truncate", f.name, fmt.Errorf("negative size %d", size))
	}
	f.ino.mu.Lock()
	defer f.ino.mu.Unlock()
	if size <= int64(len(f.ino.data)) {
		// Never write into bytes a reader or the synced copy may share.
		f.ino.data = f.ino.data[:size:size]
	} else {
		f.ino.data = append(f.ino.data, make([]byte, size-int64(len(f.ino.data)))...)
	}
	return nil
}

func (f *memFile) Size() (int64, error) {
	f.ino.mu.RLock()
	defer f.ino.mu.RUnlock()
	return int64(len(f.ino.data)), nil
}

// Clone returns an independent copy of the file system (every file
// durable at its current contents); tests use it to try many corruptions
// of one directory.
func (m *Mem) Clone() *Mem {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := NewMem()
	n.crashable = m.crashable
	if m.crashable {
		n.durable = map[string]*inode{}
		n.durDirs = map[string]bool{}
	}
	for d := range m.dirs {
		n.dirs[d] = true
		if m.crashable {
			n.durDirs[d] = true
		}
	}
	for f, ino := range m.files {
		ino.mu.RLock()
		c := &inode{data: append([]byte(nil), ino.data...)}
		ino.mu.RUnlock()
		c.synced = append([]byte(nil), c.data...)
		n.files[f] = c
		if m.crashable {
			n.durable[f] = c
		}
	}
	return n
}
