package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/proof"
)

// Diff is how a repo's folder in a release differs from the tagged tree,
// by kind, each list sorted, paths relative to the repo's folder.
type Diff struct {
	Edited      []string `json:"edited,omitempty"`
	Added       []string `json:"added,omitempty"`
	Deleted     []string `json:"deleted,omitempty"`
	ModeChanged []string `json:"mode_changed,omitempty"`
	Retargeted  []string `json:"symlink_retargeted,omitempty"`
	TypeChanged []string `json:"type_changed,omitempty"`
}

// Empty reports whether no file differs.
func (d *Diff) Empty() bool {
	return len(d.Edited)+len(d.Added)+len(d.Deleted)+len(d.ModeChanged)+len(d.Retargeted)+len(d.TypeChanged) == 0
}

// kinds lists the diff's kinds in the order they are reported.
func (d *Diff) kinds() []struct {
	what  string
	paths []string
} {
	return []struct {
		what  string
		paths []string
	}{{"edited", d.Edited}, {"added", d.Added}, {"deleted", d.Deleted}, {"mode changed", d.ModeChanged},
		{"symlink retargeted", d.Retargeted}, {"type changed", d.TypeChanged}}
}

// Objects gives the raw objects of the tagged trees: a release's proof, or
// the repo itself when it is at hand. Each object returned has been
// checked to hash to its name.
type Objects interface {
	Object(ctx context.Context, typ, hash string) ([]byte, error)
}

// proofObjects reads objects from a release's proof.
type proofObjects struct {
	rd   *proof.Reader
	repo string
	f    gitobj.Format
}

func (p proofObjects) Object(_ context.Context, typ, hash string) ([]byte, error) {
	return p.rd.Object(p.repo, p.f, typ, hash)
}

// TreeCheck says how to check one repo's folder.
type TreeCheck struct {
	Folder  string // the repo's folder in the release
	Tree    string // the tagged tree it must hash to
	Record  proof.Record
	Objects Objects
	// Sem bounds the files hashed at once, shared by every repo checked
	// together; a send takes a slot.
	Sem chan struct{}
}

// TreeResult is the outcome of CheckTree.
type TreeResult struct {
	Tree string // the tree hash computed from the files
	Diff Diff
	// Problems are what is wrong beyond the files: a proof object
	// missing or tampered with, a file that could not be read.
	Problems []string
}

// node is one entry of the folder being hashed.
type node struct {
	name string
	mode gitobj.Mode
	hash string // the entry's hash in its parent's tree
	kids []*node
	size int64
	// set for entries that are not plain: a folder that is a submodule,
	// an entry put back from export.ignored, an entry that is neither
	// file, folder nor symlink (a socket, a device).
	sub     *proof.Submodule
	putBack bool // an export-ignored entry, as recorded
	virtual bool // a folder above one, not on disk
	special bool
	err     error
	lfsSum  string // sha256 of an LFS file's content
}

type checker struct {
	TreeCheck
	f     gitobj.Format
	lfs   map[string]proof.Pointer
	lfsPt map[string]string // path -> pointer text
	subst map[string]proof.Substituted
	subs  map[string]*proof.Submodule
	wg    sync.WaitGroup
	res   TreeResult
	seen  map[[2]string]bool // (kind, path) already reported
}

// CheckTree hashes every file of a repo's folder as git would store it
// (raw bytes, no filter), files in parallel under c.Sem, each streamed
// through a small buffer, recomputes the tree by the proof's record
// (Git LFS files, submodules, export rules) and compares it with c.Tree.
// Where they differ it names each file, reading the tagged tree objects
// from c.Objects for the folders that differ only.
func CheckTree(ctx context.Context, c TreeCheck) (TreeResult, error) {
	f, err := gitobj.ParseFormat(c.Record.ObjectFormat)
	if err != nil {
		return TreeResult{}, err
	}
	k := &checker{TreeCheck: c, f: f, lfs: map[string]proof.Pointer{}, lfsPt: map[string]string{},
		subst: map[string]proof.Substituted{}, subs: map[string]*proof.Submodule{}, seen: map[[2]string]bool{}}
	for _, l := range c.Record.LFS {
		p, err := proof.ParsePointer(l.Pointer)
		if err != nil {
			return TreeResult{}, err
		}
		k.lfs[l.Path], k.lfsPt[l.Path] = p, l.Pointer
	}
	for i := range c.Record.Submodules {
		k.subs[c.Record.Submodules[i].Path] = &c.Record.Submodules[i]
	}
	if c.Record.Export != nil {
		for _, s := range c.Record.Export.Substituted {
			k.subst[s.Path] = s
		}
	}
	root := &node{mode: gitobj.ModeTree}
	werr := k.walk(ctx, c.Folder, "", root)
	k.wg.Wait()
	if werr != nil {
		return TreeResult{}, werr
	}
	if err := ctx.Err(); err != nil {
		return TreeResult{}, err
	}
	if c.Record.Export != nil {
		for _, ig := range c.Record.Export.Ignored {
			k.putBack(root, ig)
		}
	}
	if err := k.finish(ctx, root, ""); err != nil {
		return TreeResult{}, err
	}
	k.res.Tree = root.hash
	if root.hash != c.Tree {
		if err := k.diff(ctx, root, c.Tree, ""); err != nil {
			return TreeResult{}, err
		}
		if k.res.Diff.Empty() && len(k.res.Problems) == 0 {
			k.res.Problems = append(k.res.Problems, fmt.Sprintf("tree %s, not the tagged %s", short(root.hash), short(c.Tree)))
		}
	}
	d := &k.res.Diff
	for _, l := range []*[]string{&d.Edited, &d.Added, &d.Deleted, &d.ModeChanged, &d.Retargeted, &d.TypeChanged} {
		sort.Strings(*l)
	}
	return k.res, nil
}

func (k *checker) report(kind, p string) {
	key := [2]string{kind, p}
	if k.seen[key] {
		return
	}
	k.seen[key] = true
	d := &k.res.Diff
	switch kind {
	case "edited":
		d.Edited = append(d.Edited, p)
	case "added":
		d.Added = append(d.Added, p)
	case "deleted":
		d.Deleted = append(d.Deleted, p)
	case "mode changed":
		d.ModeChanged = append(d.ModeChanged, p)
	case "symlink retargeted":
		d.Retargeted = append(d.Retargeted, p)
	case "type changed":
		d.TypeChanged = append(d.TypeChanged, p)
	}
}

func (k *checker) problem(format string, args ...any) {
	k.res.Problems = append(k.res.Problems, fmt.Sprintf(format, args...))
}

// walk reads folder dir (rel inside the repo's folder) into n, starting
// a hash of each regular file as a slot of k.Sem frees.
func (k *checker) walk(ctx context.Context, dir, rel string, n *node) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if err := ctx.Err(); err != nil {
			return err
		}
		kid := &node{name: e.Name()}
		n.kids = append(n.kids, kid)
		p := filepath.Join(dir, e.Name())
		krel := path.Join(rel, e.Name())
		switch t := e.Type(); {
		case t.IsDir():
			kid.mode = gitobj.ModeTree
			if err := k.walk(ctx, p, krel, kid); err != nil {
				return err
			}
		case t&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			kid.mode, kid.hash = gitobj.ModeSymlink, gitobj.HashBytes(k.f, gitobj.TypeBlob, []byte(target))
		case t.IsRegular():
			fi, err := e.Info()
			if err != nil {
				return err
			}
			kid.mode, kid.size = gitobj.ModeFile, fi.Size()
			if fi.Mode().Perm()&0o111 != 0 {
				kid.mode = gitobj.ModeExec
			}
			_, isLFS := k.lfs[krel]
			select {
			case k.Sem <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			k.wg.Add(1)
			go func() {
				defer k.wg.Done()
				defer func() { <-k.Sem }()
				kid.hash, kid.lfsSum, kid.err = k.hashFile(p, kid.size, isLFS)
			}()
		default:
			kid.special = true
		}
	}
	return nil
}

// hashFile hashes a regular file as a blob, and with sha256 too for an
// LFS file, in one read.
func (k *checker) hashFile(p string, size int64, lfs bool) (blob, sum string, err error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	var also io.Writer
	h := sha256.New()
	if lfs {
		also = h
	}
	blob, err = gitobj.HashBlobTo(k.f, size, f, also)
	if err != nil {
		return "", "", err
	}
	if lfs {
		sum = hex.EncodeToString(h.Sum(nil))
	}
	return blob, sum, nil
}

// putBack puts an export-ignored entry into the tree, making the folders
// above it that are not on disk. One found on disk is "added": the
// release should not hold it.
func (k *checker) putBack(root *node, ig proof.Ignored) {
	mode, _ := gitobj.ParseMode(ig.Mode)
	parts := strings.Split(ig.Path, "/")
	n := root
	for i, name := range parts {
		var kid *node
		for _, c := range n.kids {
			if c.name == name {
				kid = c
			}
		}
		last := i == len(parts)-1
		switch {
		case kid == nil:
			kid = &node{name: name, mode: gitobj.ModeTree, virtual: true}
			n.kids = append(n.kids, kid)
		case last:
			k.report("added", ig.Path)
		}
		if last {
			kid.mode, kid.hash, kid.kids, kid.putBack, kid.err = mode, ig.Hash, nil, true, nil
			return
		}
		if kid.mode != gitobj.ModeTree {
			k.report("type changed", path.Join(parts[:i+1]...))
			kid.mode, kid.hash, kid.kids = gitobj.ModeTree, "", nil
		}
		n = kid
	}
}

// finish computes the hash of every folder below n, bottom up, and turns
// the entries the record names into what the tagged tree holds.
func (k *checker) finish(ctx context.Context, n *node, rel string) error {
	for _, kid := range n.kids {
		krel := path.Join(rel, kid.name)
		switch {
		case kid.putBack:
			// as recorded
		case kid.err != nil:
			k.problem("%s not read: %s", krel, kid.err)
			kid.hash = strings.Repeat("0", k.f.HexLen())
		case kid.special:
			k.report("added", krel)
			kid.mode, kid.hash = gitobj.ModeFile, strings.Repeat("0", k.f.HexLen())
		case kid.mode == gitobj.ModeTree:
			if err := k.finish(ctx, kid, krel); err != nil {
				return err
			}
			if sub := k.subs[krel]; sub != nil {
				if err := k.submodule(ctx, kid, krel, sub); err != nil {
					return err
				}
			}
		case k.lfs[krel] != (proof.Pointer{}):
			p := k.lfs[krel]
			if kid.mode == gitobj.ModeSymlink || kid.lfsSum != p.Oid || kid.size != p.Size {
				k.report("edited", krel)
				continue
			}
			kid.hash = gitobj.HashBytes(k.f, gitobj.TypeBlob, []byte(k.lfsPt[krel]))
		case k.subst[krel] != (proof.Substituted{}):
			s := k.subst[krel]
			if kid.mode == gitobj.ModeSymlink || kid.hash != s.Deployed {
				k.report("edited", krel)
				continue
			}
			kid.hash = s.Tagged
		}
	}
	entries := make([]gitobj.Entry, len(n.kids))
	for i, c := range n.kids {
		entries[i] = gitobj.Entry{Name: c.name, Mode: c.mode, Hash: c.hash}
	}
	order := make([]int, len(entries))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return gitobj.Less(entries[order[a]], entries[order[b]]) })
	sorted := make([]gitobj.Entry, len(entries))
	kids := make([]*node, len(entries))
	for i, j := range order {
		sorted[i], kids[i] = entries[j], n.kids[j]
	}
	n.kids = kids
	h, err := gitobj.HashTree(k.f, sorted)
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	n.hash = h
	return nil
}

// submodule turns the folder kid, whose tree hash finish computed, into
// the gitlink of its recorded commit, naming any file that differs from
// the commit's tree.
func (k *checker) submodule(ctx context.Context, kid *node, rel string, sub *proof.Submodule) error {
	raw, err := k.Objects.Object(ctx, gitobj.TypeCommit, sub.Commit)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		k.problem("submodule %s: %s", rel, err)
		kid.mode, kid.hash, kid.sub = gitobj.ModeGitlink, sub.Commit, sub
		return nil
	}
	c, err := gitobj.ParseCommit(k.f, raw)
	if err != nil {
		k.problem("submodule %s: commit object %s: %s", rel, short(sub.Commit), err)
	} else if kid.hash != c.Tree {
		if err := k.diff(ctx, kid, c.Tree, rel); err != nil {
			return err
		}
	}
	kid.mode, kid.hash, kid.sub = gitobj.ModeGitlink, sub.Commit, sub
	return nil
}

// diff names what differs between the folder n (rel in the repo's
// folder) and the tagged tree tree.
func (k *checker) diff(ctx context.Context, n *node, tree, rel string) error {
	raw, err := k.Objects.Object(ctx, gitobj.TypeTree, tree)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		where := rel + "/"
		if rel == "" {
			where = "the repo's folder"
		}
		k.problem("%s differs from the tag, and its files cannot be named: %s", where, err)
		return nil
	}
	want, err := gitobj.ParseTree(k.f, raw)
	if err != nil {
		k.problem("tree object %s: %s", short(tree), err)
		return nil
	}
	have := map[string]*node{}
	for _, c := range n.kids {
		have[c.name] = c
	}
	for _, e := range want {
		p := path.Join(rel, e.Name)
		c := have[e.Name]
		delete(have, e.Name)
		switch {
		case c == nil:
			if err := k.deleted(ctx, e, p); err != nil {
				return err
			}
		case c.mode == e.Mode && c.hash == e.Hash:
		case c.putBack:
			k.problem("proof record.json of this repo puts back %s as %s %s, but the tag holds %s %s (tampered with)",
				p, c.mode, short(c.hash), e.Mode, short(e.Hash))
		case c.mode == gitobj.ModeTree && e.Mode == gitobj.ModeTree:
			if err := k.diff(ctx, c, e.Hash, p); err != nil {
				return err
			}
		case c.mode == gitobj.ModeGitlink && e.Mode == gitobj.ModeGitlink:
			k.problem("proof record.json of this repo records submodule %s at %s, but the tag has %s (tampered with)",
				p, short(c.hash), short(e.Hash))
		case e.Mode == gitobj.ModeGitlink && k.subs[p] != nil:
			k.report("type changed", p) // a submodule's folder made a file or symlink
		case e.Mode == gitobj.ModeGitlink:
			k.problem("proof record.json of this repo does not list submodule %s (an entry missing)", p)
		case c.mode == gitobj.ModeGitlink:
			k.problem("proof record.json of this repo lists submodule %s, but the tag holds no submodule there (tampered with)", p)
		case c.mode == gitobj.ModeTree || e.Mode == gitobj.ModeTree:
			k.report("type changed", p)
		case c.hash == e.Hash:
			if isFile(c.mode) && isFile(e.Mode) {
				k.report("mode changed", p)
			} else {
				k.report("type changed", p)
			}
		case c.mode == gitobj.ModeSymlink && e.Mode == gitobj.ModeSymlink:
			k.report("symlink retargeted", p)
		case isFile(c.mode) && isFile(e.Mode):
			k.report("edited", p)
			if c.mode != e.Mode {
				k.report("mode changed", p)
			}
		default:
			k.report("type changed", p)
		}
	}
	for _, c := range n.kids {
		if have[c.name] == nil {
			continue
		}
		p := path.Join(rel, c.name)
		if c.putBack || c.virtual {
			k.problem("proof record.json of this repo puts back %s, which the tag does not hold (tampered with)", p)
			continue
		}
		k.added(c, p)
	}
	return nil
}

func isFile(m gitobj.Mode) bool { return m == gitobj.ModeFile || m == gitobj.ModeExec }

// added reports every file at or under c.
func (k *checker) added(c *node, p string) {
	if c.mode != gitobj.ModeTree || c.sub != nil {
		k.report("added", p)
		return
	}
	if len(c.kids) == 0 {
		k.report("added", p+"/")
		return
	}
	for _, kid := range c.kids {
		k.added(kid, path.Join(p, kid.name))
	}
}

// deleted reports every file of the tagged entry e at p, reading the
// tree objects below it when the proof holds them.
func (k *checker) deleted(ctx context.Context, e gitobj.Entry, p string) error {
	if e.Mode != gitobj.ModeTree {
		k.report("deleted", p)
		return nil
	}
	raw, err := k.Objects.Object(ctx, gitobj.TypeTree, e.Hash)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		k.report("deleted", p+"/")
		return nil
	}
	ents, err := gitobj.ParseTree(k.f, raw)
	if err != nil {
		k.problem("tree object %s: %s", short(e.Hash), err)
		return nil
	}
	for _, c := range ents {
		if err := k.deleted(ctx, c, path.Join(p, c.Name)); err != nil {
			return err
		}
	}
	return nil
}

// repoObjects reads objects from a repo at hand, for a release that
// carries no proof.
type repoObjects struct {
	g   *git.Runner
	dir string
	f   gitobj.Format
}

func (r repoObjects) Object(ctx context.Context, typ, hash string) ([]byte, error) {
	objs, err := r.g.ReadObjects(ctx, r.dir, hash)
	if err != nil {
		return nil, err
	}
	o := objs[0]
	if o.Missing || o.Type != typ {
		return nil, fmt.Errorf("%s %s not in the repo", typ, short(hash))
	}
	if h := gitobj.HashBytes(r.f, typ, o.Contents); h != hash {
		return nil, fmt.Errorf("%s %s of the repo hashes to %s", typ, short(hash), short(h))
	}
	return o.Contents, nil
}

// TreeDiff is how a folder differs from a git tree, and the tree hash
// computed from the folder.
type TreeDiff struct {
	Tree string
	Diff
}

// CompareTree computes in Go the git tree hash of folder (raw bytes, as a
// plain repo with no submodules, LFS or export rules stores them) and,
// where it differs from tree, names the files, reading the tagged tree
// objects from the repo at repoDir (only read). Problems that are not a
// file's (an object the repo lacks) are an error.
func CompareTree(ctx context.Context, g *git.Runner, repoDir, folder, tree string) (TreeDiff, error) {
	f := gitobj.SHA1
	if len(tree) == gitobj.SHA256.HexLen() {
		f = gitobj.SHA256
	}
	res, err := CheckTree(ctx, TreeCheck{Folder: folder, Tree: tree, Record: proof.Record{ObjectFormat: string(f)},
		Objects: repoObjects{g: g, dir: repoDir, f: f}, Sem: make(chan struct{}, runtime.NumCPU())})
	if err != nil {
		return TreeDiff{}, err
	}
	if len(res.Problems) > 0 {
		return TreeDiff{}, errors.New(strings.Join(res.Problems, "; "))
	}
	return TreeDiff{Tree: res.Tree, Diff: res.Diff}, nil
}
