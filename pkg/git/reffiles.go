package git

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
)

// TagCertainlyAbsent reports whether refs/tags/NAME is certainly absent
// from the repo at workTree, with no lock file for it either, by reading
// the ref store's files instead of starting git: no loose ref, no
// refs/tags/NAME.lock, no line for it in packed-refs. It answers false
// whenever it cannot be sure (another ref backend such as reftable, an
// unreadable file, the ref or its lock present): the caller then asks git,
// which gives the exact answer and the exact error. name must already have
// passed deploytag.ValidTagName.
//
// It exists so that tagging a freshly named deploy tag needs no git
// process to learn that the name is free.
func TagCertainlyAbsent(workTree, name string) bool {
	_, common, err := GitDir(workTree)
	if err != nil || !filesBackend(common) {
		return false
	}
	ref := filepath.Join(common, "refs", "tags", name)
	for _, p := range []string{ref, ref + ".lock"} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			return false
		}
	}
	f, err := os.Open(filepath.Join(common, "packed-refs"))
	if errors.Is(err, os.ErrNotExist) {
		return true
	}
	if err != nil {
		return false
	}
	defer f.Close()
	// Lines are "OID SP REFNAME" (or "^OID" peeled, or "# header"); read
	// them one at a time so a huge packed-refs costs no memory.
	want := []byte(" refs/tags/" + name)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if bytes.HasSuffix(sc.Bytes(), want) && len(sc.Bytes()) == bytes.IndexByte(sc.Bytes(), ' ')+len(want) {
			return false
		}
	}
	return sc.Err() == nil
}

// filesBackend reports whether the repo whose common dir is given stores
// refs as files (loose refs and packed-refs), the only backend
// TagCertainlyAbsent reads. Any mention of a ref storage extension, or a
// reftable folder, means another backend.
func filesBackend(common string) bool {
	if _, err := os.Lstat(filepath.Join(common, "reftable")); !errors.Is(err, os.ErrNotExist) {
		return false
	}
	cfg, err := os.ReadFile(filepath.Join(common, "config"))
	if err != nil {
		return false
	}
	return !bytes.Contains(bytes.ToLower(cfg), []byte("refstorage"))
}
