package release

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/deploytag/deploytag/pkg/basedir"
)

// lfsPointer is what a Git LFS pointer names: the sha256 and size of the
// real content.
type lfsPointer struct {
	Oid  string
	Size int64
}

// maxPointer is the size git-lfs gives pointer files at most.
const maxPointer = 1024

// parseLFSPointer recognises a Git LFS pointer as git-lfs writes it
// (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md): a version
// line first, then "key value" lines sorted by key, among them
// "oid sha256:<64 hex>" and "size <bytes>", each ending in LF.
func parseLFSPointer(b []byte) (lfsPointer, bool) {
	if len(b) > maxPointer || !bytes.HasSuffix(b, []byte("\n")) {
		return lfsPointer{}, false
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	switch lines[0] {
	case "version https://git-lfs.github.com/spec/v1", "version https://hawser.github.com/spec/v1":
	default:
		return lfsPointer{}, false
	}
	var p lfsPointer
	var haveSize bool
	prev := ""
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, " ")
		if !ok || k == "" || k <= prev || v == "" {
			return lfsPointer{}, false
		}
		prev = k
		switch k {
		case "oid":
			h, ok := strings.CutPrefix(v, "sha256:")
			if !ok || len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
				return lfsPointer{}, false
			}
			p.Oid = h
		case "size":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return lfsPointer{}, false
			}
			p.Size, haveSize = n, true
		}
	}
	return p, p.Oid != "" && haveSize
}

// writeLFS writes the content a pointer names, read from the repo's own
// Git LFS store and checked against the pointer's sha256 and size. An
// object that is not there is recorded as a problem, so that every such
// file is named before the deploy gives up.
func (t *treeExport) writeLFS(full, p, mode string, ptr lfsPointer) error {
	obj := filepath.Join(t.lfsDir, ptr.Oid[0:2], ptr.Oid[2:4], ptr.Oid)
	src, err := os.Open(obj)
	if errors.Is(err, os.ErrNotExist) {
		t.rec.problem("cannot deploy %s: Git LFS object %s is not in the repo; get it with git lfs fetch", full, ptr.Oid)
		return nil
	}
	if err != nil {
		return err
	}
	defer src.Close()
	f, err := create(p, mode, t.chmod)
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(f, h), src, make([]byte, 64<<10))
	if err = errors.Join(err, f.Close()); err != nil {
		return err
	}
	if n != ptr.Size || hex.EncodeToString(h.Sum(nil)) != ptr.Oid {
		t.rec.problem("cannot deploy %s: Git LFS object %s in the repo does not match its pointer (%d bytes, sha256 %x)", full, ptr.Oid, n, h.Sum(nil))
	}
	return nil
}

// problemsError turns the problems of a repo (each a sentence of its
// own) into one error per file or submodule, so that each is named on its
// own line with its repo.
func problemsError(repo string, problems []string) error {
	sort.Strings(problems)
	errs := make([]error, len(problems))
	for i, p := range problems {
		errs[i] = basedir.Errorf(repo, "%s", p)
	}
	return errors.Join(errs...)
}
