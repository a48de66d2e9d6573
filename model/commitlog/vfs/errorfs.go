package vfs

// Op names a file-system operation for error injection.
type Op int

// The operations ErrorFS can fail.
const (
	OpCreate Op = iota
	OpOpen
	OpRemove
	OpRename
	OpList
	OpMkdir
	OpSyncDir
	OpStat
	OpRead
	OpWrite
	OpSync
	OpTruncate
	OpSize
	OpClose
)

var opNames = [...]string{"create", "open", "remove", "rename", "list", "mkdir", "syncdir", "stat", "read", "write", "sync", "truncate", "size", "close"}

func (o Op) String() string {
	if o >= 0 && int(o) < len(opNames) {
		return opNames[o]
	}
	return "op?"
}

// ErrorFS wraps an FS and fails the operations Inject chooses: Inject is
// called before each operation with its kind and the file name, and a
// non-nil result is returned instead of performing it. A failed Write
// writes nothing.
type ErrorFS struct {
	FS     FS
	Inject func(op Op, name string) error
}

func (e *ErrorFS) check(op Op, name string) error {
	if e.Inject == nil {
		return nil
	}
	return e.Inject(op, name)
}

// Create implements FS.
func (e *ErrorFS) Create(name string) (File, error) {
	if err := e.check(OpCreate, name); err != nil {
		return nil, err
	}
	f, err := e.FS.Create(name)
	if err != nil {
		return nil, err
	}
	return &errFile{f: f, fs: e, name: name}, nil
}

// OpenAppend implements FS.
func (e *ErrorFS) OpenAppend(name string) (File, error) {
	if err := e.check(OpOpen, name); err != nil {
		return nil, err
	}
	f, err := e.FS.OpenAppend(name)
	if err != nil {
		return nil, err
	}
	return &errFile{f: f, fs: e, name: name}, nil
}

// Open implements FS.
func (e *ErrorFS) Open(name string) (File, error) {
	if err := e.check(OpOpen, name); err != nil {
		return nil, err
	}
	f, err := e.FS.Open(name)
	if err != nil {
		return nil, err
	}
	return &errFile{f: f, fs: e, name: name}, nil
}

// Remove implements FS.
func (e *ErrorFS) Remove(name string) error {
	if err := e.check(OpRemove, name); err != nil {
		return err
	}
	return e.FS.Remove(name)
}

// Rename implements FS.
func (e *ErrorFS) Rename(oldname, newname string) error {
	if err := e.check(OpRename, oldname); err != nil {
		return err
	}
	return e.FS.Rename(oldname, newname)
}

// List implements FS.
func (e *ErrorFS) List(dir string) ([]string, error) {
	if err := e.check(OpList, dir); err != nil {
		return nil, err
	}
	return e.FS.List(dir)
}

// MkdirAll implements FS.
func (e *ErrorFS) MkdirAll(dir string) error {
	if err := e.check(OpMkdir, dir); err != nil {
		return err
	}
	return e.FS.MkdirAll(dir)
}

// SyncDir implements FS.
func (e *ErrorFS) SyncDir(dir string) error {
	if err := e.check(OpSyncDir, dir); err != nil {
		return err
	}
	return e.FS.SyncDir(dir)
}

// Stat implements FS.
func (e *ErrorFS) Stat(name string) (bool, error) {
	if err := e.check(OpStat, name); err != nil {
		return false, err
	}
	return e.FS.Stat(name)
}

type errFile struct {
	f    File
	fs   *ErrorFS
	name string
}

func (f *errFile) ReadAt(p []byte, off int64) (int, error) {
	if err := f.fs.check(OpRead, f.name); err != nil {
		return 0, err
	}
	return f.f.ReadAt(p, off)
}

func (f *errFile) Write(p []byte) (int, error) {
	if err := f.fs.check(OpWrite, f.name); err != nil {
		return 0, err
	}
	return f.f.Write(p)
}

func (f *errFile) Close() error {
	if err := f.fs.check(OpClose, f.name); err != nil {
		f.f.Close()
		return err
	}
	return f.f.Close()
}

func (f *errFile) Sync() error {
	if err := f.fs.check(OpSync, f.name); err != nil {
		return err
	}
	return f.f.Sync()
}

func (f *errFile) Truncate(size int64) error {
	if err := f.fs.check(OpTruncate, f.name); err != nil {
		return err
	}
	return f.f.Truncate(size)
}

func (f *errFile) Size() (int64, error) {
	if err := f.fs.check(OpSize, f.name); err != nil {
		return 0, err
	}
	return f.f.Size()
}
