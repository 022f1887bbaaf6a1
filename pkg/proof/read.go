package proof

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/deploytag/deploytag/pkg/gitobj"
)

// Reader reads the proof of a release.
type Reader struct {
	release string
}

// Open checks <release>/DEPLOY_PROOF is a folder with the FORMAT this
// package reads.
func Open(release string) (*Reader, error) {
	r := &Reader{release: release}
	fi, err := os.Lstat(filepath.Join(release, Dir))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &Error{File: Dir, Kind: Missing, Why: "the release carries no proof"}
	case err != nil:
		return nil, err
	case !fi.IsDir():
		return nil, &Error{File: Dir, Kind: Malformed, Why: "not a folder"}
	}
	b, err := r.read(filepath.Join(Dir, FormatFile), 256)
	if err != nil {
		return nil, err
	}
	if string(b) != Format {
		return nil, &Error{File: filepath.Join(Dir, FormatFile), Kind: Malformed,
			Why: fmt.Sprintf("%q, want %q", clip(string(b)), Format)}
	}
	return r, nil
}

// Names lists the repo folders of the proof, sorted, and any other entry
// (a file beside FORMAT) as stray.
func (r *Reader) Names() (repos, stray []string, err error) {
	ents, err := os.ReadDir(filepath.Join(r.release, Dir))
	if err != nil {
		return nil, nil, err
	}
	for _, e := range ents {
		switch {
		case e.Name() == FormatFile:
		case e.IsDir():
			repos = append(repos, e.Name())
		default:
			stray = append(stray, e.Name())
		}
	}
	return repos, stray, nil
}

// Repo reads and checks the proof of one repo: every file present and well
// formed, the tag naming the commit object by its hash, the commit naming
// the tree. Whether the tag is the right one (name, manifest) is for the
// caller, who knows them.
func (r *Reader) Repo(name string) (*Repo, error) {
	rp := &Repo{Name: name}
	recFile := Rel(name, RecordFile)
	b, err := r.read(recFile, maxRecord)
	if err != nil {
		return nil, err
	}
	if err := UnmarshalRecord(b, &rp.Record); err != nil {
		return nil, &Error{File: recFile, Kind: Malformed, Why: err.Error()}
	}
	f := gitobj.Format(rp.Record.ObjectFormat)
	if rp.Tag, err = r.read(Rel(name, TagFile), maxObject); err != nil {
		return nil, err
	}
	if rp.Commit, err = r.read(Rel(name, CommitFile), maxObject); err != nil {
		return nil, err
	}
	tb, err := r.read(Rel(name, TreeFile), maxTreeLine)
	if err != nil {
		return nil, err
	}
	rp.Tree = strings.TrimSuffix(string(tb), "\n")
	if err := f.ValidHash(rp.Tree); err != nil || !bytes.HasSuffix(tb, []byte("\n")) {
		return nil, &Error{File: Rel(name, TreeFile), Kind: Malformed, Why: "want one " + string(f) + " hash and a newline"}
	}
	t, err := gitobj.ParseTag(f, rp.Tag)
	if err != nil {
		return nil, &Error{File: Rel(name, TagFile), Kind: Malformed, Why: err.Error()}
	}
	c, err := gitobj.ParseCommit(f, rp.Commit)
	if err != nil {
		return nil, &Error{File: Rel(name, CommitFile), Kind: Malformed, Why: err.Error()}
	}
	if t.Type != gitobj.TypeCommit {
		return nil, &Error{File: Rel(name, TagFile), Kind: Tampered, Why: "it tags a " + t.Type + ", not a commit"}
	}
	if h := gitobj.HashBytes(f, gitobj.TypeCommit, rp.Commit); h != t.Object {
		return nil, &Error{File: Rel(name, CommitFile), Kind: Tampered,
			Why: fmt.Sprintf("it hashes to %s, but the tag names %s", short(h), short(t.Object))}
	}
	if c.Tree != rp.Tree {
		return nil, &Error{File: Rel(name, TreeFile), Kind: Tampered,
			Why: fmt.Sprintf("it says %s, but the commit names %s", short(rp.Tree), short(c.Tree))}
	}
	return rp, nil
}

// Object reads objects/<hash> of a repo's proof and checks that it hashes
// to its name as an object of type typ.
func (r *Reader) Object(repo string, f gitobj.Format, typ, hash string) ([]byte, error) {
	if err := f.ValidHash(hash); err != nil {
		return nil, err
	}
	rel := Rel(repo, ObjectsDir, hash)
	b, err := r.read(rel, maxObject)
	if err != nil {
		return nil, err
	}
	if h := gitobj.HashBytes(f, typ, b); h != hash {
		return nil, &Error{File: rel, Kind: Tampered, Why: fmt.Sprintf("it hashes to %s as a %s", short(h), typ)}
	}
	return b, nil
}

// read reads a regular file of the release, at most max bytes; a missing
// file, a symlink or a file too big is an *Error.
func (r *Reader) read(rel string, max int64) ([]byte, error) {
	f, err := os.OpenFile(filepath.Join(r.release, rel), os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &Error{File: rel, Kind: Missing}
	case errors.Is(err, syscall.ELOOP):
		return nil, &Error{File: rel, Kind: Malformed, Why: "a symlink"}
	case err != nil:
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, &Error{File: rel, Kind: Malformed, Why: "not a regular file"}
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, &Error{File: rel, Kind: Malformed, Why: fmt.Sprintf("larger than %d bytes", max)}
	}
	return b, nil
}

var recordKeys = []string{"build", "export", "lfs", "object_format", "submodules"}

// UnmarshalRecord parses record.json strictly: exactly the four keys and
// "build" when the environment builds, no unknown key at any depth,
// nothing after the object, and Record.Check.
func UnmarshalRecord(b []byte, r *Record) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return err
	}
	var got []string
	for k := range keys {
		got = append(got, k)
	}
	slices.Sort(got)
	if !slices.Equal(got, recordKeys) && !slices.Equal(got, recordKeys[1:]) {
		want := recordKeys[1:]
		if slices.Contains(got, "build") {
			want = recordKeys
		}
		return fmt.Errorf("keys %v, want %v", got, want)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(r); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the record")
	}
	if r.Export != nil && string(bytes.TrimSpace(keys["export"])) != "null" {
		var ek map[string]json.RawMessage
		if err := json.Unmarshal(keys["export"], &ek); err == nil {
			if _, ok := ek["ignored"]; !ok {
				return errors.New("export without ignored")
			}
			if _, ok := ek["substituted"]; !ok {
				return errors.New("export without substituted")
			}
		}
	}
	return r.Check()
}

func short(h string) string { return h[:min(12, len(h))] }

// Contents lists a repo's proof folder beyond the files the format
// defines (tag, commit, tree, record.json): the names under objects/
// that are hashes of the record's object format, sorted, and every other
// entry (a file the format does not define, a folder, a name under
// objects/ that is no such hash, objects/ itself when not a folder) as
// stray, relative to the release, sorted.
func (r *Reader) Contents(repo string, f gitobj.Format) (objects, stray []string, err error) {
	ents, err := os.ReadDir(filepath.Join(r.release, Dir, repo))
	if err != nil {
		return nil, nil, err
	}
	for _, e := range ents {
		switch n := e.Name(); {
		case n == ObjectsDir && e.IsDir():
			objs, err := os.ReadDir(filepath.Join(r.release, Dir, repo, ObjectsDir))
			if err != nil {
				return nil, nil, err
			}
			for _, o := range objs {
				if o.Type().IsRegular() && f.ValidHash(o.Name()) == nil {
					objects = append(objects, o.Name())
				} else {
					stray = append(stray, Rel(repo, ObjectsDir, o.Name()))
				}
			}
		case n == TagFile || n == CommitFile || n == TreeFile || n == RecordFile:
			// read, and judged, by Repo
		case (n == BuildSigFile || n == SharedFile) && e.Type().IsRegular():
			// read, and judged, by the verifier
		default:
			stray = append(stray, Rel(repo, n))
		}
	}
	slices.Sort(objects)
	slices.Sort(stray)
	return objects, stray, nil
}
