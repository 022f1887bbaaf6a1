package artifact

import (
	"errors"
	"os"
	"path/filepath"
)

// File is an artifact being written to a path: its bytes go to a hidden
// temporary file beside it, renamed over the path by Commit, so the path
// never holds half an artifact.
type File struct {
	f    *os.File
	path string
	done bool
}

// Create starts writing the artifact at path.
func Create(path string) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return nil, err
	}
	return &File{f: f, path: path}, nil
}

func (a *File) Write(p []byte) (int, error) { return a.f.Write(p) }

// Commit flushes the artifact to disk and renames it into place, readable
// by everyone (0644).
func (a *File) Commit() error {
	a.done = true
	err := errors.Join(a.f.Chmod(0o644), a.f.Sync(), a.f.Close())
	if err == nil {
		err = os.Rename(a.f.Name(), a.path)
	}
	if err != nil {
		os.Remove(a.f.Name())
	}
	return err
}

// Abort removes what was written, unless it was committed.
func (a *File) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.f.Close()
	os.Remove(a.f.Name())
}
