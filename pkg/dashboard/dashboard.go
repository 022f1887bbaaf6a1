// Package dashboard answers "what runs where" for every environment of a
// system, from the deploys themselves: each environment's root (its
// current link and deploys.log) and, when the basedir holds the repos,
// their commits. There is nothing else to keep in sync.
//
// A Server reads the roots afresh on every request; only what can never
// change is cached: the manifest of a tag, and the diff between two tags
// once every repo of it was counted.
//
// A deploy is a rollback when it succeeded and put live a tag older than
// the one live before it: older by the time in the tag's name, so a
// redeploy of the live tag is not one, and neither is a newer tag deployed
// after a rollback. Where the names cannot tell (two tags of the same
// second, or names that carry no time), a rollback is a deploy of a tag
// that was deployed before, other than the one live just before it.
package dashboard

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"time"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/live"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/names"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/tags"
)

// Env is one environment served: its name and its root.
type Env struct {
	Name string
	Root string
}

// Options configure New.
type Options struct {
	Envs []Env
	// Git and Repos are the basedir's repos, for manifests of tags whose
	// release is gone and for commit counts and logs. Without them the
	// manifests come from the roots' releases and commits are not counted.
	Git   *git.Runner
	Repos []basedir.Repo
	Jobs  int
	// CommitLink, when set, returns the web page of a commit of a repo,
	// or "" for none.
	CommitLink func(repo, commit string) string
	// ErrorLog, when set, receives what could not be read; clients get
	// nulls or a short message, never paths or stderr.
	ErrorLog func(error)
	// Now is the clock ages are counted from (time.Now when nil).
	Now func() time.Time
	// ReposFlag names how the operator gives the repos (the command
	// line's --basedir), in the pages' note that counts and logs of
	// commits need them; "the basedir" when empty.
	ReposFlag string
}

// Server serves the environments of Options; see NewHandler.
type Server struct {
	o      Options
	byName map[string]Env

	manifests cache[string, manifest.Manifest]
	diffs     cache[[2]string, *Diff]
}

// cacheMax bounds each cache; a full cache is emptied and refilled.
const cacheMax = 4096

// cache keeps answers that never change (tags never move), at most
// cacheMax of them; safe for concurrent use.
type cache[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]V
}

func (c *cache[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *cache[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= cacheMax {
		c.m = map[K]V{}
	}
	c.m[k] = v
}

// New returns a Server over o.Envs, whose names must be unique.
func New(o Options) (*Server, error) {
	s := &Server{o: o, byName: map[string]Env{}}
	for _, e := range o.Envs {
		if err := names.ValidEnvironment(e.Name); err != nil {
			return nil, err
		}
		if _, dup := s.byName[e.Name]; dup {
			return nil, fmt.Errorf("environment %s is served twice (%s)", e.Name, e.Root)
		}
		s.byName[e.Name] = e
	}
	if s.o.ReposFlag == "" {
		s.o.ReposFlag = "the basedir"
	}
	if s.o.Now == nil {
		s.o.Now = time.Now
	}
	return s, nil
}

func (s *Server) logErr(err error) {
	if err != nil && s.o.ErrorLog != nil {
		s.o.ErrorLog(err)
	}
}

// HasRepos reports whether commits can be counted and listed.
func (s *Server) HasRepos() bool { return s.o.Git != nil && len(s.o.Repos) > 0 }

// Status is what runs in one environment now.
type Status struct {
	Environment string `json:"environment"`
	Root        string `json:"root"`
	// Tag is the live tag, nil when nothing is deployed (or the root
	// cannot be read).
	Tag *string `json:"tag"`
	// DeployedAt, User and Host come from the last successful deploy of
	// Tag in deploys.log; nil when the log does not record it.
	DeployedAt *string `json:"deployed_at"`
	User       *string `json:"user"`
	Host       *string `json:"host"`
}

// Status reads what runs in e: the tag of its live release, and who
// deployed it when, from deploys.log read from its end.
func (s *Server) Status(e Env) Status {
	st := Status{Environment: e.Name, Root: e.Root}
	rel, err := live.LiveRelease(e.Root)
	if err != nil {
		if !errors.Is(err, live.ErrNoRelease) {
			s.logErr(fmt.Errorf("%s: %w", e.Name, err))
		}
		return st
	}
	tag, err := live.ReadTagFile(filepath.Join(rel, place.TagFile))
	if err != nil {
		s.logErr(fmt.Errorf("%s: %w", e.Name, err))
		return st
	}
	st.Tag = &tag
	for ent, err := range place.Backward(filepath.Join(e.Root, place.LogFile)) {
		if err != nil {
			s.logErr(fmt.Errorf("%s: reading %s: %w", e.Name, place.LogFile, err))
			break
		}
		if ent.Tag == tag && ent.Outcome == place.OutcomeOK {
			st.DeployedAt, st.User, st.Host = &ent.Time, &ent.User, &ent.Host
			break
		}
	}
	return st
}

// Metrics reads what /metrics tells of every environment, in the order
// served: its live tag, when that was deployed, and the attempts of its
// deploys.log by outcome.
func (s *Server) Metrics() []live.Metrics {
	ms := make([]live.Metrics, len(s.o.Envs))
	for i, e := range s.o.Envs {
		st := s.Status(e)
		m := live.Metrics{Environment: e.Name}
		if st.Tag != nil {
			m.Tag = *st.Tag
		}
		if st.DeployedAt != nil {
			if t, err := time.Parse(time.RFC3339, *st.DeployedAt); err == nil {
				m.DeployedAt = &t
			}
		}
		var err error
		if m.Deploys, err = live.CountDeploys(filepath.Join(e.Root, place.LogFile)); err != nil {
			s.logErr(fmt.Errorf("%s: reading %s: %w", e.Name, place.LogFile, err))
		}
		ms[i] = m
	}
	return ms
}

// Statuses reads every environment, in the order served.
func (s *Server) Statuses() []Status {
	out := make([]Status, len(s.o.Envs))
	for i, e := range s.o.Envs {
		out[i] = s.Status(e)
	}
	return out
}

// Deploy is one attempt recorded in deploys.log.
type Deploy struct {
	Time    string  `json:"time"`
	Tag     string  `json:"tag"`
	User    string  `json:"user"`
	Host    string  `json:"host"`
	Outcome string  `json:"outcome"` // "ok", "failed" or "rolled_back"
	Error   *string `json:"error"`   // why it failed; nil when ok
	// CheckOutput is the end of the health check's last output of an
	// attempt rolled back; nil when none was logged.
	CheckOutput *string `json:"check_output"`
	// Previous is the tag live before the attempt (the last successful
	// deploy before it), nil when none was.
	Previous *string `json:"previous"`
	// Rollback marks a successful deploy of an older tag than Previous.
	Rollback bool `json:"rollback"`
}

// Detail is an environment with its history.
type Detail struct {
	Status
	// History lists the attempts newest first, at most the limit asked.
	History []Deploy `json:"history"`
	// More says the log holds older attempts than History.
	More bool `json:"more"`
}

// History reads e's deploys.log from its end: the newest limit attempts
// (all when limit is 0), each with the tag live before it and whether it
// was a rollback. It reads on only as far as those need.
func (s *Server) History(e Env, limit int) ([]Deploy, bool, error) {
	out := []Deploy{}
	var (
		needPrev  []int                // attempts in out still looking for the tag live before them
		undecided = map[string][]int{} // tag -> attempts that are rollbacks if it was deployed before
		more      bool
	)
	for ent, err := range place.Backward(filepath.Join(e.Root, place.LogFile)) {
		if err != nil {
			return out, more, err
		}
		if ent.Outcome == place.OutcomeOK {
			// Every attempt in out is newer than ent.
			for _, i := range needPrev {
				prev := ent.Tag
				d := &out[i]
				d.Previous = &prev
				if d.Outcome != place.OutcomeOK || d.Tag == prev {
					continue
				}
				a, okA := names.Parse(d.Tag)
				b, okB := names.Parse(prev)
				if okA && okB && !a.Time.Equal(b.Time) {
					d.Rollback = a.Time.Before(b.Time)
				} else {
					undecided[d.Tag] = append(undecided[d.Tag], i)
				}
			}
			needPrev = needPrev[:0]
			for _, i := range undecided[ent.Tag] {
				if *out[i].Previous != ent.Tag {
					out[i].Rollback = true
				}
			}
			delete(undecided, ent.Tag)
		}
		if limit > 0 && len(out) >= limit {
			more = true
			if len(needPrev) == 0 && len(undecided) == 0 {
				break
			}
			continue
		}
		d := Deploy{Time: ent.Time, Tag: ent.Tag, User: ent.User, Host: ent.Host, Outcome: ent.Outcome}
		if ent.Outcome != place.OutcomeOK {
			msg := ent.Error
			d.Error = &msg
		}
		if ent.CheckOutput != "" {
			out := ent.CheckOutput
			d.CheckOutput = &out
		}
		out = append(out, d)
		needPrev = append(needPrev, len(out)-1)
	}
	return out, more, nil
}

// Detail reads e's status and history.
func (s *Server) Detail(e Env, limit int) Detail {
	d := Detail{Status: s.Status(e)}
	var err error
	d.History, d.More, err = s.History(e, limit)
	if err != nil {
		s.logErr(fmt.Errorf("%s: reading %s: %w", e.Name, place.LogFile, err))
	}
	return d
}

// Diff is what changed between two deploys: the record of
// deploy_manifest --diff --log --json, plus warnings about repos whose
// commits could not be counted.
type Diff struct {
	From     string        `json:"from"`
	To       string        `json:"to"`
	Repos    []tags.Change `json:"repos"`
	Warnings []string      `json:"warnings"`
}

// ErrUnknownTag is returned when no root holds a release of a tag and no
// repo at hand carries it.
var ErrUnknownTag = errors.New("no manifest found for the tag")

// Manifest returns the manifest of tag: from a release of it in one of
// the roots (those of prefer first), else from the repos' annotated tag.
// Tags never move, so the answer is kept.
func (s *Server) Manifest(ctx context.Context, tag string, prefer ...Env) (manifest.Manifest, error) {
	if err := names.ValidTagName(tag); err != nil {
		return nil, err
	}
	m, ok := s.manifests.get(tag)
	if ok {
		return m, nil
	}
	for _, e := range append(prefer, s.o.Envs...) {
		path := filepath.Join(e.Root, place.ReleasesDir, tag, place.ManifestFile)
		got, err := manifest.ReadFile(path, nil)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			s.logErr(fmt.Errorf("%s: %w", e.Name, err))
			continue
		}
		m = got
		break
	}
	if m == nil && s.HasRepos() {
		got, err := tags.TagManifest(ctx, s.o.Git, s.o.Repos, tag)
		if err != nil {
			s.logErr(err)
		}
		m = got
	}
	if m == nil {
		return nil, fmt.Errorf("%w: %s", ErrUnknownTag, tag)
	}
	s.manifests.put(tag, m)
	return m, nil
}

// Diff compares the deploys from and to, repo by repo, with one git
// process per changed repo. A diff whose every repo was counted is kept:
// two tags never change.
func (s *Server) Diff(ctx context.Context, from, to string, prefer ...Env) (*Diff, error) {
	key := [2]string{from, to}
	d, ok := s.diffs.get(key)
	if ok {
		return d, nil
	}
	a, err := s.Manifest(ctx, from, prefer...)
	if err != nil {
		return nil, err
	}
	b, err := s.Manifest(ctx, to, prefer...)
	if err != nil {
		return nil, err
	}
	var repos []basedir.Repo
	if s.HasRepos() {
		repos = s.o.Repos
	}
	changes, warns := tags.Diff(ctx, s.o.Git, repos, a, b, true, s.o.Jobs)
	if changes == nil {
		changes = []tags.Change{}
	}
	d = &Diff{From: from, To: to, Repos: changes, Warnings: []string{}}
	for _, w := range warns {
		d.Warnings = append(d.Warnings, w.Error())
	}
	if len(warns) == 0 {
		s.diffs.put(key, d)
	}
	return d, nil
}

// RootName names the environment of a root given without one: the
// environment its newest deploys.log entry names, else the root's folder
// name.
func RootName(root string) (string, error) {
	for ent, err := range place.Backward(filepath.Join(root, place.LogFile)) {
		if err != nil {
			return "", err
		}
		if names.ValidEnvironment(ent.Environment) == nil {
			return ent.Environment, nil
		}
		break
	}
	name := filepath.Base(root)
	if err := names.ValidEnvironment(name); err != nil {
		return "", fmt.Errorf("cannot name the environment of root %s: its deploys.log names none and its folder name is not one", root)
	}
	return name, nil
}
