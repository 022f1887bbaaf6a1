package place

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Entry is one line of deploys.log: one deploy attempt.
type Entry struct {
	Time        string `json:"time"` // RFC 3339, UTC
	Environment string `json:"environment"`
	Tag         string `json:"tag"`
	User        string `json:"user"`
	Host        string `json:"host"`
	Outcome     string `json:"outcome"` // OutcomeOK, OutcomeFailed or OutcomeRolledBack
	Error       string `json:"error,omitempty"`
	// CheckOutput is, for an attempt rolled back, the end of its health
	// check's last output, cut short.
	CheckOutput string `json:"check_output,omitempty"`
}

// Outcomes in deploys.log. An attempt rolled back went live, did not come
// up (its restart failed or its health check never passed), and current
// went back to the release live before it.
const (
	OutcomeOK         = "ok"
	OutcomeFailed     = "failed"
	OutcomeRolledBack = "rolled_back"
)

// History is deploys.log, open for appending.
type History struct {
	f *os.File
	// Warnf, when set, is told when a torn last line is repaired.
	Warnf func(format string, args ...any)
}

// OpenLog opens the deploys.log at path for appending, never through a
// symlink. A log it makes is 0644 whatever the umask, so that the app's
// user reads deployed_at from it as it reads the release; a log already
// there keeps its mode, as the root's folders do.
func OpenLog(path string) (*History, error) {
	const flags = os.O_RDWR | os.O_APPEND | syscall.O_NOFOLLOW | syscall.O_CLOEXEC
	f, err := os.OpenFile(path, flags|os.O_CREATE|os.O_EXCL, 0o644)
	if err == nil {
		if err = f.Chmod(0o644); err != nil { // past the umask
			f.Close()
		}
	} else if errors.Is(err, os.ErrExist) {
		f, err = os.OpenFile(path, flags, 0)
	}
	if errors.Is(err, syscall.ELOOP) {
		err = fmt.Errorf("%s is a symlink; refusing to follow it out of the root", path)
	}
	if err != nil {
		return nil, fmt.Errorf("opening the deploy log: %w", err)
	}
	return &History{f: f}, nil
}

// Append writes e as one whole JSON line, in a single write, or nothing:
// a write cut short (a full disk) is truncated away again. A torn last
// line already there (a write killed part-way, an older tool) is first
// closed with a newline, with a warning, so the new record is a line of
// its own; the torn bytes stay, as readers skip a line that is no entry.
// Call it with the root's lock held: it assumes it is the only writer.
func (h *History) Append(e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	line := append(b, '\n')
	fi, err := h.f.Stat()
	if err != nil {
		return fmt.Errorf("the deploy log: %w", err)
	}
	size := fi.Size()
	if size > 0 {
		last := make([]byte, 1)
		if _, err := h.f.ReadAt(last, size-1); err != nil {
			return fmt.Errorf("reading the end of the deploy log: %w", err)
		}
		if last[0] != '\n' {
			if h.Warnf != nil {
				h.Warnf("%s ended in a torn line (a write cut short); closed it with a newline before appending", LogFile)
			}
			line = append([]byte{'\n'}, line...)
		}
	}
	n, err := h.f.Write(line)
	if err != nil {
		if n > 0 {
			_ = h.f.Truncate(size) // whole lines or nothing
		}
		return fmt.Errorf("appending to the deploy log: %w", err)
	}
	return nil
}

// Close closes the log.
func (h *History) Close() error { return h.f.Close() }

// LastOK returns the last successful deploy of tag in the deploys.log at
// path, or nil if there is none (a missing log included).
func LastOK(path, tag string) (*Entry, error) {
	for e, err := range Backward(path) {
		if err != nil {
			return nil, err
		}
		if e.Tag == tag && e.Outcome == OutcomeOK {
			return &e, nil
		}
	}
	return nil, nil
}
