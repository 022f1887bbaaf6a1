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

// CanSwitch checks, changing nothing, that current can be switched in
// the root: that current, when there, is a symlink (a rename replaces a
// link, never a folder), and that a new link can be made beside it and
// removed again (a root that is read-only, immutable or append-only, or
// not the deploy user's to write, refuses it). A stage calls it before
// anything is installed or run, so that a host that staged can switch.
func (r *Root) CanSwitch() error {
	cur := r.path(CurrentLink)
	if fi, err := os.Lstat(cur); err == nil && fi.Mode()&os.ModeSymlink == 0 {
		return fmt.Errorf("%s is not a symlink; current cannot be switched", cur)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	tmp, err := r.newLink(ReleasesDir)
	if err != nil {
		return fmt.Errorf("the root %s cannot take a new current link: %w", r.Dir, err)
	}
	if err := os.Remove(tmp); err != nil {
		return fmt.Errorf("the root %s cannot take a new current link: %w", r.Dir, err)
	}
	return nil
}

// newLink makes a new symlink to target under a hidden name beside
// current (Clean removes one left by an interrupted deploy) and returns
// its path.
func (r *Root) newLink(target string) (string, error) {
	f, err := os.CreateTemp(r.Dir, currentPrefix)
	if err != nil {
		return "", err
	}
	tmp := f.Name()
	f.Close()
	if err := os.Remove(tmp); err != nil {
		return "", err
	}
	if err := os.Symlink(target, tmp); err != nil {
		return "", err
	}
	return tmp, nil
}

// Switch points current at releases/<TAG> atomically: a new relative
// symlink is made beside it and renamed over the old one, so a reader
// sees the old release or the new one, never nothing.
func (r *Root) Switch(tag string) error {
	tmp, err := r.newLink(filepath.Join(ReleasesDir, tag))
	if err != nil {
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
// the ones named in protect (the live release, the one a rollback would go
// to, the one live until the switch).
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

// Lineage is the releases that were live in turn, oldest first, the live
// one last, as deploys.log tells: Capistrano's stack of releases. A
// successful deploy (or switch) of a tag goes on top, unless that tag is
// already in the lineage: then it is a return to it (a rollback, or a
// redeploy of an older tag), and every release above it, the ones rolled
// back from, comes off. A redeploy of the live tag changes nothing; an
// attempt that failed, or whose check failed and was switched back, never
// went live and does not count. So a rollback never returns to a release
// it left, and a second rollback goes one further back.
type Lineage []string

// Then is the lineage once tag has gone live.
func (l Lineage) Then(tag string) Lineage {
	for i := len(l) - 1; i >= 0; i-- {
		if l[i] == tag {
			return l[: i+1 : i+1]
		}
	}
	return append(l[:len(l):len(l)], tag)
}

// Lineage reads the lineage from deploys.log, oldest first, then adds the
// live release (when current names one that the log does not end on, it
// was switched to by hand). Lines that are not log entries (a torn last
// line) are skipped.
func (r *Root) Lineage() (Lineage, error) {
	var oks []string
	for e, err := range Backward(r.path(LogFile)) {
		if err != nil {
			return nil, fmt.Errorf("reading the deploy log: %w", err)
		}
		if e.Outcome == OutcomeOK && names.ValidTagName(e.Tag) == nil {
			oks = append(oks, e.Tag)
		}
	}
	var l Lineage
	at := map[string]int{} // each tag's place in l: a tag is in l at most once
	for i := len(oks) - 1; i >= 0; i-- {
		tag := oks[i]
		if j, ok := at[tag]; ok {
			for _, t := range l[j+1:] {
				delete(at, t)
			}
			l = l[:j+1]
			continue
		}
		at[tag] = len(l)
		l = append(l, tag)
	}
	if live, ok := r.Live(); ok {
		l = l.Then(live)
	}
	return l, nil
}

// Back is the release a rollback from the top of l goes to: the newest
// release below the top that is still kept. ok is false when there is
// none.
func (r *Root) Back(l Lineage) (tag string, ok bool) {
	for i := len(l) - 2; i >= 0; i-- {
		if r.Kept(l[i]) {
			return l[i], true
		}
	}
	return "", false
}

// Previous returns the release to roll back to from the live release:
// Back of the lineage (Lineage). ok is false when there is none, or
// nothing is live.
func (r *Root) Previous() (tag string, ok bool, err error) {
	if _, live := r.Live(); !live {
		return "", false, nil
	}
	l, err := r.Lineage()
	if err != nil {
		return "", false, err
	}
	tag, ok = r.Back(l)
	return tag, ok, nil
}

// Before is the newest release the deploy log shows live that is not tag:
// the one live just before tag when tag is live. Unlike Back it does not
// follow the lineage, so after a return to tag (a rollback, or a redeploy
// of the live tag) it still names the release left last, which pruning
// keeps. ok is false when the log names no other.
func (r *Root) Before(tag string) (before string, ok bool) {
	for e, err := range Backward(r.path(LogFile)) {
		if err != nil {
			return "", false
		}
		if e.Outcome == OutcomeOK && e.Tag != tag && names.ValidTagName(e.Tag) == nil {
			return e.Tag, true
		}
	}
	return "", false
}

// Reuse marks the existing release of tag as the latest deployed (which
// pruning reads) and returns its path; the caller has checked it.
func (r *Root) Reuse(tag string) (string, error) {
	p := r.ReleasePath(tag)
	return p, touch(p)
}
