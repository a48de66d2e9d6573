package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"mqsim/model/commitlog"
	"mqsim/reports"
)

// corruptDataDir words a resumed data directory's damage that the log
// recovery refused: the partition and broker, the file, the byte and the
// offset, and what the user can do about it. err is the whole chain, kept
// for errors.As; ce is the corruption inside it.
func corruptDataDir(dataDir string, ce *commitlog.CorruptionError, err error) error {
	where := "a log"
	file := ce.Segment
	if ce.Dir != "" {
		part, broker := filepath.Base(ce.Dir), filepath.Base(filepath.Dir(ce.Dir))
		where = fmt.Sprintf("partition %s on %s", part, strings.ReplaceAll(broker, "-", " "))
		file = filepath.Join(ce.Dir, ce.Segment)
	}
	at := fmt.Sprintf("byte %d", ce.Position)
	if ce.Offset >= 0 {
		at += fmt.Sprintf(", offset %d", ce.Offset)
	}
	hint := "--force deletes the logs and starts afresh"
	if ce.Dir != "" {
		hint = fmt.Sprintf("`mqsim log verify %s` lists the damage; ", reports.ShellQuote(ce.Dir)) + hint
	}
	return &wrapped{err: err, msg: fmt.Sprintf("--data-dir %s: cannot resume %s: %s at %s: %s; %s",
		dataDir, where, file, at, ce.Reason, hint)}
}

// wrapped rewords an error and keeps the chain for errors.Is and errors.As.
type wrapped struct {
	err error
	msg string
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }
