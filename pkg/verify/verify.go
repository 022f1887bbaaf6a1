// Package verify checks that a deploy tag is what it claims to be: in the
// repos of a basedir (every repo of the tag's manifest carries the tag, as
// an annotated tag, at the commit the manifest records; every copy of the
// tag records the same manifest; each work tree is checked out at it;
// optionally every tag's signature verifies) and in a deployed release.
//
// Release checks a release on its own, against the proof it carries
// (pkg/proof), with no repos and no git: every file hashed in Go as git
// hashes it, raw bytes, into the tree the recorded commit names, then
// commit, manifest and tag. Verify does the repo checks and, given a
// release, that check too plus the proof against the repos; a release
// with no proof is compared with the repos' trees, still hashed in Go.
package verify

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/live"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/progress"
	"github.com/deploytag/deploytag/pkg/proof"
	"github.com/deploytag/deploytag/pkg/sigcheck"
	"github.com/deploytag/deploytag/pkg/tags"
)

// Options say what to verify.
type Options struct {
	Tag   string // checked by the caller against names.ValidTagName
	Repos []basedir.Repo
	// Release, when set, is a release folder whose files must be the
	// tag's trees.
	Release string
	Signed  bool
	// SignedBuild requires a release's build records to be signed by a
	// key AllowedSigners lists (in the namespace of build records).
	SignedBuild bool
	// Links judges the shared links a release's proof records.
	Links SharedLinks
	// AllowedSigners, when set, is the ssh allowed-signers file (an
	// absolute path) git verify-tag checks ssh signatures against,
	// instead of the gpg.ssh.allowedSignersFile of git's config.
	AllowedSigners string
	// SignersHint, when set, says how the operator gives an allowed-signers
	// file (sigcheck.Options).
	SignersHint string
	Jobs        int
	// ManifestRepo, when set, names the repo whose deploy-manifests branch
	// may record the tag's manifest (as manifests/<TAG>); if it does, the
	// record must match.
	ManifestRepo string
	// Progress, when set, is told as each repo of a release is checked
	// against its proof.
	Progress progress.Reporter
}

// Line is the verdict on one repo, or on one file of the release
// (DEPLOY_TAG, DEPLOY_MANIFEST, or an entry the manifest does not name).
type Line struct {
	Name     string   `json:"name"`
	OK       bool     `json:"ok"`
	Problems []string `json:"problems"`
	// Files of the release that differ from the tag's tree, by path
	// inside the repo's folder (each list left out when empty).
	Diff
	// Recorded are the export-subst spans whose text the release's
	// record gives, not the signed commit: shown, never excused silently.
	Recorded []RecordedSpan `json:"recorded,omitempty"`
	// Counts says how many entries of each kind the repo's folder held,
	// once its files were compared (nil when they were not).
	Counts *Counts `json:"counts,omitempty"`
	// Built are the build outputs found as the build record lists them
	// (checked to the record, not the tag's signature); BuildSigner who
	// signed the record ("" when unsigned or not checked); SharedLinks
	// the shared links found as made at install (a folder's ending in /).
	Built       []string `json:"build_outputs,omitempty"`
	BuildSigner string   `json:"build_signed_by,omitempty"`
	SharedLinks []string `json:"shared,omitempty"`
}

// Counts are the entries of a repo's folder by kind: files (and
// symlinks) of the tag found as tagged, build outputs found as the build
// record lists them, shared links found as made at install.
type Counts struct {
	TagFiles     int `json:"tag_files"`
	BuildOutputs int `json:"build_outputs"`
	SharedLinks  int `json:"shared_links"`
}

// Shown is how many paths of each kind Text names; --json has them all.
const Shown = 3

// Text is the line's verdict for people: "ok" (then, if the record gives
// export-subst spans the signature does not cover, the first few), or
// every problem, then per kind of difference its count and the first few
// paths, separated by "; ". A release with thousands of differences still
// makes one short line per repo.
func (l Line) Text() string {
	if l.OK {
		return strings.Join(append(append([]string{"ok"}, l.recordedText()...), l.overlayText()...), "; ")
	}
	parts := append([]string(nil), l.Problems...)
	for _, k := range l.Diff.kinds() {
		if n := len(*k.paths); n > 0 {
			s := fmt.Sprintf("%s %d: %s", k.what, n, strings.Join((*k.paths)[:min(n, Shown)], ", "))
			if n > Shown {
				s += fmt.Sprintf(" and %d more", n-Shown)
			}
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "; ")
}

// overlayText says what of an ok repo is not the tag's files: build
// outputs (checked to the build record, not to the tag's key) and shared
// links.
func (l Line) overlayText() []string {
	var s []string
	if n := len(l.Built); n > 0 {
		t := fmt.Sprintf("source checked to the tag's key, %d build %s to the build record", n, plural(n, "output", "outputs"))
		if l.BuildSigner != "" {
			t += ", signed by " + l.BuildSigner
		} else {
			t += " (not covered by the tag's signature)"
		}
		s = append(s, t)
	}
	if n := len(l.SharedLinks); n > 0 {
		t := "shared links: " + strings.Join(l.SharedLinks[:min(n, Shown)], ", ")
		if n > Shown {
			t += fmt.Sprintf(" and %d more", n-Shown)
		}
		s = append(s, t)
	}
	return s
}

// plural is one or many by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// recordedText names the recorded spans, the first few.
func (l Line) recordedText() []string {
	if len(l.Recorded) == 0 {
		return nil
	}
	var s []string
	for _, r := range l.Recorded[:min(len(l.Recorded), Shown)] {
		s = append(s, fmt.Sprintf("%s $Format:%s$ = %q", r.Path, r.Format, r.Answer))
	}
	t := "not covered by the signature, as recorded: " + strings.Join(s, ", ")
	if n := len(l.Recorded); n > Shown {
		t += fmt.Sprintf(" and %d more", n-Shown)
	}
	return []string{t}
}

// Report is the outcome of Verify.
type Report struct {
	Tag     string `json:"tag"`
	OK      bool   `json:"ok"`
	Release string `json:"release,omitempty"`
	// Proof is whether the release's files were checked against its own
	// proof (DEPLOY_PROOF), rather than against the repos alone.
	Proof    bool              `json:"proof"`
	Manifest manifest.Manifest `json:"-"`
	Lines    []Line            `json:"repos"`
}

// Failed returns the names of the lines that are not ok.
func (r *Report) Failed() []string {
	var out []string
	for _, l := range r.Lines {
		if !l.OK {
			out = append(out, l.Name)
		}
	}
	return out
}

// repoState is what Verify read of one repo: its copy of the tag (read
// by pkg/tags, which keeps no manifest per copy) and its work tree.
type repoState struct {
	copy   *tags.Copy
	head   string
	dirty  []string
	sigErr error
}

// Verify runs the checks and reports each repo. The error is for checks
// that could not be made at all (git failing, the tag in no repo); any
// difference found is in the Report, with OK false.
//
// With o.Release it judges that release only, never the work trees:
// against its own proof (Release), and the proof's tag and commit objects
// against the repos' (compareWithRepos); a release with no proof, or a
// broken one, against the repos' tagged trees.
func Verify(ctx context.Context, g *git.Runner, o Options) (*Report, error) {
	if o.Release == "" {
		return verifyRepos(ctx, g, o, false)
	}
	if _, err := proof.Open(o.Release); err != nil {
		return verifyRepos(ctx, g, o, true)
	}
	rep, err := Release(ctx, o.Release, ReleaseOptions{Tag: o.Tag, Jobs: o.Jobs, Progress: o.Progress, SignedBuild: o.SignedBuild, Links: o.Links,
		Signed: o.Signed, Signers: sigcheck.Options{AllowedSigners: o.AllowedSigners, SignersHint: o.SignersHint}})
	if err != nil {
		return nil, err
	}
	if err := compareWithRepos(ctx, g, rep, o.Repos, o.Jobs); err != nil {
		return nil, err
	}
	return rep, nil
}

// verifyRepos checks the tag in the repos and, with o.Release (a release
// that carries no proof), the release against the repos' tagged trees;
// with releaseOnly the work trees are not judged (no HEAD, no
// uncommitted changes).
func verifyRepos(ctx context.Context, g *git.Runner, o Options, releaseOnly bool) (*Report, error) {
	copies, err := tags.ReadCopies(ctx, g, o.Repos, o.Tag, o.Jobs)
	if err != nil {
		return nil, err
	}
	if err := copies.ReadErr(); err != nil {
		return nil, err
	}
	if err := copies.ManifestErr(); err != nil {
		return nil, err
	}
	states := make([]repoState, len(o.Repos))
	err = basedir.Fanout{Jobs: o.Jobs}.Each(ctx, len(o.Repos), func(i int) string { return o.Repos[i].Name }, func(ctx context.Context, i int) error {
		states[i].copy = &copies.All[i]
		return readWorkTree(ctx, g, &states[i], o.Signed, o.AllowedSigners, releaseOnly)
	})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	refManifest := copies.Manifest
	rep := &Report{Tag: o.Tag, Manifest: refManifest, Release: o.Release}
	byName := map[string]*repoState{}
	for i := range states {
		byName[o.Repos[i].Name] = &states[i]
	}
	names := map[string]bool{}
	for _, e := range refManifest {
		names[e.Name] = true
	}
	for _, c := range copies.All {
		if !c.Missing {
			names[c.Repo.Name] = true
		}
	}
	lines := map[string]*Line{}
	for _, n := range slices.Sorted(maps.Keys(names)) {
		want, _ := refManifest.Lookup(n)
		l := &Line{Name: n, Problems: []string{}}
		lines[n] = l
		i := copies.Find(n)
		if i < 0 {
			l.Problems = append(l.Problems, tags.NotInBasedir(o.Tag).Error())
			continue
		}
		for _, err := range copies.Problems(i) {
			l.Problems = append(l.Problems, err.Error())
		}
		if releaseOnly {
			want = "" // no HEAD to judge
		}
		l.Problems = append(l.Problems, states[i].problems(want)...)
	}
	if st := byName[o.ManifestRepo]; st != nil && lines[o.ManifestRepo] != nil {
		if m, err := tags.ReadManifest(ctx, g, st.copy.Repo.Path, "", o.Tag); err == nil && !equal(m, refManifest) {
			l := lines[o.ManifestRepo]
			l.Problems = append(l.Problems, fmt.Sprintf("%s on branch %s differs from the tag's manifest",
				tags.ManifestPath(o.Tag), tags.ManifestBranch))
		}
	}
	if o.Release != "" {
		if err := checkRelease(ctx, g, o, rep, byName, lines); err != nil {
			return nil, err
		}
	}
	rep.OK = true
	for _, n := range slices.Sorted(maps.Keys(names)) {
		l := lines[n]
		l.OK = len(l.Problems) == 0 && l.Diff.Empty()
		rep.OK = rep.OK && l.OK
		rep.Lines = append(rep.Lines, *l)
	}
	for _, n := range extraNames(lines, names) {
		l := lines[n]
		l.OK = len(l.Problems) == 0
		rep.OK = rep.OK && l.OK
		rep.Lines = append(rep.Lines, *l)
	}
	return rep, nil
}

func extraNames(lines map[string]*Line, names map[string]bool) []string {
	var out []string
	for n := range lines {
		if !names[n] {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		// DEPLOY_TAG, DEPLOY_MANIFEST, DEPLOY_PROOF first, then other
		// entries by name.
		ri, rj := rank(out[i]), rank(out[j])
		if ri != rj {
			return ri < rj
		}
		return out[i] < out[j]
	})
	return out
}

func rank(n string) int {
	switch n {
	case place.TagFile:
		return 0
	case place.ManifestFile:
		return 1
	case ProofLine:
		return 2
	}
	return 3
}

// problems says what is wrong with the repo's work tree (want: the
// commit the manifest records for it, "" if none) and, when asked, the
// tag's signature; its copy of the tag is pkg/tags' to judge.
func (st *repoState) problems(want string) []string {
	var p []string
	if want != "" && st.head != want {
		if st.head == "" {
			p = append(p, "HEAD has no commit")
		} else {
			p = append(p, fmt.Sprintf("HEAD at %s, not at the tag (%s)", short(st.head), short(want)))
		}
	}
	if len(st.dirty) > 0 {
		p = append(p, "uncommitted changes to tracked files: "+strings.Join(st.dirty, ", "))
	}
	if st.sigErr != nil {
		p = append(p, st.sigErr.Error())
	}
	return p
}

func equal(a, b manifest.Manifest) bool {
	return string(a.Canonical()) == string(b.Canonical())
}

func short(oid string) string { return oid[:min(12, len(oid))] }

// readWorkTree reads the HEAD and changes of st's repo (unless
// releaseOnly) and, with signed, checks the signature of its copy of the
// tag when it is annotated.
func readWorkTree(ctx context.Context, g *git.Runner, st *repoState, signed bool, signers string, releaseOnly bool) error {
	c := st.copy
	if !releaseOnly {
		s, err := g.Status(ctx, c.Repo.Path)
		if err != nil {
			return err
		}
		st.head, st.dirty = s.Head, s.Changed
	}
	if signed && !c.Missing && !c.Lightweight {
		st.sigErr = verifySignature(ctx, g, c.Repo.Path, c.Object, c.Signed, signers)
	}
	return nil
}

func verifySignature(ctx context.Context, g *git.Runner, dir, tagOid string, signed bool, signers string) error {
	if !signed {
		return errors.New("tag is not signed")
	}
	_, err := g.Run(ctx, dir, VerifyTagArgs(tagOid, signers)...)
	if err == nil {
		return nil
	}
	why := firstSigLine(git.Stderr(err))
	if why == "" {
		why = err.Error()
	}
	return errors.New("signature does not verify: " + why)
}

// VerifyTagArgs is the argv checking a tag object's signature, with the
// ssh allowed signers given when signers is not empty.
func VerifyTagArgs(tagOid, signers string) []string {
	if signers == "" {
		return []string{"verify-tag", tagOid}
	}
	return []string{"-c", "gpg.ssh.allowedSignersFile=" + signers, "verify-tag", tagOid}
}

// firstSigLine picks git's or ssh-keygen's reason out of verify-tag's
// stderr, skipping the "Good ... signature" chatter of a valid but
// untrusted key.
func firstSigLine(s string) string {
	var first string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		l = strings.TrimPrefix(l, "error: ")
		if l == "" {
			continue
		}
		if first == "" {
			first = l
		}
		low := strings.ToLower(l)
		if strings.Contains(low, "no principal") || strings.Contains(low, "bad signature") ||
			strings.Contains(low, "could not verify") || strings.Contains(low, "not configured") ||
			strings.Contains(low, "can't check") || strings.Contains(low, "no signature") {
			return l
		}
	}
	return first
}

// checkRelease compares a release that carries no proof (deployed before
// releases carried proofs, or with a broken one) with the tag: each
// repo's folder with the repo's tagged tree, read from the repo. Files are
// hashed raw, in Go: no clean filter or eol conversion of the repo's
// config applies.
func checkRelease(ctx context.Context, g *git.Runner, o Options, rep *Report, byName map[string]*repoState, lines map[string]*Line) error {
	fi, err := os.Stat(o.Release)
	if err != nil || !fi.IsDir() {
		return fmt.Errorf("release %s is not a folder", o.Release)
	}
	if _, err := proof.Open(o.Release); err == nil {
		return errors.New("a release that carries a proof is checked by Release")
	} else if pe, ok := proof.IsProof(err); !ok || pe.Kind != proof.Missing || pe.File != proof.Dir {
		lines[ProofLine] = &Line{Name: ProofLine, Problems: []string{oneLine(err)}}
		// the files are still compared with the repos below
	}
	tl := &Line{Name: place.TagFile, Problems: []string{}}
	lines[tl.Name] = tl
	if got, err := live.ReadTagFile(filepath.Join(o.Release, place.TagFile)); err != nil {
		tl.Problems = append(tl.Problems, oneLine(err))
	} else if got != o.Tag {
		tl.Problems = append(tl.Problems, fmt.Sprintf("names %s, not %s", got, o.Tag))
	}
	ml := &Line{Name: place.ManifestFile, Problems: []string{}}
	lines[ml.Name] = ml
	probs, strays, err := checkTop(o.Release, filepath.Join(o.Release, place.ManifestFile), rep.Manifest, o.Tag)
	if err != nil {
		return err
	}
	ml.Problems = append(ml.Problems, probs...)
	for _, n := range strays {
		lines[n] = &Line{Name: n, Problems: []string{strayProblem}}
	}
	// Each call writes only its own repo's line; a difference is a
	// problem on that line, so only an interruption comes back from Each.
	// Files are hashed at most o.Jobs at once across the repos.
	sem := make(chan struct{}, max(o.Jobs, 1))
	m := rep.Manifest
	err = basedir.Fanout{Jobs: o.Jobs}.Each(ctx, len(m), func(i int) string { return m[i].Name }, func(ctx context.Context, i int) error {
		st := byName[m[i].Name]
		l := lines[m[i].Name]
		folder := filepath.Join(o.Release, m[i].Name)
		if !l.hasFolder(folder) {
			return nil
		}
		if st == nil || st.copy.Tree == "" {
			l.Problems = append(l.Problems, "release files not compared: no copy of the tag at hand")
			return nil
		}
		f := gitobj.SHA1
		if len(st.copy.Tree) == gitobj.SHA256.HexLen() {
			f = gitobj.SHA256
		}
		l.record(CheckTree(ctx, TreeCheck{Folder: folder, Tree: st.copy.Tree,
			Record: proof.Record{ObjectFormat: string(f)}, Objects: repoObjects{g: g, dir: st.copy.Repo.Path, f: f}, Sem: sem}))
		return nil
	})
	if err != nil {
		return err
	}
	return ctx.Err()
}

// strayProblem is said of an entry at a release's top that is neither a
// repo of the tag's manifest nor a file of the standard place.
const strayProblem = "in the release, but the tag's manifest names no such repo"

// checkTop checks a release's top beside its repo folders, the same with
// or without a proof: DEPLOY_MANIFEST must parse (its errors naming it as
// name) and equal m, the manifest of tag; every other entry must be a repo
// of m or a file of the standard place (place.TopFiles). It returns
// DEPLOY_MANIFEST's problems and the stray entries; an error only when the
// release's folder cannot be read.
func checkTop(dir, name string, m manifest.Manifest, tag string) (manifestProblems, strays []string, err error) {
	if f, err := os.Open(filepath.Join(dir, place.ManifestFile)); err != nil {
		manifestProblems = append(manifestProblems, oneLine(err))
	} else {
		got, err := manifest.Parse(f, name)
		f.Close()
		switch {
		case err != nil:
			manifestProblems = append(manifestProblems, oneLine(err))
		case !equal(got, m):
			manifestProblems = append(manifestProblems, "differs from the manifest of tag "+tag)
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range ents {
		n := e.Name()
		if _, named := m.Lookup(n); !named && !slices.Contains(place.TopFiles, n) {
			strays = append(strays, n)
		}
	}
	return manifestProblems, strays, nil
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }
