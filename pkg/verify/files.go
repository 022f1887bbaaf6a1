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
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/place"
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
	// Build outputs that differ from the build record: changed (bytes,
	// mode or type) or gone since the build.
	BuildEdited  []string `json:"build_edited,omitempty"`
	BuildDeleted []string `json:"build_deleted,omitempty"`
}

// Empty reports whether no file differs.
func (d *Diff) Empty() bool {
	for _, k := range d.kinds() {
		if len(*k.paths) > 0 {
			return false
		}
	}
	return true
}

// diffKind is one kind of difference and the paths that differ so.
type diffKind struct {
	what  string
	paths *[]string
}

// kinds lists the diff's kinds in the order they are reported.
func (d *Diff) kinds() []diffKind {
	return []diffKind{{"edited", &d.Edited}, {"added", &d.Added}, {"deleted", &d.Deleted}, {"mode changed", &d.ModeChanged},
		{"symlink retargeted", &d.Retargeted}, {"type changed", &d.TypeChanged},
		{"build output edited", &d.BuildEdited}, {"build output deleted", &d.BuildDeleted}}
}

// hasFolder reports whether a repo's folder is in the release, putting a
// problem on l if not.
func (l *Line) hasFolder(folder string) bool {
	if fi, err := os.Lstat(folder); err != nil || !fi.IsDir() {
		l.Problems = append(l.Problems, "folder missing from the release")
		return false
	}
	return true
}

// record puts the outcome of CheckTree on l.
func (l *Line) record(res TreeResult, err error) {
	if err != nil {
		l.Problems = append(l.Problems, "release files not compared: "+oneLine(err))
		return
	}
	l.Diff = res.Diff
	l.Problems = append(l.Problems, res.Problems...)
	l.Built, l.SharedLinks = res.Built, res.Shared
	l.Counts = &Counts{TagFiles: res.TagFiles, BuildOutputs: len(res.Built), SharedLinks: len(res.Shared)}
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
	// Written, when set, gives the SHA-1 blob id of a file (rel to the
	// repo's folder, with slashes) that was hashed as it was written just
	// before this check, and its size then; a file it knows at its size
	// is not read again. For a SHA-1 repo's plain files only: an LFS file
	// is still read (its content's sha256 is checked).
	Written func(rel string, size int64) (string, bool)
	// Eager reads the tagged tree object of every folder as the walk
	// enters it (cheap from a proof), so that each folder is compared and
	// forgotten as soon as it is done. Otherwise only the root's and the
	// submodules' are read up front, the others where a folder differs.
	Eager bool
	// Shared are the shared links made where the release was installed,
	// by path: each must be a symlink to its Target, and then stands for
	// the tag's entry there (Tag; none when the tag holds nothing there).
	// The paths Record.Build lists must be on disk as recorded, and are
	// then no part of the tree.
	Shared map[string]SharedLink
}

// SharedLink is a path of a repo's folder made a link into the root's
// shared folder.
type SharedLink struct {
	Path   string        // as the proof records it: a folder's ending in /
	Target string        // the link's target, relative
	Tag    *gitobj.Entry // what the tag holds at the path, if anything
}

// TreeResult is the outcome of CheckTree.
type TreeResult struct {
	Tree string // the tree hash computed from the files
	Diff Diff
	// Problems are what is wrong beyond the files: a proof object
	// missing or tampered with, a file that could not be read.
	Problems []string
	// Built lists the build outputs found as the build record lists
	// them (a folder left empty with a trailing /); Shared the shared
	// links found as made (a folder's with a trailing /), each sorted;
	// TagFiles counts the files and symlinks on disk taken as the tag's.
	Built    []string
	Shared   []string
	TagFiles int
}

// node is one entry of the folder being hashed. A folder's kids are
// dropped once the folder has been compared with its tagged tree, so
// memory holds the folders on the walk's path and the differences, not
// the whole tree.
type node struct {
	name string
	mode gitobj.Mode
	hash string // the entry's hash in its parent's tree
	kids []*node
	size int64
	// compared: the folder was compared with its tagged tree when it was
	// done (its differences are reported, its kids dropped).
	compared bool
	// set for entries that are not plain: a folder that is a submodule,
	// an entry put back from export.ignored, a folder made for one, an
	// entry that is neither file, folder nor symlink (a socket, a device).
	sub     *proof.Submodule
	putBack bool
	virtual bool
	special bool
	err     error
	lfsSum  string // sha256 of an LFS file's content
	target  string // a symlink's target
	// dropped: a build output or a folder left empty by dropping them,
	// no part of the tree.
	dropped bool
}

type checker struct {
	TreeCheck
	f       gitobj.Format
	lfs     map[string]proof.Pointer
	lfsPt   map[string]string // path -> pointer text
	subst   map[string]proof.Substituted
	subs    map[string]*proof.Submodule
	ignored []proof.Ignored // sorted by path
	built   map[string]proof.Output
	seenOut map[string]bool
	res     TreeResult
	seen    map[[2]string]bool // (kind, path) already reported
}

// CheckTree hashes every file of a repo's folder as git would store it
// (raw bytes, no filter), files in parallel under c.Sem, each streamed
// through a small buffer, recomputes the tree by the proof's record
// (Git LFS files, submodules, export rules) and compares it with c.Tree.
// Where they differ it names each file. With c.Eager the tagged tree
// objects are read as the walk enters each folder, and each folder is
// compared and forgotten as soon as its files are hashed, so memory does
// not grow with the repo; without, they are read only where a folder
// differs (one read per folder is dear when the objects come from a repo).
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
	k.built, k.seenOut = map[string]proof.Output{}, map[string]bool{}
	if c.Record.Build != nil {
		for _, o := range c.Record.Build.Added {
			k.built[o.Path] = o
		}
	}
	if c.Record.Export != nil {
		for _, s := range c.Record.Export.Substituted {
			k.subst[s.Path] = s
		}
		k.ignored = c.Record.Export.Ignored
	}
	if fi, err := os.Lstat(c.Folder); err == nil && fi.Mode()&specialBits != 0 {
		k.report("mode changed", ".")
	}
	root, err := k.walk(ctx, c.Folder, "", "", c.Tree)
	if err != nil {
		return TreeResult{}, err
	}
	k.res.Tree = root.hash
	if c.Record.Build != nil {
		for _, o := range c.Record.Build.Added { // sorted by path
			if !k.seenOut[o.Path] {
				k.report("build output deleted", o.Path)
			}
		}
	}
	slices.Sort(k.res.Built)
	slices.Sort(k.res.Shared)
	if root.hash != c.Tree && k.res.Diff.Empty() && len(k.res.Problems) == 0 {
		k.res.Problems = append(k.res.Problems, fmt.Sprintf("tree %s, not the tagged %s", short(root.hash), short(c.Tree)))
	}
	for _, kind := range k.res.Diff.kinds() {
		sort.Strings(*kind.paths)
	}
	return k.res, nil
}

func (k *checker) report(kind, p string) {
	key := [2]string{kind, p}
	if k.seen[key] {
		return
	}
	k.seen[key] = true
	for _, d := range k.res.Diff.kinds() {
		if d.what == kind {
			*d.paths = append(*d.paths, p)
		}
	}
}

func (k *checker) problem(format string, args ...any) {
	k.res.Problems = append(k.res.Problems, fmt.Sprintf(format, args...))
}

// walk hashes the folder dir (rel inside the repo's folder, name its
// name) and returns its node: every regular file hashed under k.Sem, in
// parallel, each sub-folder walked in turn. want is the tagged tree the
// folder must hash to, when known ("" otherwise); the folder is then
// compared with it as soon as it is done.
func (k *checker) walk(ctx context.Context, dir, rel, name, want string) (*node, error) {
	n := &node{name: name, mode: gitobj.ModeTree}
	var wantEnts []gitobj.Entry
	var wantErr error
	if want != "" {
		wantEnts, wantErr = k.tree(ctx, want)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	defer wg.Wait() // on an early return, no hash outlives the walk
	for _, e := range ents {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		kid := &node{name: e.Name()}
		n.kids = append(n.kids, kid)
		p := filepath.Join(dir, e.Name())
		krel := path.Join(rel, e.Name())
		switch t := e.Type(); {
		case t.IsDir():
			if fi, err := e.Info(); err == nil && fi.Mode()&specialBits != 0 {
				k.report("mode changed", krel) // git records no such bit
			}
			kidWant := ""
			if sub := k.subs[krel]; sub != nil {
				kidWant = k.submoduleTree(ctx, krel, sub)
			} else if k.Eager && want != "" && wantErr == nil && !k.isIgnored(krel) {
				if i, ok := slices.BinarySearchFunc(wantEnts, e.Name()+"/", func(x gitobj.Entry, t string) int {
					return strings.Compare(sortName(x), t)
				}); ok && wantEnts[i].Mode == gitobj.ModeTree {
					kidWant = wantEnts[i].Hash
				}
			}
			d, err := k.walk(ctx, p, krel, e.Name(), kidWant)
			if err != nil {
				return nil, err
			}
			*kid = *d
		case t&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return nil, err
			}
			kid.mode, kid.hash, kid.target = gitobj.ModeSymlink, gitobj.HashBytes(k.f, gitobj.TypeBlob, []byte(target)), target
		case t.IsRegular():
			fi, err := e.Info()
			if err != nil {
				return nil, err
			}
			kid.mode, kid.size = gitobj.ModeFile, fi.Size()
			if fi.Mode().Perm()&0o111 != 0 {
				kid.mode = gitobj.ModeExec
			}
			if fi.Mode()&specialBits != 0 {
				k.report("mode changed", krel) // git records no such bit
			}
			_, isLFS := k.lfs[krel]
			if k.Written != nil && !isLFS && k.f == gitobj.SHA1 {
				if id, ok := k.Written(krel, kid.size); ok {
					kid.hash = id
					continue
				}
			}
			select {
			case k.Sem <- struct{}{}:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-k.Sem }()
				kid.hash, kid.lfsSum, kid.err = k.hashFile(p, kid.size, isLFS)
			}()
		default:
			kid.special = true
		}
	}
	wg.Wait()
	if err := k.finish(n, rel); err != nil {
		return nil, err
	}
	if want != "" {
		n.compared = true
		if n.hash != want {
			if wantErr != nil {
				where := rel + "/"
				if rel == "" {
					where = "the repo's folder"
				}
				k.problem("%s differs from the tag, and its files cannot be named: %s", where, wantErr)
			} else if err := k.diff(ctx, n, wantEnts, rel); err != nil {
				return nil, err
			}
		}
		n.kids = nil // compared: the parent needs its name, mode and hash only
	}
	return n, nil
}

// isIgnored reports whether rel is an export-ignored path (put back as
// recorded, whatever is on disk).
func (k *checker) isIgnored(rel string) bool {
	_, ok := slices.BinarySearchFunc(k.ignored, rel, func(ig proof.Ignored, p string) int { return strings.Compare(ig.Path, p) })
	return ok
}

// sortName is an entry's name as git sorts it.
func sortName(e gitobj.Entry) string {
	if e.Mode == gitobj.ModeTree {
		return e.Name + "/"
	}
	return e.Name
}

// tree reads and parses a tagged tree object.
func (k *checker) tree(ctx context.Context, hash string) ([]gitobj.Entry, error) {
	raw, err := k.Objects.Object(ctx, gitobj.TypeTree, hash)
	if err != nil {
		return nil, err
	}
	ents, err := gitobj.ParseTree(k.f, raw)
	if err != nil {
		return nil, fmt.Errorf("tree object %s: %w", short(hash), err)
	}
	return ents, nil
}

// submoduleTree returns the tree the submodule's recorded commit names,
// or "" (with the problem reported) when its commit object cannot be had.
func (k *checker) submoduleTree(ctx context.Context, rel string, sub *proof.Submodule) string {
	raw, err := k.Objects.Object(ctx, gitobj.TypeCommit, sub.Commit)
	if err != nil {
		if ctx.Err() == nil {
			k.problem("submodule %s: %s", rel, err)
		}
		return ""
	}
	c, err := gitobj.ParseCommit(k.f, raw)
	if err != nil {
		k.problem("submodule %s: commit object %s: %s", rel, short(sub.Commit), err)
		return ""
	}
	return c.Tree
}

// hashFile hashes a regular file as a blob, and with sha256 too for an
// LFS file, in one read.
func (k *checker) hashFile(p string, size int64, lfs bool) (blob, sum string, err error) {
	f, err := place.OpenFile(p)
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

// putBack puts the export-ignored entries of the folder n (rel) into it:
// an entry there is put back as recorded (one found on disk is "added":
// the release should not hold it); one further down, below a folder that
// is not on disk, gets that folder made for it.
func (k *checker) putBack(n *node, rel string) {
	prefix := ""
	if rel != "" {
		prefix = rel + "/"
	}
	byName := map[string][]proof.Ignored{}
	var names []string
	for _, ig := range k.ignored {
		sub, ok := strings.CutPrefix(ig.Path, prefix)
		if !ok {
			continue
		}
		first, _, _ := strings.Cut(sub, "/")
		if byName[first] == nil {
			names = append(names, first)
		}
		byName[first] = append(byName[first], ig)
	}
	for _, name := range names {
		igs := byName[name]
		var kid *node
		for _, c := range n.kids {
			if c.name == name {
				kid = c
			}
		}
		p := prefix + name
		switch {
		case len(igs) == 1 && igs[0].Path == p:
			mode, _ := gitobj.ParseMode(igs[0].Mode)
			if kid != nil {
				k.report("added", p)
			} else {
				kid = &node{name: name}
				n.kids = append(n.kids, kid)
			}
			*kid = node{name: name, mode: mode, hash: igs[0].Hash, putBack: true}
		case kid != nil && kid.mode == gitobj.ModeTree && !kid.virtual:
			// below a folder on disk: put back when it was done
		default:
			if kid != nil {
				k.report("type changed", p)
			} else {
				kid = &node{name: name}
				n.kids = append(n.kids, kid)
			}
			*kid = node{name: name, mode: gitobj.ModeTree, virtual: true}
			k.putBack(kid, p)
			_ = k.hashFolder(kid, p)
		}
	}
}

// finish puts back the folder's export-ignored entries, turns the entries
// the record names into what the tagged tree holds (Git LFS files,
// export-subst files, submodule folders) and computes the folder's hash.
func (k *checker) finish(n *node, rel string) error {
	if len(k.ignored) > 0 {
		k.putBack(n, rel)
	}
	for _, kid := range n.kids {
		krel := path.Join(rel, kid.name)
		if k.overlay(kid, krel) {
			continue
		}
		switch {
		case kid.putBack || kid.virtual:
			// as recorded
		case kid.err != nil:
			k.problem("%s not read: %s", krel, kid.err)
			kid.hash = strings.Repeat("0", k.f.HexLen())
		case kid.special:
			k.report("added", krel)
			kid.mode, kid.hash = gitobj.ModeFile, strings.Repeat("0", k.f.HexLen())
		case kid.mode == gitobj.ModeTree:
			if sub := k.subs[krel]; sub != nil {
				kid.mode, kid.hash, kid.sub = gitobj.ModeGitlink, sub.Commit, sub
			}
		case k.lfs[krel] != (proof.Pointer{}):
			p := k.lfs[krel]
			if kid.mode == gitobj.ModeSymlink || kid.lfsSum != p.Oid || kid.size != p.Size {
				k.report("edited", krel)
				continue
			}
			kid.hash = gitobj.HashBytes(k.f, gitobj.TypeBlob, []byte(k.lfsPt[krel]))
		case k.subst[krel].Path != "":
			s := k.subst[krel]
			if kid.mode == gitobj.ModeSymlink || kid.hash != s.Deployed {
				k.report("edited", krel)
				continue
			}
			kid.hash = s.Tagged
		}
	}
	kept := n.kids[:0]
	for _, kid := range n.kids {
		if kid.dropped {
			continue
		}
		kept = append(kept, kid)
		if kid.mode != gitobj.ModeTree && kid.mode != gitobj.ModeGitlink && !kid.putBack && !kid.virtual {
			k.res.TagFiles++
		}
	}
	if len(kept) == 0 && len(n.kids) > 0 {
		n.dropped = true // a folder that held build outputs only
	}
	n.kids = kept
	return k.hashFolder(n, rel)
}

// overlay settles a kid that is a shared link or a build output (true),
// or leaves it to the tree comparison (false). A shared link that is the
// link made at install stands for what the tag holds there; one that is
// not is left as it is, a difference. A build output as the record lists
// it is dropped from the tree; one changed since is "build output
// edited", dropped all the same (it is not the tag's).
func (k *checker) overlay(kid *node, krel string) bool {
	if sl, ok := k.Shared[krel]; ok {
		if kid.mode != gitobj.ModeSymlink || kid.target != sl.Target {
			k.problem("shared link %s is not the link to %s made at install", krel, sl.Target)
			return false
		}
		k.res.Shared = append(k.res.Shared, sl.Path)
		if sl.Tag == nil {
			kid.dropped = true
		} else {
			kid.mode, kid.hash, kid.putBack = sl.Tag.Mode, sl.Tag.Hash, true
		}
		return true
	}
	o, ok := k.built[krel]
	if !ok {
		if kid.mode == gitobj.ModeTree && kid.dropped {
			return true
		}
		return false
	}
	k.seenOut[krel] = true
	m, _ := gitobj.ParseMode(o.Mode)
	switch {
	case kid.special || kid.err != nil:
		k.report("build output edited", krel)
	case m == gitobj.ModeTree && kid.mode == gitobj.ModeTree && (kid.dropped || len(kid.kids) == 0):
		k.res.Built = append(k.res.Built, krel+"/")
	case kid.mode != m || kid.hash != o.Hash:
		k.report("build output edited", krel)
	default:
		k.res.Built = append(k.res.Built, krel)
	}
	kid.dropped = true
	return true
}

// hashFolder sorts n's kids in git's order and computes its tree hash.
func (k *checker) hashFolder(n *node, rel string) error {
	slices.SortFunc(n.kids, func(a, b *node) int {
		return strings.Compare(sortName(gitobj.Entry{Name: a.name, Mode: a.mode}), sortName(gitobj.Entry{Name: b.name, Mode: b.mode}))
	})
	entries := make([]gitobj.Entry, len(n.kids))
	for i, c := range n.kids {
		entries[i] = gitobj.Entry{Name: c.name, Mode: c.mode, Hash: c.hash}
	}
	h, err := gitobj.HashTree(k.f, entries)
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	n.hash = h
	return nil
}

// diff names what differs between the folder n (rel in the repo's
// folder) and its tagged tree's entries want. A sub-folder already
// compared when it was done is not looked at again; one that was not is
// compared now, reading its tagged tree.
func (k *checker) diff(ctx context.Context, n *node, want []gitobj.Entry, rel string) error {
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
			if c.compared {
				continue
			}
			ents, err := k.tree(ctx, e.Hash)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				k.problem("%s/ differs from the tag, and its files cannot be named: %s", p, err)
				continue
			}
			if err := k.diff(ctx, c, ents, p); err != nil {
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

// specialBits are the mode bits git never records: on a deployed file
// or folder each is a difference (mode changed), whatever its bytes.
const specialBits = fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

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
