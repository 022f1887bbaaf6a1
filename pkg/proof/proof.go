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
//	  <repo>/objects/<hash>  raw commit objects of submodule commits
//
// The types and the writer live here; the export writes a release's
// proof through them, the verifier reads it back.
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
)

// Names inside a release.
const (
	Dir        = "DEPLOY_PROOF"
	FormatFile = "FORMAT"
	Format     = "deploytag-proof 1\n"

	TagFile    = "tag"
	CommitFile = "commit"
	TreeFile   = "tree"
	RecordFile = "record.json"
	ObjectsDir = "objects"
)

// Record is record.json: what a verifier needs beyond the tree. Paths are
// relative to the repo's folder, '/'-separated; every list is sorted by
// path and written as [] when empty.
type Record struct {
	ObjectFormat string      `json:"object_format"` // "sha1" or "sha256"
	Submodules   []Submodule `json:"submodules"`
	LFS          []LFSFile   `json:"lfs"`
	Export       *Export     `json:"export"` // nil unless the repo opts into export attributes
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
// expanded.
type Substituted struct {
	Path     string `json:"path"`
	Mode     string `json:"mode"`
	Tagged   string `json:"tagged"`   // the blob hash in the tree
	Deployed string `json:"deployed"` // the blob hash of the bytes written
}

// Repo is the proof of one repo of a release.
type Repo struct {
	Name   string
	Tag    []byte // raw annotated tag object
	Commit []byte // raw commit object
	Tree   string // the commit's tree hash
	Record Record
	// Objects are raw commit objects of submodule commits, by hash.
	Objects map[string][]byte
}

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
	if err := mkdir(dir); err != nil {
		return err
	}
	rec, err := MarshalRecord(r.Record)
	if err != nil {
		return err
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
	if err := mkdir(filepath.Join(dir, ObjectsDir)); err != nil {
		return err
	}
	hashes := make([]string, 0, len(r.Objects))
	for h := range r.Objects {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	for _, h := range hashes {
		if !isHex(h) || (len(h) != 40 && len(h) != 64) {
			return fmt.Errorf("proof: invalid object name %q", h)
		}
		if err := writeNew(filepath.Join(dir, ObjectsDir, h), r.Objects[h]); err != nil {
			return err
		}
	}
	return nil
}

// MarshalRecord is record.json's bytes: lists sorted by path, [] for an
// empty list, indented, ending in a newline.
func MarshalRecord(r Record) ([]byte, error) {
	if r.ObjectFormat != "sha1" && r.ObjectFormat != "sha256" {
		return nil, fmt.Errorf("proof: unknown object format %q", r.ObjectFormat)
	}
	if r.Submodules == nil {
		r.Submodules = []Submodule{}
	}
	if r.LFS == nil {
		r.LFS = []LFSFile{}
	}
	sort.Slice(r.Submodules, func(i, j int) bool { return r.Submodules[i].Path < r.Submodules[j].Path })
	sort.Slice(r.LFS, func(i, j int) bool { return r.LFS[i].Path < r.LFS[j].Path })
	if r.Export != nil {
		e := *r.Export
		if e.Ignored == nil {
			e.Ignored = []Ignored{}
		}
		if e.Substituted == nil {
			e.Substituted = []Substituted{}
		}
		sort.Slice(e.Ignored, func(i, j int) bool { return e.Ignored[i].Path < e.Ignored[j].Path })
		sort.Slice(e.Substituted, func(i, j int) bool { return e.Substituted[i].Path < e.Substituted[j].Path })
		r.Export = &e
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
