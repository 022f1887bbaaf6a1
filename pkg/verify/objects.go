package verify

import (
	"context"
	"fmt"
	"path"

	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/proof"
)

// objectsCheck names what is wrong with the objects/ of a repo's proof,
// whether or not the files match: an object the release needs that is
// missing or does not hash to its name (damaged), and anything there the
// release does not need. The objects a release needs are the tree
// objects of its tagged tree (the repo's, and each submodule's the
// record lists, at the commit the tree records), below the folders
// export-ignore left out, the commit objects of those submodules, and
// for a repo opted into export attributes (rec.Export set) the blobs the
// record is checked with: the .gitattributes files of the repo's own
// folders reached so, and each export-subst file's tagged blob. rec is
// the record as checkRecord left it; written, the record as written (the
// blobs its export-subst entries name are not stray, even for an entry
// already refused).
func objectsCheck(ctx context.Context, rd *proof.Reader, repo string, f gitobj.Format, tree string, rec, written proof.Record) []string {
	oc := &objCheck{ctx: ctx, rd: rd, repo: repo, f: f, need: map[string]bool{}, bad: map[string]bool{},
		subs: map[string]string{}, ignored: map[string]bool{}, attrs: rec.Export != nil}
	for _, s := range rec.Submodules {
		oc.subs[s.Path] = s.Commit
	}
	if rec.Export != nil {
		for _, ig := range rec.Export.Ignored {
			oc.ignored[ig.Path] = true
		}
	}
	oc.tree(tree, "", true)
	allowed := map[string]bool{}
	if written.Export != nil {
		for _, s := range written.Export.Substituted {
			allowed[s.Tagged] = true // not stray; the refused entry is named already
		}
	}
	if rec.Export != nil {
		for _, s := range rec.Export.Substituted {
			oc.read(gitobj.TypeBlob, s.Tagged, "the tagged "+s.Path)
		}
	}
	have, stray, err := rd.Contents(repo, f)
	if err != nil {
		return append(oc.problems, "proof folder "+proof.Rel(repo)+" not read: "+oneLine(err))
	}
	for _, h := range have {
		if !oc.need[h] && !allowed[h] {
			stray = append(stray, proof.Rel(repo, proof.ObjectsDir, h))
		}
	}
	for _, s := range stray {
		oc.problems = append(oc.problems, "stray entry "+s+" (not part of the proof format)")
	}
	return oc.problems
}

type objCheck struct {
	ctx      context.Context
	rd       *proof.Reader
	repo     string
	f        gitobj.Format
	need     map[string]bool // every object the release needs
	bad      map[string]bool // named already
	subs     map[string]string
	ignored  map[string]bool
	attrs    bool // the repo's own .gitattributes blobs are needed
	problems []string
}

// read reads one object the release needs, naming it once if it is
// missing or damaged; what says what it is.
func (oc *objCheck) read(typ, hash, what string) []byte {
	oc.need[hash] = true
	raw, err := oc.rd.Object(oc.repo, oc.f, typ, hash)
	if err != nil {
		if !oc.bad[hash] && oc.ctx.Err() == nil {
			oc.bad[hash] = true
			oc.problems = append(oc.problems, fmt.Sprintf("%s (%s)", oneLine(err), what))
		}
		return nil
	}
	return raw
}

// tree marks the tree object hash, at rel ("" for the repo's folder), and
// everything below it as needed; top is false inside a submodule.
func (oc *objCheck) tree(hash, rel string, top bool) {
	if oc.ctx.Err() != nil {
		return
	}
	what := "the tree of " + rel + "/"
	if rel == "" {
		what = "the tagged tree"
	}
	raw := oc.read(gitobj.TypeTree, hash, what)
	if raw == nil {
		return
	}
	ents, err := gitobj.ParseTree(oc.f, raw)
	if err != nil {
		if !oc.bad[hash] {
			oc.bad[hash] = true
			oc.problems = append(oc.problems, fmt.Sprintf("proof file %s malformed: %s (%s)", proof.Rel(oc.repo, proof.ObjectsDir, hash), err, what))
		}
		return
	}
	for _, e := range ents {
		p := path.Join(rel, e.Name)
		if top && oc.attrs && e.Name == ".gitattributes" && (e.Mode == gitobj.ModeFile || e.Mode == gitobj.ModeExec || e.Mode == gitobj.ModeSymlink) {
			oc.read(gitobj.TypeBlob, e.Hash, p) // read even when left out itself
		}
		if oc.ignored[p] {
			continue
		}
		switch e.Mode {
		case gitobj.ModeTree:
			oc.tree(e.Hash, p, top)
		case gitobj.ModeGitlink:
			if oc.subs[p] != e.Hash {
				continue // the tree check names a record that differs
			}
			raw := oc.read(gitobj.TypeCommit, e.Hash, "the commit of submodule "+p)
			if raw == nil {
				continue
			}
			if c, err := gitobj.ParseCommit(oc.f, raw); err == nil {
				oc.tree(c.Tree, p, false)
			}
		}
	}
}
