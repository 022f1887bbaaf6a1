package place

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/deploytag/deploytag/pkg/names"
	"github.com/deploytag/deploytag/pkg/redact"
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
	if filepath.Clean(dir) != ReleasesDir || names.ValidTagName(tag) != nil {
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

// NewEntry makes a log entry at t.
func NewEntry(t time.Time, env, tag, user, host string, err error) Entry {
	e := Entry{Time: t.UTC().Format(time.RFC3339), Environment: env, Tag: tag, User: user, Host: host, Outcome: OutcomeOK}
	if err != nil {
		e.Outcome = OutcomeFailed
		e.Error = redact.Credentials(strings.ReplaceAll(err.Error(), "\n", "; ")) // no credential reaches the log
	}
	return e
}

// OpenLog opens deploys.log for appending, making it if needed, never
// through a symlink. Opening it before deploying means a log that cannot
// be written stops the deploy before anything changes.
func (r *Root) OpenLog() (*History, error) { return OpenLog(r.path(LogFile)) }

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
		if strings.HasPrefix(e.Name(), ".") || names.ValidTagName(e.Name()) != nil {
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
	for e, err := range Backward(r.path(LogFile)) {
		if err != nil {
			return "", false, fmt.Errorf("reading the deploy log: %w", err)
		}
		if e.Outcome == OutcomeOK && e.Tag != live && names.ValidTagName(e.Tag) == nil && r.Kept(e.Tag) {
			return e.Tag, true, nil
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
