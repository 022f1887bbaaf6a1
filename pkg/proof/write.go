package proof

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"syscall"

	"github.com/deploytag/deploytag/pkg/gitobj"
)

// Init makes DEPLOY_PROOF/ and its FORMAT file in the release folder.
func Init(release string) error {
	dir := filepath.Join(release, Dir)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	return writeNew(filepath.Join(dir, FormatFile), []byte(Format))
}

// Write writes the proof of one repo under the release's DEPLOY_PROOF/,
// which Init made. Nothing is overwritten.
func Write(release string, r Repo) error {
	if r.Name == "" || r.Name != filepath.Base(r.Name) || r.Name == "." || r.Name == ".." {
		return fmt.Errorf("proof: invalid repo name %q", r.Name)
	}
	dir := filepath.Join(release, Dir, r.Name)
	// AddObject may have made the folder (and objects/) already.
	if err := mkdir(dir); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	rec, err := MarshalRecord(r.Record)
	if err != nil {
		return err
	}
	if err := checkRepo(&r); err != nil {
		return fmt.Errorf("proof of %s: %w", r.Name, err)
	}
	files := []struct {
		name string
		data []byte
	}{
		{TagFile, r.Tag},
		{CommitFile, r.Commit},
		{TreeFile, []byte(r.Tree + "\n")},
		{RecordFile, rec},
	}
	for _, f := range files {
		if err := writeNew(filepath.Join(dir, f.name), f.data); err != nil {
			return err
		}
	}
	if len(r.Objects) == 0 {
		return nil
	}
	if err := mkdir(filepath.Join(dir, ObjectsDir)); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	hashes := make([]string, 0, len(r.Objects))
	for h := range r.Objects {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	f := gitobj.Format(r.Record.ObjectFormat)
	for _, h := range hashes {
		if !isHex(h) || (len(h) != 40 && len(h) != 64) {
			return fmt.Errorf("proof: invalid object name %q", h)
		}
		raw := r.Objects[h]
		if gitobj.HashBytes(f, gitobj.TypeCommit, raw) != h && gitobj.HashBytes(f, gitobj.TypeTree, raw) != h &&
			gitobj.HashBytes(f, gitobj.TypeBlob, raw) != h {
			return fmt.Errorf("proof of %s: object %s is no commit, tree or blob object of that hash", r.Name, h)
		}
		if err := writeNew(filepath.Join(dir, ObjectsDir, h), r.Objects[h]); err != nil {
			return err
		}
	}
	return nil
}

// byPath sorts list by path and returns it, [] when empty (never null).
func byPath[T any](list []T, path func(T) string) []T {
	if list == nil {
		return []T{}
	}
	sort.Slice(list, func(i, j int) bool { return path(list[i]) < path(list[j]) })
	return list
}

// MarshalRecord is record.json's bytes: lists sorted by path, [] for an
// empty list, indented, ending in a newline.
func MarshalRecord(r Record) ([]byte, error) {
	if r.ObjectFormat != "sha1" && r.ObjectFormat != "sha256" {
		return nil, fmt.Errorf("proof: unknown object format %q", r.ObjectFormat)
	}
	r.Submodules = byPath(r.Submodules, func(s Submodule) string { return s.Path })
	r.LFS = byPath(r.LFS, func(f LFSFile) string { return f.Path })
	if r.Export != nil {
		e := *r.Export
		e.Ignored = byPath(e.Ignored, func(i Ignored) string { return i.Path })
		e.Substituted = byPath(e.Substituted, func(s Substituted) string { return s.Path })
		for i := range e.Substituted {
			if e.Substituted[i].Recorded == nil {
				e.Substituted[i].Recorded = []Recorded{}
			}
		}
		r.Export = &e
	}
	if err := r.Check(); err != nil {
		return nil, fmt.Errorf("proof: record: %w", err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func mkdir(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	return os.Chmod(dir, 0o755) // past the umask
}

func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	return errors.Join(err, f.Close())
}

func isHex(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return s != ""
}

// AddObject writes a raw object of type typ (a tree, or a submodule's
// commit) to the proof of repo in the release, as objects/<hash>, and
// returns the hash: for a writer that streams objects rather than holding
// them in Repo.Objects. Writing an object already there is a no-op.
func AddObject(release, repo string, f gitobj.Format, typ string, raw []byte) (string, error) {
	h := gitobj.HashBytes(f, typ, raw)
	dir := filepath.Join(release, Dir, repo, ObjectsDir)
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := mkdir(d); err != nil && !errors.Is(err, os.ErrExist) {
			return "", err
		}
	}
	err := writeNew(filepath.Join(dir, h), raw)
	if errors.Is(err, os.ErrExist) {
		err = nil
	}
	return h, err
}

// checkRepo is what both the writer and the reader require of a repo's
// proof beyond the record: the tag parses and names the commit object by
// its hash, and the commit parses and names the tree.
func checkRepo(r *Repo) error {
	f, err := gitobj.ParseFormat(r.Record.ObjectFormat)
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
