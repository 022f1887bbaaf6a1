package git

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// TagCertainlyAbsent reports whether refs/tags/NAME is certainly absent
// from the repo at workTree, with no lock file for it either, by reading
// the ref store's files instead of starting git: no loose ref, no
// refs/tags/NAME.lock, no line for it (nor for a ref below it, which
// would keep git from making it) in packed-refs. It answers false
// whenever it cannot be sure (another ref backend such as reftable, an
// unreadable file, the ref or its lock present): the caller then asks git,
// which gives the exact answer and the exact error. name must already have
// passed names.ValidTagName.
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
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	if fi.Size() == 0 {
		return true
	}
	// Mapped, not read: a lookup touches a few pages however many tags
	// the repo has, as git's own lookup does.
	data, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return false
	}
	defer syscall.Munmap(data)
	found, ok := packedRefsHas(data, "refs/tags/"+name)
	// a ref below it (refs/tags/NAME/x) would keep git from making it
	return ok && !found && !bytes.Contains(data, []byte(" refs/tags/"+name+"/"))
}

// ReadRef returns the object ref (a full name under refs/, already
// grammar-checked) names in the repo at workTree, read from the ref
// store's files instead of asking git: its loose file, else its line in
// packed-refs. ok is false whenever the files do not give a certain
// answer (another ref backend, a symbolic ref, a lock on it, content this
// reader does not take, or no such ref at all, which git then words):
// the caller asks git.
func ReadRef(workTree, ref string) (oid string, ok bool) {
	_, common, err := GitDir(workTree)
	if err != nil || !filesBackend(common) || !strings.HasPrefix(ref, "refs/") {
		return "", false
	}
	loose := filepath.Join(common, filepath.FromSlash(ref))
	if _, err := os.Lstat(loose + ".lock"); !errors.Is(err, os.ErrNotExist) {
		return "", false
	}
	b, err := os.ReadFile(loose)
	switch {
	case err == nil:
		oid := strings.TrimSuffix(string(b), "\n")
		return oid, IsOid(oid)
	case !errors.Is(err, os.ErrNotExist):
		return "", false
	}
	data, err := os.ReadFile(filepath.Join(common, "packed-refs"))
	if err != nil {
		return "", false
	}
	oid, found, ok := packedRefsFind(data, ref)
	return oid, ok && found && IsOid(oid)
}

// packedRefsHas looks ref up in the contents of a packed-refs file: lines
// "OID SP REFNAME", each optionally followed by a "^OID" peeled line, after
// an optional "# pack-refs with: TRAITS" header. With the "sorted" trait
// (written by every git since 2.19 and earlier ones' pack-refs) it
// binary-searches; otherwise it scans. ok is false for content it does not
// understand.
func packedRefsHas(data []byte, ref string) (found, ok bool) {
	_, found, ok = packedRefsFind(data, ref)
	return found, ok
}

// packedRefsFind is packedRefsHas that also returns the ref's object id.
func packedRefsFind(data []byte, ref string) (oid string, found, ok bool) {
	sorted := false
	if bytes.HasPrefix(data, []byte("# pack-refs with:")) {
		nl := bytes.IndexByte(data, '\n')
		if nl < 0 {
			return "", false, false
		}
		for _, trait := range bytes.Fields(data[len("# pack-refs with:"):nl]) {
			sorted = sorted || string(trait) == "sorted"
		}
		data = data[nl+1:]
	}
	// name returns the refname of the record line starting at i and the
	// start of the next line.
	name := func(i int) (string, int, bool) {
		end := bytes.IndexByte(data[i:], '\n')
		if end < 0 {
			end = len(data) - i
		}
		line := data[i : i+end]
		sp := bytes.IndexByte(line, ' ')
		if sp < 0 || line[0] == '^' || line[0] == '#' {
			return "", 0, false
		}
		oid = string(line[:sp])
		return string(line[sp+1:]), i + end + 1, true
	}
	if !sorted {
		for i := 0; i < len(data); {
			if data[i] == '^' {
				nl := bytes.IndexByte(data[i:], '\n')
				if nl < 0 {
					break
				}
				i += nl + 1
				continue
			}
			n, next, ok := name(i)
			if !ok {
				return "", false, false
			}
			if n == ref {
				return oid, true, true
			}
			i = next
		}
		return "", false, true
	}
	lo, hi := 0, len(data) // both at record starts (or the end)
	for lo < hi {
		mid := lo + (hi-lo)/2
		start := lo
		if k := bytes.LastIndexByte(data[lo:mid], '\n'); k >= 0 {
			start = lo + k + 1
		}
		for start > lo && data[start] == '^' { // a peeled line: its record is just above
			prev := lo
			if k := bytes.LastIndexByte(data[lo:start-1], '\n'); k >= 0 {
				prev = lo + k + 1
			}
			start = prev
		}
		n, next, ok := name(start)
		if !ok {
			return "", false, false
		}
		switch {
		case n == ref:
			return oid, true, true
		case n < ref:
			for next < hi && data[next] == '^' {
				nl := bytes.IndexByte(data[next:], '\n')
				if nl < 0 {
					next = hi
					break
				}
				next += nl + 1
			}
			lo = next
		default:
			hi = start
		}
	}
	return "", false, true
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
