package verify

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/deploytag/deploytag/pkg/gitattr"
	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/proof"
	"github.com/deploytag/deploytag/pkg/subst"
)

// RecordedSpan is a "$Format:...$" span of an export-subst file whose
// text the release's record gives (git answered it when the release was
// made: %(describe), refs, ...): the tag's signature does not cover it,
// so verify shows it.
type RecordedSpan struct {
	Path   string `json:"path"`
	Format string `json:"format"`
	Answer string `json:"answer"`
}

// recordMismatch opens every problem of a record entry that the signed
// tree does not allow.
const recordMismatch = "proof record does not match the tag: "

// checkRecord checks every entry of a repo's record.json against what the
// tag's signature covers: the tree objects (and blobs) of the proof,
// reached from tree, the tree of the signed commit. A submodule entry must
// be the gitlink the tree records there; an LFS entry the pointer blob
// the tree holds there; an export.ignored entry a path the tree's own
// .gitattributes mark export-ignore, with the tree's mode and hash; an
// export.substituted entry a file they mark export-subst, the tree's blob,
// whose expansion for the commit (commit, its raw object; hash, its hash)
// is the bytes deployed, the record's recorded spans standing for what
// the commit does not give. It returns the record with only the entries
// that hold, so that nothing the signature does not cover excuses a
// difference, a problem for each other entry, and the recorded spans to
// show.
func checkRecord(ctx context.Context, objs Objects, f gitobj.Format, tree string, commit []byte, hash string, rec proof.Record) (proof.Record, []string, []RecordedSpan) {
	rc := &recCheck{ti: &treeIndex{ctx: ctx, objs: objs, f: f, root: tree, cache: map[string][]gitobj.Entry{}, subs: map[string]string{}}}
	out := proof.Record{ObjectFormat: rec.ObjectFormat, Submodules: []proof.Submodule{}, LFS: []proof.LFSFile{}}
	for _, s := range rec.Submodules {
		e, err := rc.ti.lookup(s.Path)
		switch {
		case err != nil:
			rc.bad("submodules", s.Path, err.Error())
		case e.Mode != gitobj.ModeGitlink:
			rc.bad("submodules", s.Path, "the tag holds a "+e.Mode.String()+" there, not a submodule")
		case e.Hash != s.Commit:
			rc.bad("submodules", s.Path, fmt.Sprintf("the tag records commit %s there, not %s", short(e.Hash), short(s.Commit)))
		default:
			rc.ti.subs[s.Path] = s.Commit
			out.Submodules = append(out.Submodules, s)
		}
	}
	for _, l := range rec.LFS {
		e, err := rc.ti.lookup(l.Path)
		pointer := gitobj.HashBytes(f, gitobj.TypeBlob, []byte(l.Pointer))
		switch {
		case err != nil:
			rc.bad("lfs", l.Path, err.Error())
		case !isFile(e.Mode):
			rc.bad("lfs", l.Path, "the tag holds a "+e.Mode.String()+" there, not a file")
		case e.Hash != pointer:
			rc.bad("lfs", l.Path, fmt.Sprintf("the tag holds blob %s there, not the pointer's %s", short(e.Hash), short(pointer)))
		default:
			out.LFS = append(out.LFS, l)
		}
	}
	if rec.Export != nil {
		out.Export = rc.export(rec.Export, commit, hash)
	}
	return out, rc.problems, rc.spans
}

type recCheck struct {
	ti       *treeIndex
	problems []string
	spans    []RecordedSpan
}

func (rc *recCheck) bad(list, p, why string) {
	rc.problems = append(rc.problems, fmt.Sprintf("%s%s %s: %s", recordMismatch, list, p, why))
}

// export checks the export entries against the tree's own attributes.
func (rc *recCheck) export(ex *proof.Export, commit []byte, hash string) *proof.Export {
	out := &proof.Export{Ignored: []proof.Ignored{}, Substituted: []proof.Substituted{}}
	attrs, err := gitattr.New(rc.attrsFile)
	if err != nil {
		for _, ig := range ex.Ignored {
			rc.bad("export.ignored", ig.Path, err.Error())
		}
		for _, s := range ex.Substituted {
			rc.bad("export.substituted", s.Path, err.Error())
		}
		return out
	}
	// below reports whether p lies in a folder an earlier entry left out.
	var left []string
	below := func(p string) bool {
		for _, l := range left {
			if strings.HasPrefix(p, l+"/") {
				return true
			}
		}
		return false
	}
	for _, ig := range ex.Ignored {
		e, err := rc.ti.lookupTop(ig.Path)
		switch {
		case err != nil:
			rc.bad("export.ignored", ig.Path, err.Error())
			continue
		case below(ig.Path):
			rc.bad("export.ignored", ig.Path, "inside a folder the record leaves out already")
			continue
		case !sameMode(e.Mode, ig.Mode) || e.Hash != ig.Hash:
			rc.bad("export.ignored", ig.Path, fmt.Sprintf("the tag holds %s %s there, not %s %s", e.Mode, short(e.Hash), ig.Mode, short(ig.Hash)))
			continue
		}
		ignored, _, err := attrs.Export(ig.Path, e.Mode == gitobj.ModeTree || e.Mode == gitobj.ModeGitlink)
		switch {
		case err != nil:
			rc.bad("export.ignored", ig.Path, err.Error())
		case !ignored:
			rc.bad("export.ignored", ig.Path, "no .gitattributes of the tag marks it export-ignore")
		default:
			left = append(left, ig.Path)
			out.Ignored = append(out.Ignored, ig)
		}
	}
	// git archive expands only the first %(describe) of an archive, its
	// files in tree order, which is the record's order (paths sorted as
	// bytes): the expansions are recomputed in that order.
	describes := subst.ArchiveDescribes
	for _, s := range ex.Substituted {
		e, err := rc.ti.lookupTop(s.Path)
		switch {
		case err != nil:
			rc.bad("export.substituted", s.Path, err.Error())
			continue
		case below(s.Path):
			rc.bad("export.substituted", s.Path, "inside a folder the record leaves out")
			continue
		case !sameMode(e.Mode, s.Mode) || e.Hash != s.Tagged:
			rc.bad("export.substituted", s.Path, fmt.Sprintf("the tag holds %s %s there, not %s %s", e.Mode, short(e.Hash), s.Mode, short(s.Tagged)))
			continue
		}
		ignored, sub, err := attrs.Export(s.Path, false)
		switch {
		case err != nil:
			rc.bad("export.substituted", s.Path, err.Error())
			continue
		case !sub:
			rc.bad("export.substituted", s.Path, "no .gitattributes of the tag marks it export-subst")
			continue
		case ignored:
			rc.bad("export.substituted", s.Path, "the tag's .gitattributes mark it export-ignore: it is not deployed")
			continue
		}
		if spans, ok := rc.expansion(s, commit, hash, &describes); ok {
			rc.spans = append(rc.spans, spans...)
			out.Substituted = append(out.Substituted, s)
		}
	}
	return out
}

// expansion recomputes an export-subst file from its tagged blob and the
// signed commit, with the record's recorded spans, and checks it is what
// the record says was deployed; it returns the spans to show.
func (rc *recCheck) expansion(s proof.Substituted, commit []byte, hash string, describes *int) ([]RecordedSpan, bool) {
	data, err := rc.ti.objs.Object(rc.ti.ctx, gitobj.TypeBlob, s.Tagged)
	if err != nil {
		rc.bad("export.substituted", s.Path, "the tagged file cannot be read: "+oneLine(err))
		return nil, false
	}
	n, err := subst.Describes(data, commit, hash)
	if err != nil {
		rc.bad("export.substituted", s.Path, err.Error())
		return nil, false
	}
	use := min(*describes, n)
	*describes -= use
	i := 0
	out, spans, err := subst.ExpandN(data, commit, hash, use, func(format string) (string, error) {
		if i >= len(s.Recorded) {
			return "", fmt.Errorf("the file has more spans to record than the %d recorded", len(s.Recorded))
		}
		r := s.Recorded[i]
		i++
		if r.Format != format {
			return "", fmt.Errorf("recorded span %d is $Format:%s$, the file's is $Format:%s$", i, r.Format, format)
		}
		return r.Answer, nil
	})
	if err == nil && i != len(s.Recorded) {
		err = fmt.Errorf("%d spans recorded, the file has %d to record", len(s.Recorded), i)
	}
	if err != nil {
		rc.bad("export.substituted", s.Path, err.Error())
		return nil, false
	}
	if h := gitobj.HashBytes(rc.ti.f, gitobj.TypeBlob, out); h != s.Deployed {
		rc.bad("export.substituted", s.Path, fmt.Sprintf("deployed %s is not the file's expansion for the tagged commit (%s)", short(s.Deployed), short(h)))
		return nil, false
	}
	var shown []RecordedSpan
	for _, sp := range spans {
		checked, err := subst.CheckAbbrev(sp, commit, hash)
		if err != nil {
			rc.bad("export.substituted", s.Path, fmt.Sprintf("recorded $Format:%s$: %s", sp.Format, err))
			return nil, false
		}
		if !checked {
			shown = append(shown, RecordedSpan{Path: s.Path, Format: sp.Format, Answer: sp.Answer})
		}
	}
	return shown, true
}

// attrsFile is a gitattr.Loader over the proof: the .gitattributes blob
// of the folder dir of the tagged tree, when the tree holds one.
func (rc *recCheck) attrsFile(dir string) ([]byte, bool, error) {
	hash := rc.ti.root
	if dir != "" {
		e, err := rc.ti.lookupTop(dir)
		if err != nil || e.Mode != gitobj.ModeTree {
			return nil, false, err
		}
		hash = e.Hash
	}
	ents, err := rc.ti.entries(hash)
	if err != nil {
		return nil, false, err
	}
	for _, e := range ents {
		if e.Name == ".gitattributes" && (isFile(e.Mode) || e.Mode == gitobj.ModeSymlink) {
			b, err := rc.ti.objs.Object(rc.ti.ctx, gitobj.TypeBlob, e.Hash)
			if err != nil {
				return nil, false, fmt.Errorf("%s cannot be read: %s", path.Join(dir, ".gitattributes"), oneLine(err))
			}
			return b, true, nil
		}
	}
	return nil, false, nil
}

// treeIndex finds paths in the tagged tree through the proof's objects,
// keeping the trees it read.
type treeIndex struct {
	ctx   context.Context
	objs  Objects
	f     gitobj.Format
	root  string
	cache map[string][]gitobj.Entry
	subs  map[string]string // the submodules checked so far: path -> commit
}

var errNoPath = errors.New("the tag holds no such path")

func (ti *treeIndex) entries(hash string) ([]gitobj.Entry, error) {
	if e, ok := ti.cache[hash]; ok {
		return e, nil
	}
	raw, err := ti.objs.Object(ti.ctx, gitobj.TypeTree, hash)
	if err != nil {
		return nil, fmt.Errorf("tree %s cannot be read: %s", short(hash), oneLine(err))
	}
	ents, err := gitobj.ParseTree(ti.f, raw)
	if err != nil {
		return nil, fmt.Errorf("tree object %s: %w", short(hash), err)
	}
	ti.cache[hash] = ents
	return ents, nil
}

// lookup finds the entry at p, going into a submodule only where the
// record lists one that holds (a gitlink at its commit).
func (ti *treeIndex) lookup(p string) (gitobj.Entry, error) {
	return ti.find(p, true)
}

// lookupTop finds the entry at p in the repo's own tree, never inside a
// submodule.
func (ti *treeIndex) lookupTop(p string) (gitobj.Entry, error) {
	return ti.find(p, false)
}

func (ti *treeIndex) find(p string, intoSubs bool) (gitobj.Entry, error) {
	hash := ti.root
	parts := strings.Split(p, "/")
	var e gitobj.Entry
	for i, name := range parts {
		ents, err := ti.entries(hash)
		if err != nil {
			return e, err
		}
		found := false
		for _, x := range ents {
			if x.Name == name {
				e, found = x, true
				break
			}
		}
		if !found {
			return e, errNoPath
		}
		if i == len(parts)-1 {
			return e, nil
		}
		switch {
		case e.Mode == gitobj.ModeTree:
			hash = e.Hash
		case e.Mode == gitobj.ModeGitlink && intoSubs && ti.subs[strings.Join(parts[:i+1], "/")] == e.Hash:
			raw, err := ti.objs.Object(ti.ctx, gitobj.TypeCommit, e.Hash)
			if err != nil {
				return e, fmt.Errorf("the commit of submodule %s cannot be read: %s", strings.Join(parts[:i+1], "/"), oneLine(err))
			}
			c, err := gitobj.ParseCommit(ti.f, raw)
			if err != nil {
				return e, err
			}
			hash = c.Tree
		case e.Mode == gitobj.ModeGitlink:
			return e, fmt.Errorf("it lies in submodule %s, not in the tree the record can excuse", strings.Join(parts[:i+1], "/"))
		default:
			return e, errNoPath
		}
	}
	return e, errNoPath
}

// sameMode reports whether the record's mode (as ls-tree or a tree object
// writes it) is m.
func sameMode(m gitobj.Mode, recorded string) bool {
	r, err := gitobj.ParseMode(recorded)
	return err == nil && r == m
}
