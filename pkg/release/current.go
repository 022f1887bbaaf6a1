package release

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/deploytag/deploytag/pkg/deploytag"
	"github.com/deploytag/deploytag/pkg/git"
)

// Live returns the tag of the live release: the name current points at,
// read as a link and never followed. ok is false when there is no current
// link or it does not name a release of this root.
func (r *Root) Live() (tag string, ok bool) {
	target, err := os.Readlink(r.path(CurrentLink))
	if err != nil {
		return "", false
	}
	dir, tag := filepath.Split(filepath.Clean(target))
	if filepath.Clean(dir) != ReleasesDir || deploytag.ValidTagName(tag) != nil {
		return "", false
	}
	return tag, true
}

// Switch points current at releases/<TAG> atomically: a new relative
// symlink is made beside it and renamed over the old one, so a reader
// sees the old release or the new one, never nothing.
func (r *Root) Switch(tag string) error {
	f, err := os.CreateTemp(r.Dir, currentPrefix)
	if err != nil {
		return err
	}
	tmp := f.Name()
	f.Close()
	if err := os.Remove(tmp); err != nil {
		return err
	}
	if err := os.Symlink(filepath.Join(ReleasesDir, tag), tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, r.path(CurrentLink)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("switching %s: %w", r.path(CurrentLink), err)
	}
	return nil
}

// Entry is one line of deploys.log.
type Entry struct {
	Time        string `json:"time"` // RFC 3339, UTC
	Environment string `json:"environment"`
	Tag         string `json:"tag"`
	User        string `json:"user"`
	Host        string `json:"host"`
	Outcome     string `json:"outcome"` // OutcomeOK or OutcomeFailed
	Error       string `json:"error,omitempty"`
}

// Outcomes in deploys.log.
const (
	OutcomeOK     = "ok"
	OutcomeFailed = "failed"
)

// NewEntry makes a log entry at t.
func NewEntry(t time.Time, env, tag, user, host string, err error) Entry {
	e := Entry{Time: t.UTC().Format(time.RFC3339), Environment: env, Tag: tag, User: user, Host: host, Outcome: OutcomeOK}
	if err != nil {
		e.Outcome = OutcomeFailed
		e.Error = git.Redact(strings.ReplaceAll(err.Error(), "\n", "; ")) // no credential reaches the log
	}
	return e
}

// History is deploys.log, open for appending.
type History struct {
	f *os.File
	// Warnf, when set, is told when a torn last line is repaired.
	Warnf func(format string, args ...any)
}

// OpenLog opens deploys.log for appending, making it if needed, never
// through a symlink. Opening it before deploying means a log that cannot
// be written stops the deploy before anything changes.
func (r *Root) OpenLog() (*History, error) {
	path := r.path(LogFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the deploy log: %w", noFollowErr(path, err))
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

// Log appends e to deploys.log.
func (r *Root) Log(e Entry) error {
	h, err := r.OpenLog()
	if err != nil {
		return err
	}
	err = h.Append(e)
	return errors.Join(err, h.Close())
}

// Prune removes releases beyond the keep most recently deployed, never
// the ones named in protect (the live release and the one before it).
// keep 0 keeps everything. It returns the tags removed.
func (r *Root) Prune(keep int, protect ...string) ([]string, error) {
	if keep <= 0 {
		return nil, nil
	}
	ents, err := os.ReadDir(r.path(ReleasesDir))
	if err != nil {
		return nil, err
	}
	type rel struct {
		tag string
		at  time.Time
	}
	var rels []rel
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") || deploytag.ValidTagName(e.Name()) != nil {
			continue
		}
		fi, err := os.Lstat(r.ReleasePath(e.Name()))
		if err != nil || !fi.IsDir() {
			continue
		}
		rels = append(rels, rel{e.Name(), fi.ModTime()})
	}
	sort.SliceStable(rels, func(i, j int) bool {
		if !rels[i].at.Equal(rels[j].at) {
			return rels[i].at.After(rels[j].at)
		}
		return rels[i].tag > rels[j].tag
	})
	kept := map[string]bool{}
	for _, p := range protect {
		if p != "" {
			kept[p] = true
		}
	}
	var removed []string
	var errs []error
	for _, rl := range rels {
		if kept[rl.tag] {
			continue
		}
		if len(kept) < keep {
			kept[rl.tag] = true
			continue
		}
		if err := os.RemoveAll(r.ReleasePath(rl.tag)); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, rl.tag)
	}
	return removed, errors.Join(errs...)
}

// Previous returns the release to roll back to: the tag of the newest
// successful deploy in deploys.log other than live, whose release is still
// kept. ok is false when there is none. Lines that are not log entries (a
// torn last line) are skipped.
func (r *Root) Previous(live string) (tag string, ok bool, err error) {
	f, err := os.Open(r.path(LogFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	var oks []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var e Entry
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Outcome != OutcomeOK || e.Tag == live || deploytag.ValidTagName(e.Tag) != nil {
			continue
		}
		oks = append(oks, e.Tag)
	}
	if err := sc.Err(); err != nil {
		return "", false, fmt.Errorf("reading the deploy log: %w", err)
	}
	for i := len(oks) - 1; i >= 0; i-- {
		if r.Kept(oks[i]) {
			return oks[i], true, nil
		}
	}
	return "", false, nil
}

// Reuse marks the existing release of tag as the latest deployed (which
// pruning reads) and returns its path; the caller has checked it.
func (r *Root) Reuse(tag string) (string, error) {
	p := r.ReleasePath(tag)
	return p, touch(p)
}
