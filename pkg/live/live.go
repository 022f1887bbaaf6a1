// Package live is what a running program reads of its own deploy: the
// deploy tag and manifest of a release in the standard place (its layout
// is pkg/place's), for any Go program: a service can call Read on its own
// folder to learn what code it runs, and mount Handler to tell people;
// WriteMetrics is the Prometheus text every server of the tag serves.
//
// The package reads files only; it runs no git and imports nothing of
// deploytag beyond the standard place's names and the name and manifest
// grammars.
package live

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/names"
	"github.com/deploytag/deploytag/pkg/place"
)

// ErrNoRelease is returned when no release can be found where one was
// looked for.
var ErrNoRelease = errors.New("no deploy tag found")

// Repo is one repo of a deployed release.
type Repo struct {
	Name   string `json:"name"`
	Commit string `json:"commit"`
	// Version is the highest semantic-version tag contained in Commit,
	// when the repo was at hand to ask; nil otherwise.
	Version *string `json:"version"`
}

// Info describes a deployed release.
type Info struct {
	Tag string `json:"tag"`
	// Environment is the environment deploys.log names for the tag, else
	// the one the caller asked for; nil when unknown.
	Environment *string `json:"environment"`
	// DeployedAt is the time of the last successful deploy of the tag in
	// deploys.log; nil when the log has none.
	DeployedAt *time.Time `json:"deployed_at"`
	// Root is the folder holding current, releases and deploys.log; nil
	// when the release does not sit in a root's releases folder.
	Root  *string `json:"root"`
	Repos []Repo  `json:"repos"`
	// Release is the release folder read (symlinks resolved).
	Release string `json:"-"`
}

// Manifest returns the repos of info as a manifest.
func (info *Info) Manifest() manifest.Manifest {
	m := make(manifest.Manifest, len(info.Repos))
	for i, r := range info.Repos {
		m[i] = manifest.Entry{Name: r.Name, Commit: r.Commit}
	}
	return m
}

// ReadTagFile reads a DEPLOY_TAG file: one tag name, then a newline (a
// missing final newline is accepted). Anything else is an error naming the
// file.
func ReadTagFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return ParseTag(b, path)
}

// ParseTag parses the content of a DEPLOY_TAG file; where names it in errors.
func ParseTag(b []byte, where string) (string, error) {
	s := strings.TrimSuffix(string(b), "\n")
	if strings.ContainsAny(s, "\n\r") {
		return "", fmt.Errorf("malformed %s: want one line holding the tag (%s)", place.TagFile, where)
	}
	if err := names.ValidTagName(s); err != nil {
		return "", fmt.Errorf("malformed %s: %w (%s)", place.TagFile, err, where)
	}
	return s, nil
}

// FindRelease returns the release folder holding path: path itself or the
// nearest folder above it that has a DEPLOY_TAG file. If path is a root
// (it has a current link), its live release is returned.
func FindRelease(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("%w (%s)", err, path)
	} else if !fi.IsDir() {
		abs = filepath.Dir(abs)
	}
	if isFile(filepath.Join(abs, place.CurrentLink, place.TagFile)) && !isFile(filepath.Join(abs, place.TagFile)) {
		return filepath.Join(abs, place.CurrentLink), nil
	}
	for dir := abs; ; {
		if isFile(filepath.Join(dir, place.TagFile)) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w: no %s in %s or any folder above it", ErrNoRelease, place.TagFile, path)
		}
		dir = parent
	}
}

// LiveRelease returns the release folder root/current points at.
func LiveRelease(root string) (string, error) {
	cur := filepath.Join(root, place.CurrentLink)
	if _, err := os.Lstat(cur); errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%w: root %s does not exist", ErrNoRelease, root)
		}
		return "", fmt.Errorf("%w: nothing deployed in %s (no %s)", ErrNoRelease, root, place.CurrentLink)
	}
	real, err := filepath.EvalSymlinks(cur)
	if err != nil {
		return "", fmt.Errorf("%w: %s points nowhere (%v)", ErrNoRelease, cur, err)
	}
	return real, nil
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// Read describes the release holding path (see FindRelease).
func Read(path string) (*Info, error) {
	rel, err := FindRelease(path)
	if err != nil {
		return nil, err
	}
	return ReadRelease(rel)
}

// ReadRoot describes the live release of root.
func ReadRoot(root string) (*Info, error) {
	rel, err := LiveRelease(root)
	if err != nil {
		return nil, err
	}
	return ReadRelease(rel)
}

// ReadRelease describes the release folder dir. Symlinks are resolved
// first, so DEPLOY_TAG and DEPLOY_MANIFEST come from one release even if
// current switches meanwhile. The deploy time and environment come from
// the root's deploys.log when the release sits in <root>/releases.
func ReadRelease(dir string) (*Info, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoRelease, err)
	}
	tag, err := ReadTagFile(filepath.Join(real, place.TagFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: no %s in %s", ErrNoRelease, place.TagFile, dir)
		}
		return nil, err
	}
	info := &Info{Tag: tag, Release: real, Repos: []Repo{}}
	mpath := filepath.Join(real, place.ManifestFile)
	mb, err := os.ReadFile(mpath)
	if err != nil {
		return nil, fmt.Errorf("reading the manifest: %w", err)
	}
	m, err := manifest.Parse(bytes.NewReader(mb), mpath)
	if err != nil {
		return nil, err
	}
	for _, e := range m {
		info.Repos = append(info.Repos, Repo{Name: e.Name, Commit: e.Commit})
	}
	if filepath.Base(filepath.Dir(real)) == place.ReleasesDir && filepath.Base(real) == tag {
		root := filepath.Dir(filepath.Dir(real))
		info.Root = &root
		if e, err := place.LastOK(filepath.Join(root, place.LogFile), tag); err == nil && e != nil {
			if t, err := time.Parse(time.RFC3339, e.Time); err == nil {
				info.DeployedAt = &t
			}
			if e.Environment != "" {
				env := e.Environment
				info.Environment = &env
			}
		}
	}
	return info, nil
}
