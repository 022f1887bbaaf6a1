// Package proof is the format of DEPLOY_PROOF/, the folder every release
// carries so that a host with no repos and no git can check the chain
// tag -> commit -> tree -> files (docs/proof.md):
//
//	DEPLOY_PROOF/
//	  FORMAT                 "deploytag-proof 1\n"
//	  <repo>/tag             the raw annotated tag object
//	  <repo>/commit          the raw commit object the tag names
//	  <repo>/tree            the commit's tree hash, hex, then "\n"
//	  <repo>/record.json     what the verifier needs beyond the tree
//	  <repo>/objects/<hash>  raw objects, content-addressed: the tree objects
//	                         of the deployed trees, the commit objects of
//	                         submodule commits, and for a repo opted into
//	                         export attributes the blobs of its
//	                         .gitattributes files and export-subst sources
//
// The types, the writer and the reader live here; the export writes a
// release's proof through them, the verifier reads it back. The writer
// checks what it writes as the reader will (the tag names the commit by
// its hash, the commit names the tree, the record is well formed). The
// reader is strict: a file missing, an unknown key, a path out of order,
// a hash of the wrong length, an object that does not hash to its name,
// each is an *Error naming the file and saying which it is (missing,
// malformed, tampered with). The package reads and writes files only.
package proof

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/place"
)

// Names inside a release.
const (
	Dir        = place.ProofDir
	FormatFile = "FORMAT"
	Format     = "deploytag-proof 1\n"

	TagFile    = "tag"
	CommitFile = "commit"
	TreeFile   = "tree"
	RecordFile = "record.json"
	ObjectsDir = "objects"

	maxObject   = 64 << 20 // no raw commit, tag or tree object is near this
	maxRecord   = 256 << 20
	maxTreeLine = 65
)

// Record is record.json: what a verifier needs beyond the tree. Paths are
// relative to the repo's folder, '/'-separated; every list is sorted by
// path and written as [] when empty.
type Record struct {
	ObjectFormat string      `json:"object_format"` // "sha1" or "sha256"
	Submodules   []Submodule `json:"submodules"`
	LFS          []LFSFile   `json:"lfs"`
	Export       *Export     `json:"export"` // nil unless the repo opts into export attributes
	// Build is nil unless the environment builds: what its build added
	// to this repo's folder. The key is written only when set, so the
	// proof of a release that builds nothing is what it always was.
	Build *Build `json:"build,omitempty"`
}

// Submodule is one gitlink deployed as the files of its commit; nested
// submodules are listed with their full path.
type Submodule struct {
	Path   string `json:"path"`
	Commit string `json:"commit"`
}

// LFSFile is a file whose tagged blob is a Git LFS pointer and whose
// deployed content is the object the pointer names.
type LFSFile struct {
	Path    string `json:"path"`
	Pointer string `json:"pointer"` // the raw pointer text, exactly as stored
}

// Export records what export attributes changed in an opted-in repo.
type Export struct {
	Ignored     []Ignored     `json:"ignored"`
	Substituted []Substituted `json:"substituted"`
}

// Ignored is an export-ignore entry left out of the release.
type Ignored struct {
	Path string `json:"path"`
	Mode string `json:"mode"` // as in the tree: "040000", "100644", ...
	Hash string `json:"hash"` // tree or blob hash as in the tagged tree
}

// Substituted is an export-subst file written with its placeholders
// expanded: the expansion of its tagged blob (in objects/) for the tagged
// commit, computed from the commit (pkg/subst) but for the spans in
// Recorded, which git answered when the release was made.
type Substituted struct {
	Path     string     `json:"path"`
	Mode     string     `json:"mode"`
	Tagged   string     `json:"tagged"`   // the blob hash in the tree
	Deployed string     `json:"deployed"` // the blob hash of the bytes written
	Recorded []Recorded `json:"recorded"` // in the order of the spans
}

// Recorded is one "$Format:...$" span of an export-subst file whose
// expansion is not a function of the commit (%(describe), refs, ...):
// its format and the text written for it. The tag's signature does not
// cover it; verify shows it.
type Recorded struct {
	Format string `json:"format"`
	Answer string `json:"answer"`
}

// Repo is the proof of one repo of a release.
type Repo struct {
	Name   string
	Tag    []byte // raw annotated tag object
	Commit []byte // raw commit object
	Tree   string // the commit's tree hash
	Record Record
	// Objects are raw objects to write under objects/, by hash: the commit
	// objects of submodule commits and the tree objects of the deployed
	// trees (AddObject writes more one at a time). The reader leaves it
	// nil and reads objects on demand (Reader.Object).
	Objects map[string][]byte
}

// Kind says what is wrong with a proof file.
type Kind string

// The kinds of Error.
const (
	Missing   Kind = "missing"
	Malformed Kind = "malformed"
	Tampered  Kind = "tampered with"
)

// Error is a proof file that cannot be trusted: missing, malformed, or
// not matching what it must match (tampered with).
type Error struct {
	File string // relative to the release: DEPLOY_PROOF/<repo>/<file>
	Kind Kind
	Why  string
}

func (e *Error) Error() string {
	if e.Why == "" {
		return fmt.Sprintf("proof file %s %s", e.File, e.Kind)
	}
	return fmt.Sprintf("proof file %s %s: %s", e.File, e.Kind, e.Why)
}

// IsProof reports whether err is (or wraps) an *Error, and returns it.
func IsProof(err error) (*Error, bool) {
	var pe *Error
	ok := errors.As(err, &pe)
	return pe, ok
}

// Rel is the path of a repo's proof file relative to the release.
func Rel(repo string, elem ...string) string {
	return path.Join(append([]string{Dir, repo}, elem...)...)
}

// Check checks a record on its own: format known, hashes of the format,
// paths clean, relative, sorted and unique in each list, modes known.
func (r *Record) Check() error {
	f, err := gitobj.ParseFormat(r.ObjectFormat)
	if err != nil {
		return err
	}
	if r.Submodules == nil || r.LFS == nil {
		return errors.New("submodules and lfs must be arrays")
	}
	for i, s := range r.Submodules {
		if err := checkPath("submodules", i, s.Path, prevPath(r.Submodules, i, func(s Submodule) string { return s.Path })); err != nil {
			return err
		}
		if err := f.ValidHash(s.Commit); err != nil {
			return fmt.Errorf("submodules[%d] (%s): commit %w", i, s.Path, err)
		}
	}
	for i, l := range r.LFS {
		if err := checkPath("lfs", i, l.Path, prevPath(r.LFS, i, func(l LFSFile) string { return l.Path })); err != nil {
			return err
		}
		if _, err := ParsePointer(l.Pointer); err != nil {
			return fmt.Errorf("lfs[%d] (%s): %w", i, l.Path, err)
		}
	}
	if r.Build != nil {
		if err := r.Build.check(f); err != nil {
			return err
		}
	}
	if r.Export == nil {
		return nil
	}
	if r.Export.Ignored == nil || r.Export.Substituted == nil {
		return errors.New("export.ignored and export.substituted must be arrays")
	}
	for i, e := range r.Export.Ignored {
		if err := checkPath("export.ignored", i, e.Path, prevPath(r.Export.Ignored, i, func(e Ignored) string { return e.Path })); err != nil {
			return err
		}
		if _, err := gitobj.ParseMode(e.Mode); err != nil {
			return fmt.Errorf("export.ignored[%d] (%s): %w", i, e.Path, err)
		}
		if err := f.ValidHash(e.Hash); err != nil {
			return fmt.Errorf("export.ignored[%d] (%s): hash %w", i, e.Path, err)
		}
	}
	for i, s := range r.Export.Substituted {
		if err := checkPath("export.substituted", i, s.Path, prevPath(r.Export.Substituted, i, func(s Substituted) string { return s.Path })); err != nil {
			return err
		}
		if m, err := gitobj.ParseMode(s.Mode); err != nil || (m != gitobj.ModeFile && m != gitobj.ModeExec) {
			return fmt.Errorf("export.substituted[%d] (%s): mode %q is not a file's", i, s.Path, s.Mode)
		}
		for _, h := range []string{s.Tagged, s.Deployed} {
			if err := f.ValidHash(h); err != nil {
				return fmt.Errorf("export.substituted[%d] (%s): %w", i, s.Path, err)
			}
		}
		if s.Recorded == nil {
			return fmt.Errorf("export.substituted[%d] (%s): recorded must be an array", i, s.Path)
		}
		for j, r := range s.Recorded {
			if !utf8.ValidString(r.Format) || !utf8.ValidString(r.Answer) || strings.ContainsRune(r.Format, 0) || strings.ContainsRune(r.Format, '$') {
				return fmt.Errorf("export.substituted[%d] (%s): recorded[%d] is not a span's format and its answer", i, s.Path, j)
			}
		}
	}
	return nil
}

func prevPath[T any](list []T, i int, p func(T) string) string {
	if i == 0 {
		return ""
	}
	return p(list[i-1])
}

func checkPath(list string, i int, p, prev string) error {
	if p == "" || p != path.Clean(p) || path.IsAbs(p) || p == "." || p == ".." || strings.HasPrefix(p, "../") ||
		strings.ContainsAny(p, "\x00\\") {
		return fmt.Errorf("%s[%d]: path %q is not a clean relative path", list, i, p)
	}
	if i > 0 && prev >= p {
		return fmt.Errorf("%s[%d]: path %q is not after %q (paths sorted, once each)", list, i, p, prev)
	}
	return nil
}

// Pointer is a parsed Git LFS pointer.
type Pointer struct {
	Oid  string // sha256, hex
	Size int64
}

// ParsePointer parses the text of a Git LFS pointer (spec v1): a version
// line first, then keys in order, "oid sha256:<hex>" and "size <n>"
// among them.
func ParsePointer(text string) (Pointer, error) {
	var p Pointer
	if !strings.HasSuffix(text, "\n") {
		return p, errors.New("lfs pointer does not end with a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 || lines[0] != "version https://git-lfs.github.com/spec/v1" {
		return p, errors.New("not a git-lfs v1 pointer")
	}
	seenSize := false
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, " ")
		if !ok {
			return p, fmt.Errorf("lfs pointer line %q", clip(l))
		}
		switch k {
		case "oid":
			h, ok := strings.CutPrefix(v, "sha256:")
			if !ok || gitobj.SHA256.ValidHash(h) != nil {
				return p, fmt.Errorf("lfs pointer oid %q", clip(v))
			}
			p.Oid = h
		case "size":
			var n int64
			if _, err := fmt.Sscanf(v, "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != v {
				return p, fmt.Errorf("lfs pointer size %q", clip(v))
			}
			p.Size, seenSize = n, true
		}
	}
	if p.Oid == "" || !seenSize {
		return p, errors.New("lfs pointer without oid or size")
	}
	return p, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}
