package verify

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/deploytag/deploytag/pkg/git"
)

// TreeDiff is how a folder differs from a git tree.
type TreeDiff struct {
	Tree    string // the git tree hash of the folder
	Edited  []string
	Added   []string
	Deleted []string
}

// CompareTree computes the git tree hash of folder, as the repo at repoDir
// would store it, and lists the paths where it differs from tree. It works
// in a scratch index and a scratch object folder (the repo's objects are
// only read, as alternates), so the repo's index, work tree and object
// store are left alone. Ignore rules do not apply: every file counts.
func CompareTree(ctx context.Context, g *git.Runner, repoDir, folder, tree string) (TreeDiff, error) {
	var d TreeDiff
	_, common, err := git.GitDir(repoDir)
	if err != nil {
		return d, err
	}
	objects, err := filepath.Abs(filepath.Join(common, "objects"))
	if err != nil {
		return d, err
	}
	work, err := filepath.Abs(folder)
	if err != nil {
		return d, err
	}
	tmp, err := os.MkdirTemp("", "deploytag-verify-")
	if err != nil {
		return d, err
	}
	defer os.RemoveAll(tmp)
	if err := os.Mkdir(filepath.Join(tmp, "objects"), 0o700); err != nil {
		return d, err
	}
	env := []string{
		"GIT_INDEX_FILE=" + filepath.Join(tmp, "index"),
		"GIT_OBJECT_DIRECTORY=" + filepath.Join(tmp, "objects"),
		"GIT_ALTERNATE_OBJECT_DIRECTORIES=" + objects,
	}
	run := func(args ...string) ([]byte, error) {
		return g.Do(ctx, git.Call{Dir: repoDir, Args: args, Env: env})
	}
	if _, err := run("read-tree", tree); err != nil {
		return d, err
	}
	if _, err := run(AddArgs(work)...); err != nil {
		return d, err
	}
	out, err := run("write-tree")
	if err != nil {
		return d, err
	}
	d.Tree = strings.TrimSpace(string(out))
	if d.Tree == tree {
		return d, nil
	}
	out, err = run("diff-tree", "-r", "--no-renames", "--name-status", "-z", tree, d.Tree)
	if err != nil {
		return d, err
	}
	return d, parseNameStatus(out, &d)
}

// AddArgs is the argv staging every file of work (an absolute path) into
// the scratch index, ignored files included, with executable bits and
// symlinks recorded as git records them.
func AddArgs(work string) []string {
	return []string{"-c", "core.fileMode=true", "-c", "core.symlinks=true", "--work-tree=" + work, "add", "--all", "--force", "--", ":/"}
}

func parseNameStatus(out []byte, d *TreeDiff) error {
	f := bytes.Split(bytes.TrimSuffix(out, []byte{0}), []byte{0})
	if len(out) == 0 {
		return nil
	}
	if len(f)%2 != 0 {
		return fmt.Errorf("diff-tree: malformed output %q", out)
	}
	for i := 0; i < len(f); i += 2 {
		st, path := string(f[i]), string(f[i+1])
		switch st {
		case "A":
			d.Added = append(d.Added, path)
		case "D":
			d.Deleted = append(d.Deleted, path)
		default: // M, T
			d.Edited = append(d.Edited, path)
		}
	}
	return nil
}
