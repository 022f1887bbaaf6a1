package tags

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/manifest"
)

// Copy is one repo's copy of a deploy tag: what its refs/tags/TAG is, read
// by ReadCopy with one git process. A Copy holds no manifest: every copy
// records the manifest of every repo, so keeping one per repo would make
// memory grow with the square of the repo count. It keeps the manifest's
// hash; Copies keeps one manifest.
type Copy struct {
	Repo basedir.Repo
	Tag  string
	// Err is why the repo could not be read; nothing below is set then.
	Err     error
	Missing bool // the repo has no tag of that name
	// Lightweight: the tag names a commit (or another object), not a tag
	// object, so it records no manifest.
	Lightweight bool
	Object      string // the object the tag names: the tag object when annotated
	Commit      string // the commit it points at ("" if it points at none)
	Tree        string // that commit's tree
	// TagSum and CommitSum are the SHA-256 of the raw tag and commit
	// objects (a release's proof holds them byte for byte).
	TagSum, CommitSum [sha256.Size]byte
	Signed            bool // the tag message carries a signature block
	// MessageErr says why the message of an annotated tag is not a
	// manifest; ManifestSum is the SHA-256 of the canonical manifest it
	// records when it is one.
	MessageErr  error
	ManifestSum [sha256.Size]byte
}

// Records reports whether c records a manifest: the repo carries the tag,
// annotated, and its message is a manifest.
func (c *Copy) Records() bool {
	return c.Err == nil && !c.Missing && !c.Lightweight && c.MessageErr == nil
}

// The words for what is wrong with a copy of a tag, the same in every
// tool. None names the repo: a tool names it its own way (basedir.Wrap,
// or the line of verify_deploy_tag's report).

func missingErr(tag string) error { return fmt.Errorf("tag %s is missing", tag) }

func lightweightErr(tag string) error {
	return fmt.Errorf("tag %s is a lightweight tag, not a deploy tag", tag)
}

func messageErr(tag string, err error) error {
	return fmt.Errorf("message of tag %s is not a manifest: %w", tag, err)
}

func movedErr(tag, at, want string) error {
	return fmt.Errorf("tag %s is at commit %s, but the manifest records %s", tag, short(at), short(want))
}

func disagreeErr(tag, ref string) error {
	return fmt.Errorf("tag %s records a manifest different from the one in %s", tag, ref)
}

func notNamedErr(tag string) error {
	return fmt.Errorf("carries tag %s, but its manifest does not name this repo", tag)
}

// NotInBasedir is said of a repo the tag's manifest names that is not
// among the repos read.
func NotInBasedir(tag string) error { return fmt.Errorf("repo of tag %s is not in the basedir", tag) }

func inNoRepoErr(tag string) error { return fmt.Errorf("tag %s is in no repo of the basedir", tag) }

// recorded is the one rule for what a copy of tag records: only an
// annotated tag (objType "tag") records a manifest, in its message.
func recorded(tag, objType, msg string) (manifest.Manifest, error) {
	if objType != "tag" {
		return nil, lightweightErr(tag)
	}
	m, err := manifest.ParseTagMessage(tag, msg, "tag message")
	if err != nil {
		return nil, messageErr(tag, err)
	}
	return m, nil
}

// ReadCopy reads r's copy of tag with one git process (cat-file --batch:
// the tag's object and the commit it points at, with their contents). The
// manifest the message records comes back apart from the copy, for the
// caller to keep or drop; nil when the copy records none.
func ReadCopy(ctx context.Context, g *git.Runner, r basedir.Repo, tag string) (Copy, manifest.Manifest) {
	c := Copy{Repo: r, Tag: tag}
	ref := "refs/tags/" + tag
	objs, err := g.ReadObjects(ctx, r.Path, ref, ref+"^{commit}")
	if err != nil {
		c.Err = err
		return c, nil
	}
	tagObj, commit := objs[0], objs[1]
	if tagObj.Missing {
		c.Missing = true
		return c, nil
	}
	c.Object = tagObj.Oid
	if !commit.Missing {
		c.Commit, c.CommitSum = commit.Oid, sha256.Sum256(commit.Contents)
		if c.Tree, err = treeOf(commit.Contents); err != nil {
			c.Err = fmt.Errorf("commit %s: %w", commit.Oid, err)
			return c, nil
		}
	}
	if tagObj.Type != "tag" {
		c.Lightweight = true
		return c, nil
	}
	c.TagSum = sha256.Sum256(tagObj.Contents)
	_, msg, ok := strings.Cut(string(tagObj.Contents), "\n\n")
	if !ok {
		c.MessageErr = messageErr(tag, errors.New("the tag object has no message"))
		return c, nil
	}
	c.Signed = strings.Contains(msg, "-----BEGIN ")
	m, err := recorded(tag, tagObj.Type, msg)
	if err != nil {
		c.MessageErr = err
		return c, nil
	}
	c.ManifestSum = sha256.Sum256(m.Canonical())
	return c, m
}

// treeOf reads the tree a raw commit object names on its first line.
func treeOf(commit []byte) (string, error) {
	line, _, _ := bytes.Cut(commit, []byte{'\n'})
	tree, ok := bytes.CutPrefix(line, []byte("tree "))
	if !ok || !git.IsOid(string(tree)) {
		return "", errors.New("no tree on its first line")
	}
	return string(tree), nil
}

// Problems says what is wrong with c as a copy of a deploy tag whose
// manifest records commit want for c's repo (want "": it records none):
// the repo could not be read, or the tag is missing, lightweight or its
// message not a manifest (at most one of these); and the tag points at a
// commit other than want. None names the repo.
func (c *Copy) Problems(want string) []error {
	var p []error
	switch {
	case c.Err != nil:
		return []error{c.Err}
	case c.Missing:
		return []error{missingErr(c.Tag)}
	case c.Lightweight:
		p = append(p, lightweightErr(c.Tag))
	case c.MessageErr != nil:
		p = append(p, c.MessageErr)
	}
	if want != "" && c.Commit != want {
		p = append(p, movedErr(c.Tag, c.Commit, want))
	}
	return p
}

// Copies is the copy of one deploy tag in each of a set of repos, and the
// manifest the tag records.
type Copies struct {
	Tag string
	All []Copy // one per repo, in the order of the repos given
	// Manifest is the manifest recorded by the first copy (in All's
	// order) that records one, All[From]; nil, and From -1, if none does.
	Manifest manifest.Manifest
	From     int

	index map[string]int // by repo name, made by Find
}

// ReadCopies reads the copy of tag in every repo, with one git process per
// repo, at most jobs at once (basedir.Fanout: a repo that cannot be read
// has its Err set and never stops or blames another). Only the first
// manifest (in repos order) is kept. The error is for an interruption
// (ctx) only.
func ReadCopies(ctx context.Context, g *git.Runner, repos []basedir.Repo, tag string, jobs int) (*Copies, error) {
	s := &Copies{Tag: tag, All: make([]Copy, len(repos)), From: -1}
	var mu sync.Mutex
	err := basedir.Fanout{Jobs: jobs}.Each(ctx, len(repos), func(i int) string { return repos[i].Name }, func(ctx context.Context, i int) error {
		c, m := ReadCopy(ctx, g, repos[i], tag)
		s.All[i] = c
		if m != nil {
			mu.Lock()
			s.keep(i, m)
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, ctx.Err()
}

// keep makes m, recorded by copy i, the manifest if no copy before i
// records one; copies come in in any order.
func (s *Copies) keep(i int, m manifest.Manifest) {
	if s.Manifest == nil || i < s.From {
		s.Manifest, s.From = m, i
	}
}

// FirstManifest reads the copies of tag in repos one at a time, in order,
// and stops at the first that records a manifest: the cheap way to learn
// a tag's manifest. All holds the copies read.
func FirstManifest(ctx context.Context, g *git.Runner, repos []basedir.Repo, tag string) *Copies {
	s := &Copies{Tag: tag, From: -1}
	for _, r := range repos {
		if ctx.Err() != nil {
			break
		}
		c, m := ReadCopy(ctx, g, r, tag)
		s.All = append(s.All, c)
		if m != nil {
			s.keep(len(s.All)-1, m)
			break
		}
	}
	return s
}

// ManifestErr says why there is no manifest, or nil if there is one: the
// tag is in no repo, or each copy that could be read records none (each
// named by its repo, as is each repo that could not be read).
func (s *Copies) ManifestErr() error {
	if s.Manifest != nil {
		return nil
	}
	var errs []error
	for i := range s.All {
		if s.All[i].Missing {
			continue
		}
		for _, err := range s.All[i].Problems("") {
			errs = append(errs, basedir.Wrap(s.All[i].Repo.Name, err))
		}
	}
	if len(errs) == 0 {
		return inNoRepoErr(s.Tag)
	}
	return errors.Join(errs...)
}

// ReadErr joins the failures to read a repo, each naming it, or is nil.
func (s *Copies) ReadErr() error {
	var errs []error
	for _, c := range s.All {
		if c.Err != nil {
			errs = append(errs, basedir.Wrap(c.Repo.Name, c.Err))
		}
	}
	return errors.Join(errs...)
}

// Find returns the index in All of the copy of the repo named name, or -1.
func (s *Copies) Find(name string) int {
	if s.index == nil {
		s.index = make(map[string]int, len(s.All))
		for i := range s.All {
			s.index[s.All[i].Repo.Name] = i
		}
	}
	if i, ok := s.index[name]; ok {
		return i
	}
	return -1
}

// Problems says what is wrong with copy i against the manifest (which
// must be set): Copy.Problems with the commit the manifest records for its
// repo; a copy in a repo the manifest does not name; a copy recording
// another manifest than All[From]. None names the repo.
func (s *Copies) Problems(i int) []error {
	c := &s.All[i]
	want, named := s.Manifest.Lookup(c.Repo.Name)
	p := c.Problems(want)
	if !named && !c.Missing && c.Err == nil {
		p = append(p, notNamedErr(s.Tag))
	}
	if c.Records() && c.ManifestSum != s.All[s.From].ManifestSum {
		p = append(p, disagreeErr(s.Tag, s.All[s.From].Repo.Name))
	}
	return p
}

// Check is the check of a tag before it is used: it returns the repos the
// manifest names, in its order, once every one is among the copies read
// and its copy has no Problems; else every problem, each naming its repo.
func (s *Copies) Check() ([]basedir.Repo, error) {
	if err := s.ManifestErr(); err != nil {
		return nil, err
	}
	var errs []error
	repos := make([]basedir.Repo, 0, len(s.Manifest))
	for _, e := range s.Manifest {
		i := s.Find(e.Name)
		if i < 0 {
			errs = append(errs, basedir.Wrap(e.Name, NotInBasedir(s.Tag)))
			continue
		}
		p := s.Problems(i)
		for _, err := range p {
			errs = append(errs, basedir.Wrap(e.Name, err))
		}
		if len(p) == 0 {
			repos = append(repos, s.All[i].Repo)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return repos, nil
}
