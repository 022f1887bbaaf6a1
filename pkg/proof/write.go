package proof

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/deploytag/deploytag/pkg/gitobj"
)

// Writer writes the proof folder of a release being built. Repos may be
// written in parallel, each by one goroutine; AddObject may be called from
// any goroutine.
type Writer struct {
	dir string // <release>/DEPLOY_PROOF
}

// Create makes <release>/DEPLOY_PROOF, which must not exist, and writes
// its FORMAT file.
func Create(release string) (*Writer, error) {
	dir := filepath.Join(release, Dir)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	w := &Writer{dir: dir}
	if err := writeNew(filepath.Join(dir, FormatFile), []byte(FormatLine)); err != nil {
		return nil, err
	}
	return w, nil
}

// WriteRepo writes a repo's tag, commit, tree and record after checking
// them as the reader will: the tag names the commit (by hash), the commit
// names the tree, the record is well formed. Submodule commits and tree
// objects are added with AddObject, before or after.
func (w *Writer) WriteRepo(r Repo) error {
	if err := checkRepo(&r); err != nil {
		return fmt.Errorf("proof of %s: %w", r.Name, err)
	}
	rec, err := MarshalRecord(&r.Record)
	if err != nil {
		return err
	}
	dir := filepath.Join(w.dir, r.Name)
	if err := os.MkdirAll(filepath.Join(dir, ObjectsDir), 0o755); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		b    []byte
	}{{TagFile, r.Tag}, {CommitFile, r.Commit}, {TreeFile, []byte(r.Tree + "\n")}, {RecordFile, rec}} {
		if err := writeNew(filepath.Join(dir, f.name), f.b); err != nil {
			return err
		}
	}
	return nil
}

// AddObject writes a raw object of the repo's proof under objects/<hash>
// and returns the hash. Writing an object already there is a no-op.
func (w *Writer) AddObject(repo string, f gitobj.Format, typ string, raw []byte) (string, error) {
	h := gitobj.HashBytes(f, typ, raw)
	dir := filepath.Join(w.dir, repo, ObjectsDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	err := writeNew(filepath.Join(dir, h), raw)
	if errors.Is(err, os.ErrExist) {
		err = nil
	}
	return h, err
}

// MarshalRecord is the record.json bytes: indented, every key present,
// empty lists as [].
func MarshalRecord(r *Record) ([]byte, error) {
	c := *r
	if c.Submodules == nil {
		c.Submodules = []Submodule{}
	}
	if c.LFS == nil {
		c.LFS = []LFSFile{}
	}
	if c.Export != nil {
		e := *c.Export
		if e.Ignored == nil {
			e.Ignored = []Ignored{}
		}
		if e.Substituted == nil {
			e.Substituted = []Substituted{}
		}
		c.Export = &e
	}
	if err := c.Check(); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&c); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// checkRepo is what both the writer and the reader require of a repo's
// proof, beyond the record: the tag parses and names the commit object,
// which parses and names the tree.
func checkRepo(r *Repo) error {
	f, err := gitobj.ParseFormat(string(r.Record.ObjectFormat))
	if err != nil {
		return err
	}
	t, err := gitobj.ParseTag(f, r.Tag)
	if err != nil {
		return err
	}
	c, err := gitobj.ParseCommit(f, r.Commit)
	if err != nil {
		return err
	}
	if t.Type != gitobj.TypeCommit {
		return fmt.Errorf("tag names a %s, not a commit", t.Type)
	}
	if h := gitobj.HashBytes(f, gitobj.TypeCommit, r.Commit); h != t.Object {
		return fmt.Errorf("commit object hashes to %s, but the tag names %s", h, t.Object)
	}
	if c.Tree != r.Tree {
		return fmt.Errorf("tree %s, but the commit names %s", r.Tree, c.Tree)
	}
	return nil
}

func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
