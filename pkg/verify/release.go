package verify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/live"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/progress"
	"github.com/deploytag/deploytag/pkg/proof"
	"github.com/deploytag/deploytag/pkg/sigcheck"
)

// ReleaseOptions say how Release checks a release.
type ReleaseOptions struct {
	// Tag is the tag the release must be; "" means the one its
	// DEPLOY_TAG names.
	Tag string
	// Jobs bounds the repos checked at once and the files hashed at once
	// (across repos); 0 means the number of CPUs.
	Jobs int
	// Signed requires each repo's recorded tag object to carry a
	// signature that Signers accepts.
	Signed  bool
	Signers sigcheck.Options
	// SignedBuild requires each repo's build record, where there is one,
	// to carry a signature (build.sig) that Signers accepts in the
	// namespace of build records.
	SignedBuild bool
	// Progress, when set, is told as each repo's files are checked.
	Progress progress.Reporter
	// Written, when set, holds the blob ids of the release's files as
	// they were written just before (artifact.Unpack): those files are
	// not read again (see TreeCheck.Written).
	Written *gitobj.Written
	// Links judges the shared links the proof records (see SharedLinks).
	Links SharedLinks
}

// SharedLinks says which shared links a release may hold. The list of
// them in a repo's proof folder is not covered by the tag's signature:
// where the host is known, a link it does not make is a problem, not a
// shared link.
type SharedLinks struct {
	// Check judges the recorded links against Paths; without it they are
	// shown, not judged (a release checked with no environment at hand).
	Check bool
	// Paths are the shared paths the host makes (REPO/PATH, a folder's
	// ending in /, as deploy.toml gives them); none for an artifact,
	// whose links are made only once it is installed.
	Paths []string
}

// ProofLine is the name of the report line on the proof folder itself.
const ProofLine = proof.Dir

// Release checks a release folder on its own, with no repos and no git:
// per repo, that the files hash to the tree the recorded commit names
// (as the proof's record says: Git LFS, submodules, export rules), that
// the commit object hashes to the manifest's commit, that the tag object
// names that commit, the tag, and carries the manifest, and that every
// copy of the tag records the same manifest as DEPLOY_MANIFEST. Anything
// in the release or its proof that the manifest does not name is a stray
// entry. The error is for a check that could not be made at all (no
// release, no proof, no tag object to read the manifest from); every
// difference is in the Report, with OK false.
func Release(ctx context.Context, dir string, o ReleaseOptions) (*Report, error) {
	if o.Jobs <= 0 {
		o.Jobs = runtime.NumCPU()
	}
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("release %s is not a folder", dir)
	}
	rd, err := proof.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("%w (release %s)", err, dir)
	}
	rc := &releaseCheck{dir: dir, o: o, rd: rd, lines: map[string]*Line{}}
	if err := rc.header(); err != nil {
		return nil, err
	}
	if err := rc.repos(ctx); err != nil {
		return nil, err
	}
	return rc.report(), nil
}

type releaseCheck struct {
	dir      string
	o        ReleaseOptions
	rd       *proof.Reader
	tag      string
	manifest manifest.Manifest // the tags' manifest, the reference
	proofs   map[string]*proof.Repo
	lines    map[string]*Line
	names    []string // the manifest's repos, sorted
}

func (rc *releaseCheck) line(name string) *Line {
	l := rc.lines[name]
	if l == nil {
		l = &Line{Name: name, Problems: []string{}}
		rc.lines[name] = l
	}
	return l
}

// header reads DEPLOY_TAG, every repo's proof and DEPLOY_MANIFEST, and
// settles the tag and the reference manifest: the one the first repo's
// tag object (by name) records.
func (rc *releaseCheck) header() error {
	tl := rc.line(place.TagFile)
	relTag, terr := live.ReadTagFile(filepath.Join(rc.dir, place.TagFile))
	rc.tag = rc.o.Tag
	switch {
	case terr != nil && rc.tag == "":
		return fmt.Errorf("no tag given, and the release names none: %w", terr)
	case terr != nil:
		tl.Problems = append(tl.Problems, oneLine(terr))
	case rc.tag == "":
		rc.tag = relTag
	case relTag != rc.tag:
		tl.Problems = append(tl.Problems, fmt.Sprintf("names %s, not %s", relTag, rc.tag))
	}
	pl := rc.line(ProofLine)
	names, stray, err := rc.rd.Names()
	if err != nil {
		return err
	}
	for _, s := range stray {
		pl.Problems = append(pl.Problems, "stray entry "+proof.Dir+"/"+s)
	}
	rc.proofs = map[string]*proof.Repo{}
	perr := map[string]error{}
	var ref string
	for _, n := range names {
		p, err := rc.rd.Repo(n)
		if err != nil {
			perr[n] = err
			continue
		}
		rc.proofs[n] = p
		if rc.manifest == nil {
			if _, m, err := tagManifest(p); err == nil {
				rc.manifest, ref = m, n
			}
		}
	}
	if rc.manifest == nil {
		// No tag object to take the manifest from: the repos are those
		// DEPLOY_MANIFEST names, each with what is wrong with its proof.
		f, err := os.Open(filepath.Join(rc.dir, place.ManifestFile))
		if err == nil {
			rc.manifest, err = manifest.Parse(f, place.ManifestFile)
			f.Close()
		}
		if err != nil {
			return fmt.Errorf("no tag object of the proof records a manifest, and %s cannot stand in: %w (release %s)",
				place.ManifestFile, err, rc.dir)
		}
		pl.Problems = append(pl.Problems, "no tag object records a manifest; the repos checked are those "+place.ManifestFile+" names")
	}
	rc.names = rc.manifest.Names()
	slices.Sort(rc.names)
	for _, n := range rc.names {
		rc.line(n)
	}
	for n, err := range perr {
		rc.line(n).Problems = append(rc.line(n).Problems, oneLine(err))
	}
	for _, n := range names {
		if _, named := rc.manifest.Lookup(n); !named {
			pl.Problems = append(pl.Problems, fmt.Sprintf("proof of %s, a repo the tag's manifest does not name", n))
		}
	}
	for _, n := range rc.names {
		p := rc.proofs[n]
		if p == nil {
			if perr[n] == nil {
				rc.line(n).Problems = append(rc.line(n).Problems, "proof folder "+proof.Rel(n)+" missing")
			}
			continue
		}
		name, m, err := tagManifest(p)
		switch {
		case err != nil:
			rc.line(n).Problems = append(rc.line(n).Problems, "proof file "+proof.Rel(n, proof.TagFile)+": "+oneLine(err))
			continue
		case name != rc.tag:
			rc.line(n).Problems = append(rc.line(n).Problems, fmt.Sprintf("proof file %s is tag %s, not %s",
				proof.Rel(n, proof.TagFile), name, rc.tag))
		}
		if n != ref && !equal(m, rc.manifest) {
			rc.line(n).Problems = append(rc.line(n).Problems, fmt.Sprintf("proof file %s records a manifest different from the one in %s",
				proof.Rel(n, proof.TagFile), proof.Rel(ref, proof.TagFile)))
		}
	}
	probs, strays, err := checkTop(rc.dir, place.ManifestFile, rc.manifest, rc.tag)
	if err != nil {
		return err
	}
	ml := rc.line(place.ManifestFile)
	ml.Problems = append(ml.Problems, probs...)
	for _, n := range strays {
		rc.line(n).Problems = append(rc.line(n).Problems, strayProblem)
	}
	return nil
}

// tagManifest returns the name of a repo's recorded tag and the manifest
// its message records.
func tagManifest(p *proof.Repo) (string, manifest.Manifest, error) {
	t, err := gitobj.ParseTag(gitobj.Format(p.Record.ObjectFormat), p.Tag)
	if err != nil {
		return "", nil, err
	}
	m, err := manifest.ParseTagMessage(t.Name, t.Message, proof.Rel(p.Name, proof.TagFile))
	return t.Name, m, err
}

// repos checks each repo of the manifest: its commit, signature and files.
func (rc *releaseCheck) repos(ctx context.Context) error {
	sem := make(chan struct{}, rc.o.Jobs)
	fan := basedir.Fanout{Jobs: rc.o.Jobs, Step: "checking", Progress: rc.o.Progress}
	return fan.Each(ctx, len(rc.names), func(i int) string { return rc.names[i] }, func(ctx context.Context, i int) error {
		// header made every repo's line; each goroutine writes its own.
		n := rc.names[i]
		return rc.repo(ctx, n, rc.lines[n], sem)
	})
}

func (rc *releaseCheck) repo(ctx context.Context, n string, l *Line, sem chan struct{}) error {
	p := rc.proofs[n]
	if p == nil {
		return nil // named in header
	}
	want, _ := rc.manifest.Lookup(n)
	f := gitobj.Format(p.Record.ObjectFormat)
	if h := gitobj.HashBytes(f, gitobj.TypeCommit, p.Commit); h != want {
		l.Problems = append(l.Problems, fmt.Sprintf("proof file %s tampered with: it hashes to %s, but the manifest records %s",
			proof.Rel(n, proof.CommitFile), short(h), short(want)))
	}
	if rc.o.Signed {
		t, _ := gitobj.ParseTag(f, p.Tag)
		if err := sigcheck.Verify(ctx, t.Payload, t.Signature, rc.o.Signers); err != nil {
			l.Problems = append(l.Problems, oneLine(err))
		}
	}
	// Only what the signed tree allows of the record may excuse a
	// difference.
	objs := proofObjects{rd: rc.rd, repo: n, f: f}
	rec, probs, spans := checkRecord(ctx, objs, f, p.Tree, p.Commit, gitobj.HashBytes(f, gitobj.TypeCommit, p.Commit), p.Record)
	l.Problems = append(l.Problems, probs...)
	l.Recorded = spans
	rec.Build = p.Record.Build // checked file by file, to the record alone
	if rec.Build != nil && rc.o.SignedBuild {
		l.BuildSigner = rc.buildSigner(ctx, n, rec.Build, l)
	}
	links := rc.sharedLinks(ctx, n, objs, f, p.Tree, l)
	folder := filepath.Join(rc.dir, n)
	if l.hasFolder(folder) {
		tc := TreeCheck{Folder: folder, Tree: p.Tree, Record: rec, Objects: objs, Sem: sem, Eager: true, Shared: links}
		if w := rc.o.Written; w != nil {
			tc.Written = func(rel string, size int64) (string, bool) {
				return w.Blob(filepath.Join(n, filepath.FromSlash(rel)), size)
			}
		}
		l.record(CheckTree(ctx, tc))
	}
	l.Problems = append(l.Problems, objectsCheck(ctx, rc.rd, n, f, p.Tree, rec, p.Record)...)
	return nil
}

// buildSigner checks the signature of repo n's build record b, and
// returns who signed it, or "" with the problem on l.
func (rc *releaseCheck) buildSigner(ctx context.Context, n string, b *proof.Build, l *Line) string {
	sig, ok, err := rc.rd.ReadBuildSig(n)
	switch {
	case err != nil:
		l.Problems = append(l.Problems, oneLine(err))
		return ""
	case !ok:
		l.Problems = append(l.Problems, "build record not signed, and a signed one is required ("+proof.Rel(n, proof.BuildSigFile)+" missing)")
		return ""
	}
	payload, err := proof.BuildPayload(rc.tag, n, b)
	if err != nil {
		l.Problems = append(l.Problems, oneLine(err))
		return ""
	}
	o := rc.o.Signers
	o.Namespace = proof.BuildNamespace
	who, err := sigcheck.Signer(ctx, payload, sig, o)
	if err != nil {
		l.Problems = append(l.Problems, "build record: "+oneLine(err))
		return ""
	}
	return who
}

// sharedLinks reads the shared links the proof of repo n records and
// settles, for each, the link it must be and what the tag holds there.
func (rc *releaseCheck) sharedLinks(ctx context.Context, n string, objs Objects, f gitobj.Format, tree string, l *Line) map[string]SharedLink {
	paths, err := rc.rd.Shared(n)
	if err != nil {
		l.Problems = append(l.Problems, oneLine(err))
		return nil
	}
	if len(paths) == 0 {
		return nil
	}
	ti := &treeIndex{ctx: ctx, objs: objs, f: f, root: tree, cache: map[string][]gitobj.Entry{}, subs: map[string]string{}}
	links := map[string]SharedLink{}
	for _, sp := range paths {
		p := strings.TrimSuffix(sp, "/")
		if rc.o.Links.Check && !slices.Contains(rc.o.Links.Paths, n+"/"+sp) {
			l.Problems = append(l.Problems, fmt.Sprintf("shared link %s is none this host makes (%s lists it; the list is not covered by the tag's signature)",
				sp, proof.Rel(n, proof.SharedFile)))
			continue
		}
		sl := SharedLink{Path: sp, Target: place.SharedLink(n + "/" + p)}
		e, err := ti.lookupTop(p)
		switch {
		case err == nil:
			sl.Tag = &e
		case !errors.Is(err, errNoPath):
			l.Problems = append(l.Problems, fmt.Sprintf("shared link %s: %s", p, oneLine(err)))
			continue
		}
		links[p] = sl
	}
	return links
}

func (rc *releaseCheck) report() *Report {
	rep := &Report{Tag: rc.tag, Release: rc.dir, Manifest: rc.manifest, Proof: true, OK: true}
	for _, n := range rc.names {
		l := rc.line(n)
		l.OK = len(l.Problems) == 0 && l.Diff.Empty()
		rep.OK = rep.OK && l.OK
		rep.Lines = append(rep.Lines, *l)
	}
	names := map[string]bool{}
	for _, n := range rc.names {
		names[n] = true
	}
	for _, n := range extraNames(rc.lines, names) {
		l := rc.lines[n]
		l.OK = len(l.Problems) == 0
		rep.OK = rep.OK && l.OK
		rep.Lines = append(rep.Lines, *l)
	}
	return rep
}
