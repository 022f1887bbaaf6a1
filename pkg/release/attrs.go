package release

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/gitattr"
	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/names"
	"github.com/deploytag/deploytag/pkg/proof"
	"github.com/deploytag/deploytag/pkg/subst"
)

// exportAttrs are the export-ignore and export-subst attributes of a repo
// opted into export attributes, as the tagged tree's own .gitattributes
// files give them (pkg/gitattr: git's rules, in Go, and nothing from the
// repo's info/attributes or the user's files), so that the verifier,
// which reads the same files from the proof, reaches the same answers. A
// nil *exportAttrs applies nothing.
type exportAttrs struct {
	check  *gitattr.Checker // used by the walker only
	files  map[string]attrFile
	loaded []string // folders whose file the checker read: their blobs go into the proof
	rec    *repoRecord
	commit []byte // the raw tagged commit, export-subst's source
	hash   string
	skip   string // the folder being left out, "path/", while its entries go by

	mu     sync.Mutex
	substs map[string]bool // files export-subst rewrites (walker writes, writers read)
	// describes is how many %(describe) git archive still expands in
	// this repo's archive (subst.ArchiveDescribes at the start); each
	// file's share, taken in the tree's order by the reader, is in
	// allowed for its writer.
	describes int
	allowed   map[string]int
}

// attrFile is a folder's .gitattributes blob in the tagged tree.
type attrFile struct {
	oid  string
	data []byte
}

// loadExportAttrs reads every .gitattributes blob of the tagged tree (one
// "git ls-tree" and one "git cat-file --batch") for the checker, which
// reads each folder's when a path below it is first asked about.
func loadExportAttrs(ctx context.Context, g *git.Runner, dir, commit string, commitRaw []byte, rec *repoRecord) (*exportAttrs, error) {
	a := &exportAttrs{files: map[string]attrFile{}, rec: rec, commit: commitRaw, hash: commit, substs: map[string]bool{},
		describes: subst.ArchiveDescribes, allowed: map[string]int{}}
	var dirs, oids []string
	err := g.WalkTree(ctx, dir, commit, func(e git.TreeEntry) error {
		if path.Base(e.Path) == ".gitattributes" && e.Type == "blob" {
			d := path.Dir(e.Path)
			if d == "." {
				d = ""
			}
			dirs, oids = append(dirs, d), append(oids, e.Oid)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading export attributes: %w", err)
	}
	if len(oids) > 0 {
		objs, err := g.ReadObjects(ctx, dir, oids...)
		if err != nil {
			return nil, fmt.Errorf("reading export attributes: %w", err)
		}
		for i, o := range objs {
			if o.Missing || o.Type != "blob" {
				return nil, fmt.Errorf("reading export attributes: %s of %s is missing", oids[i], path.Join(dirs[i], ".gitattributes"))
			}
			a.files[dirs[i]] = attrFile{oid: oids[i], data: o.Contents}
		}
	}
	a.check, err = gitattr.New(func(d string) ([]byte, bool, error) {
		f, ok := a.files[d]
		if ok {
			a.loaded = append(a.loaded, d)
		}
		return f.data, ok, nil
	})
	return a, err
}

// skipped reports whether full lies in a folder export-ignore left out.
func (a *exportAttrs) skipped(full string) bool {
	if a == nil || a.skip == "" {
		return false
	}
	if strings.HasPrefix(full, a.skip) {
		return true
	}
	a.skip = ""
	return false
}

// ignore reports whether export-ignore leaves e out, and records it; for a
// file it also settles whether export-subst rewrites it. The walker alone
// calls it, in the tree's order.
func (a *exportAttrs) ignore(full string, e git.TreeEntry) bool {
	if a == nil {
		return false
	}
	ignored, sub, err := a.check.Export(full, e.Mode == "040000" || e.Mode == "160000")
	if err != nil { // the files are all in memory: cannot happen
		panic(err)
	}
	if ignored {
		if e.Mode == "040000" {
			a.skip = full + "/"
		}
		a.rec.mu.Lock()
		a.rec.record.Export.Ignored = append(a.rec.record.Export.Ignored, proof.Ignored{Path: full, Mode: e.Mode, Hash: e.Oid})
		a.rec.mu.Unlock()
		return true
	}
	if sub && (e.Mode == "100644" || e.Mode == "100755") {
		a.mu.Lock()
		a.substs[full] = true
		a.mu.Unlock()
	}
	return false
}

// subst reports whether export-subst rewrites the file at full.
func (a *exportAttrs) subst(full string) bool {
	if a == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.substs[full]
}

// reserve takes, for the export-subst file full (data), its share of
// the %(describe) placeholders git archive expands: the reader calls it
// for each such file in the tree's order, before any writer expands it.
func (a *exportAttrs) reserve(full string, data []byte) error {
	n, err := subst.Describes(data, a.commit, a.hash)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	use := min(a.describes, n)
	a.describes -= use
	a.allowed[full] = use
	return nil
}

// describeRE finds "%%" (a literal '%', skipped) and each %(describe)
// placeholder, with its magic prefix, as git's walk of a format meets
// them from the left.
var describeRE = regexp.MustCompile(`%%|%[-+ ]?\(describe(:[^)]*)?\)`)

// ExcludeDeployTags rewrites a pretty format so that each %(describe)
// leaves deploy tags out: a deploy tag sits on the very commit deployed
// and would otherwise become its "version". A "%%(describe)" is text,
// and stays as it is.
func ExcludeDeployTags(format string) string {
	return describeRE.ReplaceAllStringFunc(format, func(m string) string {
		if m == "%%" {
			return m
		}
		head := m[:strings.Index(m, "(")] // "%" and its magic prefix
		opts := strings.TrimSuffix(m[len(head)+len("(describe"):], ")")
		if opts == "" {
			return head + "(describe:exclude=" + names.DescribeExclude + ")"
		}
		return head + "(describe" + opts + ",exclude=" + names.DescribeExclude + ")"
	})
}

// expand does what "git archive" does to the export-subst file full, e:
// each "$Format:...$" becomes the tagged commit's pretty format of "...",
// computed in Go from the raw commit (pkg/subst), so that the verifier
// recomputes the same bytes from the signed commit. A span whose answer
// is not the commit's (%(describe), with deploy tags left out; refs; ...)
// is asked of "git log" on the commit and recorded with its answer. Only
// the file's share of the archive's %(describe) (reserve) is expanded;
// a later one stays as written, as git archive leaves it. The file's
// tagged blob goes into the proof, its expansion into the record.
func (a *exportAttrs) expand(ctx context.Context, g *git.Runner, dir, full string, e git.TreeEntry, data []byte, pd proofDest) ([]byte, error) {
	a.mu.Lock()
	use := a.allowed[full]
	a.mu.Unlock()
	out, spans, err := subst.ExpandN(data, a.commit, a.hash, use, func(format string) (string, error) {
		b, err := g.Do(ctx, git.Call{Dir: dir, Args: []string{"-c", "log.showSignature=false", "log", "--no-walk",
			"--date=default", "--pretty=format:" + ExcludeDeployTags(format), "--end-of-options", a.hash, "--"}})
		return string(b), err
	})
	if err != nil {
		return nil, err
	}
	rec := make([]proof.Recorded, 0, len(spans))
	for _, s := range spans {
		if !utf8.ValidString(s.Format) || !utf8.ValidString(s.Answer) {
			return nil, fmt.Errorf("$Format:%s$ (answered %q) is not UTF-8 text, which the proof records", s.Format, s.Answer)
		}
		rec = append(rec, proof.Recorded{Format: s.Format, Answer: s.Answer})
	}
	if _, err := proof.AddObject(pd.release, pd.repo, pd.format, gitobj.TypeBlob, data); err != nil {
		return nil, err
	}
	deployed := gitobj.HashBytes(pd.format, gitobj.TypeBlob, out)
	a.rec.mu.Lock()
	a.rec.record.Export.Substituted = append(a.rec.record.Export.Substituted, proof.Substituted{
		Path: full, Mode: e.Mode, Tagged: e.Oid, Deployed: deployed, Recorded: rec,
	})
	a.rec.mu.Unlock()
	return out, nil
}

// writeBlobs puts into the proof the .gitattributes blobs the checker
// read, which the verifier checks the record's export entries with.
func (a *exportAttrs) writeBlobs(pd proofDest) error {
	if a == nil {
		return nil
	}
	var errs []error
	for _, d := range a.loaded {
		_, err := proof.AddObject(pd.release, pd.repo, pd.format, gitobj.TypeBlob, a.files[d].data)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
