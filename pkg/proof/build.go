package proof

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/deploytag/deploytag/pkg/gitobj"
)

// Names in a repo's proof folder beside the files of the tag: the
// signature of its build record, and the shared links made where the
// release was installed.
const (
	BuildSigFile = "build.sig"
	SharedFile   = "shared"

	// BuildNamespace is the ssh-keygen -Y namespace of build-record
	// signatures, so that no other signature by the same key (a git tag's,
	// namespace "git") can pass for one.
	BuildNamespace = "deploytag-build@deploytag"
)

// Build is the record of an environment's build: what ran, when and
// where, and every path it added to the repo's folder. The tag's
// signature does not cover it: the files it lists are checked to it, and
// it may carry a signature of its own (build.sig).
type Build struct {
	Argv    []string `json:"argv"`
	Workdir string   `json:"workdir"` // relative to the release; "" for the release itself
	Time    string   `json:"time"`    // RFC 3339, UTC
	Host    string   `json:"host"`
	User    string   `json:"user"`
	Added   []Output `json:"added"` // sorted by path
}

// Output is one path a build added: a file (100644, 100755) or symlink
// (120000) with its blob hash, or a folder left empty (040000, the empty
// tree's hash).
type Output struct {
	Path string `json:"path"`
	Mode string `json:"mode"`
	Hash string `json:"hash"`
}

// check checks a build record on its own.
func (b *Build) check(f gitobj.Format) error {
	if len(b.Argv) == 0 || b.Argv[0] == "" {
		return errors.New("build.argv must name a program")
	}
	if _, err := time.Parse(time.RFC3339, b.Time); err != nil {
		return fmt.Errorf("build.time %q is not RFC 3339", b.Time)
	}
	if b.Workdir != "" && (b.Workdir != path.Clean(b.Workdir) || path.IsAbs(b.Workdir) || strings.HasPrefix(b.Workdir, "..")) {
		return fmt.Errorf("build.workdir %q is not a clean relative path", b.Workdir)
	}
	if b.Added == nil {
		return errors.New("build.added must be an array")
	}
	for i, o := range b.Added {
		if err := checkPath("build.added", i, o.Path, prevPath(b.Added, i, func(o Output) string { return o.Path })); err != nil {
			return err
		}
		m, err := gitobj.ParseMode(o.Mode)
		if err != nil || (m != gitobj.ModeFile && m != gitobj.ModeExec && m != gitobj.ModeSymlink && m != gitobj.ModeTree) {
			return fmt.Errorf("build.added[%d] (%s): mode %q is not a file's, symlink's or folder's", i, o.Path, o.Mode)
		}
		if err := f.ValidHash(o.Hash); err != nil {
			return fmt.Errorf("build.added[%d] (%s): hash %w", i, o.Path, err)
		}
	}
	return nil
}

// BuildPayload is what a build record's signature signs: a header naming
// the tag and the repo, so that a signature cannot be moved to another
// release or repo, then the record as record.json holds it.
func BuildPayload(tag, repo string, b *Build) ([]byte, error) {
	rec, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	return []byte(fmt.Sprintf("deploytag build record 1\ntag %s\nrepo %s\n\n%s\n", tag, repo, rec)), nil
}

// SetBuild puts b into the record.json of repo in the release's proof,
// written anew whole (a temporary file renamed over it).
func SetBuild(release, repo string, b *Build) error {
	r := &Reader{release: release}
	rel := Rel(repo, RecordFile)
	raw, err := r.read(rel, maxRecord)
	if err != nil {
		return err
	}
	var rec Record
	if err := UnmarshalRecord(raw, &rec); err != nil {
		return &Error{File: rel, Kind: Malformed, Why: err.Error()}
	}
	rec.Build = b
	out, err := MarshalRecord(rec)
	if err != nil {
		return err
	}
	return replaceFile(filepath.Join(release, rel), out)
}

// WriteBuildSig writes the signature of a repo's build record.
func WriteBuildSig(release, repo string, sig []byte) error {
	return replaceFile(filepath.Join(release, Dir, repo, BuildSigFile), sig)
}

// ReadBuildSig reads the signature of a repo's build record; ok is false
// when there is none.
func (r *Reader) ReadBuildSig(repo string) (sig []byte, ok bool, err error) {
	b, err := r.read(Rel(repo, BuildSigFile), 64<<10)
	if pe, isProof := IsProof(err); isProof && pe.Kind == Missing {
		return nil, false, nil
	}
	return b, err == nil, err
}

// WriteShared records, in a repo's proof folder, the paths of the repo's
// folder that are shared links (a folder's with a trailing /), made where
// the release was installed; none removes the file.
func WriteShared(release, repo string, paths []string) error {
	p := filepath.Join(release, Dir, repo, SharedFile)
	if len(paths) == 0 {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	paths = slices.Clone(paths)
	slices.Sort(paths)
	return replaceFile(p, []byte(strings.Join(paths, "\n")+"\n"))
}

// Shared reads the shared links a repo's proof folder records, sorted;
// none when the file is missing.
func (r *Reader) Shared(repo string) ([]string, error) {
	rel := Rel(repo, SharedFile)
	b, err := r.read(rel, 1<<20)
	if pe, isProof := IsProof(err); isProof && pe.Kind == Missing {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for i, l := range lines {
		p := strings.TrimSuffix(l, "/")
		if err := checkPath("shared", i, p, ""); err != nil || (i > 0 && lines[i-1] >= l) {
			return nil, &Error{File: rel, Kind: Malformed, Why: fmt.Sprintf("line %d: %q is not a clean relative path after the one before", i+1, l)}
		}
	}
	return lines, nil
}

// replaceFile writes data to path through a temporary file beside it,
// renamed over it: never through a symlink, never half written.
func replaceFile(p string, data []byte) error {
	tmp := p + ".tmp"
	os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
