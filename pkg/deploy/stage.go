package deploy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/deploytag/deploytag/pkg/fail"
	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/proof"
	"github.com/deploytag/deploytag/pkg/sigcheck"
)

// entryState is what a release's entry looks like to lstat: enough to
// tell that a program changed it (a write or chmod moves ctime, which no
// program can set back).
type entryState struct {
	mode         fs.FileMode
	size         int64
	mtime, ctime syscall.Timespec
	ino          uint64
}

// snapshot lstats every entry under dir, never following a symlink, by
// path relative to dir ('/'-separated).
func snapshot(dir string) (map[string]entryState, error) {
	out := map[string]entryState{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(p, &st); err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		es := entryState{mode: fi.Mode()}
		if !fi.IsDir() { // a folder's times and size move with its entries
			es.size, es.ino = st.Size, st.Ino
			es.mtime, es.ctime = statTimes(&st)
		}
		out[filepath.ToSlash(rel)] = es
		return nil
	})
	return out, err
}

// changes compares two snapshots: the entries changed (type, mode, bytes)
// or gone, and the entries new, each sorted.
func changes(before, after map[string]entryState) (changed, deleted, added []string) {
	for p, b := range before {
		a, ok := after[p]
		switch {
		case !ok:
			deleted = append(deleted, p)
		case a != b:
			changed = append(changed, p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			added = append(added, p)
		}
	}
	slices.Sort(changed)
	slices.Sort(deleted)
	slices.Sort(added)
	return changed, deleted, added
}

// pathList names paths for a message: the first few, then how many more.
func pathList(paths []string) string {
	const shown = 5
	s := strings.Join(paths[:min(len(paths), shown)], ", ")
	if len(paths) > shown {
		s += fmt.Sprintf(" and %d more", len(paths)-shown)
	}
	return s
}

// runBuild runs the environment's build in the staged release dir (or its
// workdir) of res.Tag, before its proof is sealed, and records what it
// added in each repo's proof (a build record, signed with o.SignBuild
// when set). A build that fails, or that changes or deletes anything of
// the release as exported, or adds anything outside the repos' folders,
// is refused, naming the paths.
func (o *Options) runBuild(ctx context.Context, dir string, res *Result) error {
	if len(o.Build) == 0 {
		return nil
	}
	wd := dir
	if o.Workdir != "" {
		if err := insideDir(dir, o.Workdir); err != nil {
			return err
		}
		wd = filepath.Join(dir, o.Workdir)
	}
	before, err := snapshot(dir)
	if err != nil {
		return err
	}
	started := o.Now().UTC()
	cmd := o.child(ctx, o.Build, wd,
		"DEPLOY_TAG="+res.Tag,
		"DEPLOY_ENVIRONMENT="+o.Environment,
		"DEPLOY_RELEASE="+dir,
		"DEPLOY_MANIFEST="+filepath.Join(dir, place.ManifestFile),
	)
	cmd.Stdout, cmd.Stderr = o.Stderr, o.Stderr
	if err := cmd.Run(); !ran(cmd, err) {
		return fmt.Errorf("build %s failed: %w (current left at the previous release)", argvText(o.Build), err)
	}
	after, err := snapshot(dir)
	if err != nil {
		return err
	}
	changed, deleted, added := changes(before, after)
	repos := map[string]bool{}
	for _, n := range res.Manifest.Names() {
		repos[n] = true
	}
	var outside []string
	byRepo := map[string][]string{}
	for _, p := range added {
		repo, rest, ok := strings.Cut(p, "/")
		if !ok || !repos[repo] {
			outside = append(outside, p)
			continue
		}
		byRepo[repo] = append(byRepo[repo], rest)
	}
	var bad []string
	if len(changed) > 0 {
		bad = append(bad, "changed "+pathList(changed))
	}
	if len(deleted) > 0 {
		bad = append(bad, "deleted "+pathList(deleted))
	}
	if len(outside) > 0 {
		bad = append(bad, "added outside the repos' folders "+pathList(outside))
	}
	if len(bad) > 0 {
		return fail.WithHint(fmt.Errorf("build %s changed the release as tagged: %s; nothing switched", argvText(o.Build), strings.Join(bad, "; ")),
			"a build may only add files inside the repos' folders; every file of the tag stays as tagged")
	}
	rd, err := proof.Open(dir)
	if err != nil {
		return err
	}
	for _, name := range res.Manifest.Names() {
		p, err := rd.Repo(name)
		if err != nil {
			return err
		}
		b := &proof.Build{Argv: o.Build, Workdir: o.Workdir, Time: started.Format(time.RFC3339), Host: o.Host, User: o.User}
		if b.Added, err = outputs(filepath.Join(dir, name), byRepo[name], gitobj.Format(p.Record.ObjectFormat)); err != nil {
			return fmt.Errorf("recording the build's output in %s: %w", name, err)
		}
		if err := proof.SetBuild(dir, name, b); err != nil {
			return err
		}
		if o.SignBuild == "" {
			continue
		}
		payload, err := proof.BuildPayload(res.Tag, name, b)
		if err != nil {
			return err
		}
		sig, err := sigcheck.SignSSH(ctx, o.SignBuild, proof.BuildNamespace, payload)
		if err != nil {
			return fmt.Errorf("signing the build record of %s: %w", name, err)
		}
		if err := proof.WriteBuildSig(dir, name, sig); err != nil {
			return err
		}
	}
	return nil
}

// outputs makes the build record's entries for the paths a build added
// under the repo's folder dir: each file made 0644 or 0755 as git would
// keep it (a release's modes are git's) and hashed as a blob, each symlink
// hashed as its target, each folder left empty recorded as the empty
// tree. Anything else (a socket, a device) is refused.
func outputs(dir string, added []string, f gitobj.Format) ([]proof.Output, error) {
	hasKid := map[string]bool{}
	for _, p := range added {
		hasKid[path.Dir(p)] = true
	}
	out := []proof.Output{}
	for _, p := range added {
		full := filepath.Join(dir, filepath.FromSlash(p))
		fi, err := os.Lstat(full)
		if err != nil {
			return nil, err
		}
		switch {
		case fi.IsDir():
			if err := os.Chmod(full, 0o755); err != nil {
				return nil, err
			}
			if ents, err := os.ReadDir(full); err != nil || len(ents) > 0 {
				continue // its files are recorded
			}
			empty, _ := gitobj.HashTree(f, nil)
			out = append(out, proof.Output{Path: p, Mode: gitobj.ModeTree.String(), Hash: empty})
		case fi.Mode()&fs.ModeSymlink != 0:
			t, err := os.Readlink(full)
			if err != nil {
				return nil, err
			}
			out = append(out, proof.Output{Path: p, Mode: gitobj.ModeSymlink.String(), Hash: gitobj.HashBytes(f, gitobj.TypeBlob, []byte(t))})
		case fi.Mode().IsRegular():
			mode, perm := gitobj.ModeFile, fs.FileMode(0o644)
			if fi.Mode().Perm()&0o111 != 0 {
				mode, perm = gitobj.ModeExec, 0o755
			}
			if err := os.Chmod(full, perm); err != nil {
				return nil, err
			}
			h, err := hashFile(f, full)
			if err != nil {
				return nil, err
			}
			out = append(out, proof.Output{Path: p, Mode: mode.String(), Hash: h})
		default:
			return nil, fmt.Errorf("%s is neither a file, a folder nor a symlink", p)
		}
	}
	slices.SortFunc(out, func(a, b proof.Output) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

func hashFile(f gitobj.Format, p string) (string, error) {
	fh, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return "", err
	}
	return gitobj.HashBlobTo(f, fi.Size(), fh, nil)
}

// linkShared makes the environment's shared paths in the release dir of
// res.Tag links into the root's shared/ folder (a path ending in / is a
// folder), making what they link to, empty, where it is missing, and
// records them in each repo's proof. Whatever the tag holds at such a
// path is replaced by the link. Nothing is followed out of the release.
func (o *Options) linkShared(root *place.Root, dir string, m manifest.Manifest) error {
	if len(o.Shared) == 0 {
		return nil
	}
	byRepo := map[string][]string{}
	for _, sp := range o.Shared {
		p := strings.TrimSuffix(sp, "/")
		folder := strings.HasSuffix(sp, "/")
		repo, rest, _ := strings.Cut(p, "/")
		if _, ok := m.Lookup(repo); !ok {
			return fmt.Errorf("shared path %s: %s is no repo of %s", sp, repo, res(m))
		}
		if err := o.sharedTarget(root, p, folder); err != nil {
			return fmt.Errorf("shared path %s: %w", sp, err)
		}
		link := filepath.Join(dir, filepath.FromSlash(p))
		if err := realParents(dir, path.Dir(p)); err != nil {
			return fmt.Errorf("shared path %s: %w", sp, err)
		}
		target := place.SharedLink(p)
		if t, err := os.Readlink(link); err != nil || t != target {
			if err := os.RemoveAll(link); err != nil {
				return err
			}
			if err := os.Symlink(target, link); err != nil {
				return fmt.Errorf("shared path %s: %w", sp, err)
			}
		}
		if folder {
			rest += "/"
		}
		byRepo[repo] = append(byRepo[repo], rest)
	}
	for _, n := range m.Names() {
		if err := proof.WriteShared(dir, n, byRepo[n]); err != nil {
			return err
		}
	}
	return nil
}

// res names a manifest's repos for a message.
func res(m manifest.Manifest) string { return "the tag (" + strings.Join(m.Names(), ", ") + ")" }

// sharedTarget makes <root>/shared/p, a folder or an empty file, unless
// it is there; kept across releases, never pruned.
func (o *Options) sharedTarget(root *place.Root, p string, folder bool) error {
	base := filepath.Join(root.Dir, place.SharedDir)
	if err := realParents(root.Dir, path.Join(place.SharedDir, path.Dir(p))); err != nil {
		return err
	}
	full := filepath.Join(base, filepath.FromSlash(p))
	fi, err := os.Lstat(full)
	switch {
	case errors.Is(err, os.ErrNotExist) && folder:
		if err := os.Mkdir(full, 0o755); err != nil {
			return err
		}
		return os.Chmod(full, 0o755)
	case errors.Is(err, os.ErrNotExist):
		f, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
		if err != nil {
			return err
		}
		return f.Close()
	case err != nil:
		return err
	case folder && !fi.IsDir():
		return fmt.Errorf("%s is there, but not a folder", full)
	case !folder && !fi.Mode().IsRegular():
		return fmt.Errorf("%s is there, but not a file", full)
	}
	return nil
}

// realParents makes the folders of rel under dir (0755), each a real
// folder, never through a symlink.
func realParents(dir, rel string) error {
	p := dir
	if rel == "." || rel == "" {
		return nil
	}
	for _, part := range strings.Split(rel, "/") {
		p = filepath.Join(p, part)
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, os.ErrNotExist):
			if err := os.Mkdir(p, 0o755); err != nil {
				return err
			}
			if err := os.Chmod(p, 0o755); err != nil {
				return err
			}
		case err != nil:
			return err
		case !fi.IsDir():
			return fmt.Errorf("%s is not a folder", p)
		}
	}
	return nil
}

// commandChanged runs fn (the environment's command) and says what it
// changed inside the release dir, beyond the shared paths (whose links
// lead out of the release): a command may not change the release.
func (o *Options) commandChanged(dir string, fn func() error) error {
	before, err := snapshot(dir)
	if err != nil {
		return err
	}
	if err := fn(); err != nil {
		return err
	}
	after, err := snapshot(dir)
	if err != nil {
		return err
	}
	changed, deleted, added := changes(before, after)
	var bad []string
	for _, l := range []struct {
		what  string
		paths []string
	}{{"changed", changed}, {"deleted", deleted}, {"added", added}} {
		if len(l.paths) > 0 {
			bad = append(bad, l.what+" "+pathList(l.paths))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fail.WithHint(fmt.Errorf("command %s changed the release: %s (current left at the previous release)", argvText(o.Command), strings.Join(bad, "; ")),
		"move that work to the environment's build (its output is recorded in the proof), or make the path shared (shared = [\"REPO/PATH/\"])")
}
