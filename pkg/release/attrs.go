package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/deploytag/deploytag/pkg/deploytag"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/proof"
)

// exportAttrs are the export-ignore and export-subst attributes of a repo
// opted into export attributes, read as "git archive" reads them: from
// the tagged tree's .gitattributes (plus the repo's info/attributes and
// the user's attributes file), folders asked about as "path/". Only the
// paths that have one are held. A nil *exportAttrs applies nothing.
type exportAttrs struct {
	ignored map[string]bool
	substs  map[string]bool
	rec     *repoRecord
	skip    string // the folder being left out, "path/", while its entries go by
}

// loadExportAttrs asks "git check-attr --cached" about every path of the
// tagged tree, through a temporary index made from it, streaming the
// listing in and the answers out.
func loadExportAttrs(ctx context.Context, g *git.Runner, dir, commit string, rec *repoRecord) (*exportAttrs, error) {
	tmp, err := os.MkdirTemp("", "deploytag-attrs-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	env := []string{"GIT_INDEX_FILE=" + filepath.Join(tmp, "index")}
	if _, err := g.Do(ctx, git.Call{Dir: dir, Args: []string{"read-tree", "--end-of-options", commit}, Env: env}); err != nil {
		return nil, err
	}
	a := &exportAttrs{ignored: map[string]bool{}, substs: map[string]bool{}, rec: rec}
	// ls-tree feeds check-attr through a pipe; whichever ends first ends
	// the other (a closed pipe fails the other side's next write or
	// read), and both are waited for.
	pr, pw := io.Pipe()
	walked := make(chan error, 1)
	go func() {
		err := g.WalkTree(ctx, dir, commit, func(e git.TreeEntry) error {
			p := e.Path
			if e.Mode == "040000" || e.Mode == "160000" {
				p += "/"
			}
			_, err := io.WriteString(pw, p+"\x00")
			return err
		})
		pw.CloseWithError(err)
		walked <- err
	}()
	out := &attrStream{a: a}
	_, err = g.Do(ctx, git.Call{Dir: dir, Env: env, Stdin: pr, Stdout: out, Timeout: git.StreamTimeout,
		Args: []string{"check-attr", "--cached", "--stdin", "-z", "export-ignore", "export-subst"}})
	ended := errors.New("check-attr ended")
	pr.CloseWithError(ended)
	if werr := <-walked; werr != nil && !errors.Is(werr, ended) {
		err = werr // why check-attr saw its input end early
	}
	if err == nil {
		err = out.err
	}
	if err != nil {
		return nil, fmt.Errorf("reading export attributes: %w", err)
	}
	return a, nil
}

// attrStream parses "check-attr -z" output (PATH NUL ATTR NUL VALUE NUL)
// as git writes it, keeping only the paths whose attribute is set.
type attrStream struct {
	a       *exportAttrs
	partial []byte
	fields  []string
	err     error
}

func (s *attrStream) Write(p []byte) (int, error) {
	n := len(p)
	for {
		i := bytes.IndexByte(p, 0)
		if i < 0 {
			s.partial = append(s.partial, p...)
			return n, nil
		}
		s.fields = append(s.fields, string(append(s.partial, p[:i]...)))
		s.partial, p = s.partial[:0], p[i+1:]
		if len(s.fields) == 3 {
			path, attr, val := strings.TrimSuffix(s.fields[0], "/"), s.fields[1], s.fields[2]
			s.fields = s.fields[:0]
			if val != "set" {
				continue
			}
			switch attr {
			case "export-ignore":
				s.a.ignored[path] = true
			case "export-subst":
				s.a.substs[path] = true
			default:
				s.err = fmt.Errorf("check-attr: unexpected attribute %q", attr)
			}
		}
	}
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

// ignore reports whether export-ignore leaves e out, and records it.
func (a *exportAttrs) ignore(full string, e git.TreeEntry) bool {
	if a == nil || !a.ignored[full] {
		return false
	}
	if e.Mode == "040000" {
		a.skip = full + "/"
	}
	a.rec.mu.Lock()
	a.rec.record.Export.Ignored = append(a.rec.record.Export.Ignored, proof.Ignored{Path: full, Mode: e.Mode, Hash: e.Oid})
	a.rec.mu.Unlock()
	return true
}

// subst reports whether export-subst rewrites the file at full.
func (a *exportAttrs) subst(full string) bool {
	return a != nil && a.substs[full]
}

// substituted records an export-subst file and the blob of its expansion.
func (r *repoRecord) substituted(full string, e git.TreeEntry, out []byte) {
	deployed := gitobj.HashBytes(gitobj.Format(r.record.ObjectFormat), gitobj.TypeBlob, out)
	r.mu.Lock()
	r.record.Export.Substituted = append(r.record.Export.Substituted, proof.Substituted{
		Path: full, Mode: e.Mode, Tagged: e.Oid, Deployed: deployed,
	})
	r.mu.Unlock()
}

var describeRE = regexp.MustCompile(`%\(describe(:[^)]*)?\)`)

// ExcludeDeployTags rewrites a pretty format so that each %(describe)
// leaves deploy tags out: a deploy tag sits on the very commit deployed
// and would otherwise become its "version".
func ExcludeDeployTags(format string) string {
	return describeRE.ReplaceAllStringFunc(format, func(m string) string {
		opts := strings.TrimSuffix(strings.TrimPrefix(m, "%(describe"), ")")
		if opts == "" {
			return "%(describe:exclude=" + deploytag.DescribeExclude + ")"
		}
		return "%(describe" + opts + ",exclude=" + deploytag.DescribeExclude + ")"
	})
}

// expand does what "git archive" does to an export-subst file: each
// "$Format:...$" becomes the commit's pretty format of "...", with
// %(describe) leaving deploy tags out. The bytes around the placeholders
// are kept as stored.
func (a *exportAttrs) expand(ctx context.Context, g *git.Runner, dir, commit string, data []byte) ([]byte, error) {
	type span struct{ start, end int } // "$Format:" at start, closing "$" at end
	var spans []span
	var formats []string
	for i := 0; ; {
		b := bytes.Index(data[i:], []byte("$Format:"))
		if b < 0 {
			break
		}
		b += i
		c := bytes.IndexByte(data[b+8:], '$')
		if c < 0 {
			break
		}
		c += b + 8
		spans = append(spans, span{b, c})
		formats = append(formats, ExcludeDeployTags(string(data[b+8:c])))
		i = c + 1
	}
	if len(spans) == 0 {
		return data, nil
	}
	format := strings.Join(formats, "%x00")
	out, err := g.Do(ctx, git.Call{Dir: dir, Args: []string{"-c", "log.showSignature=false", "log", "--no-walk",
		"--date=default", "--pretty=format:" + format, "--end-of-options", commit, "--"}})
	if err != nil {
		return nil, err
	}
	parts := bytes.Split(out, []byte{0})
	if len(parts) != len(spans) {
		return nil, fmt.Errorf("git log gave %d expansions for %s placeholders", len(parts), strconv.Itoa(len(spans)))
	}
	var b bytes.Buffer
	prev := 0
	for i, s := range spans {
		b.Write(data[prev:s.start])
		b.Write(parts[i])
		prev = s.end + 1
	}
	b.Write(data[prev:])
	return b.Bytes(), nil
}
