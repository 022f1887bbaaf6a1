package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Object is one answer of "git cat-file --batch-check".
type Object struct {
	Rev     string // what was asked
	Oid     string // empty when Missing
	Type    string // commit, tag, tree, blob
	Missing bool
}

// Resolve looks up several revisions in one git process. The revisions go
// to git on stdin, so none of them can be taken for an option. A missing
// revision is reported in its Object, not as an error.
func (r *Runner) Resolve(ctx context.Context, dir string, revs ...string) ([]Object, error) {
	out, err := r.catFileBatch(ctx, dir, "--batch-check=%(objectname) %(objecttype)", revs)
	if err != nil {
		return nil, err
	}
	return ParseBatchCheck(out, revs)
}

// catFileBatch runs "git cat-file BATCH" on revs, one per line on stdin
// so that none can be taken for an option, and returns its output.
func (r *Runner) catFileBatch(ctx context.Context, dir, batch string, revs []string) ([]byte, error) {
	var in bytes.Buffer
	for _, rev := range revs {
		if strings.ContainsAny(rev, "\n\x00") {
			return nil, fmt.Errorf("revision %q contains a newline", rev)
		}
		in.WriteString(rev)
		in.WriteByte('\n')
	}
	out, err := r.Do(ctx, Call{Dir: dir, Args: []string{"cat-file", batch}, Stdin: &in})
	if err != nil {
		return nil, NotARepo(err)
	}
	return out, nil
}

// ParseBatchCheck parses "--batch-check=%(objectname) %(objecttype)" output
// for the given revisions, in order.
func ParseBatchCheck(out []byte, revs []string) ([]Object, error) {
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(out) == 0 {
		lines = nil
	}
	if len(lines) != len(revs) {
		return nil, fmt.Errorf("cat-file: %d answers for %d revisions", len(lines), len(revs))
	}
	objs := make([]Object, len(revs))
	for i, line := range lines {
		objs[i].Rev = revs[i]
		if strings.HasSuffix(line, " missing") || strings.HasSuffix(line, " ambiguous") {
			objs[i].Missing = true
			continue
		}
		oid, typ, ok := strings.Cut(line, " ")
		if !ok || !IsOid(oid) || typ == "" {
			return nil, fmt.Errorf("cat-file: malformed line %q", line)
		}
		objs[i].Oid, objs[i].Type = oid, typ
	}
	return objs, nil
}

// IsOid reports whether s is a full lowercase object name: 40 hex digits
// (SHA-1) or 64 (SHA-256).
func IsOid(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Status is what "git status" says of a work tree.
type Status struct {
	Head      string   // commit of HEAD; empty when unborn
	Changed   []string // tracked paths with uncommitted changes (index or work tree)
	Untracked []string
}

// Status reads HEAD, uncommitted changes to tracked files and untracked
// files in one git process.
func (r *Runner) Status(ctx context.Context, dir string) (Status, error) {
	// --no-optional-locks: reading must not rewrite the repo's index.
	// --ignore-submodules=untracked: a submodule checked out at another
	// commit than the one recorded, or with changes to its tracked files,
	// is a change (whatever submodule.<name>.ignore says), since a
	// release holds the recorded commit; files untracked in it are not.
	// TrustFilters: to tell whether a file whose stat data changed still
	// holds what was committed, git needs the repo's clean filter (a
	// git-lfs file otherwise reads as changed). Hooks, fsmonitor and the
	// pager stay off.
	out, err := r.Do(ctx, Call{Dir: dir, Trust: TrustFilters, Args: []string{"--no-optional-locks", "status", "--porcelain=v2", "-z",
		"--branch", "--no-renames", "--untracked-files=normal", "--ignore-submodules=untracked"}})
	if err != nil {
		return Status{}, NotARepo(err)
	}
	return ParseStatus(out)
}

// ParseStatus parses "git status --porcelain=v2 -z --branch" output.
func ParseStatus(out []byte) (Status, error) {
	var st Status
	for _, rec := range bytes.Split(out, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		line := string(rec)
		switch {
		case strings.HasPrefix(line, "# branch.oid "):
			oid := strings.TrimPrefix(line, "# branch.oid ")
			if oid != "(initial)" {
				if !IsOid(oid) {
					return st, fmt.Errorf("status: malformed line %q", line)
				}
				st.Head = oid
			}
		case strings.HasPrefix(line, "# "):
		case strings.HasPrefix(line, "1 "), strings.HasPrefix(line, "u "):
			f := strings.SplitN(line, " ", 9)
			if strings.HasPrefix(line, "u ") {
				f = strings.SplitN(line, " ", 11)
			}
			st.Changed = append(st.Changed, f[len(f)-1])
		case strings.HasPrefix(line, "2 "):
			// With --no-renames there are none; keep the path if git sends one.
			f := strings.SplitN(line, " ", 10)
			st.Changed = append(st.Changed, f[len(f)-1])
		case strings.HasPrefix(line, "? "):
			st.Untracked = append(st.Untracked, line[2:])
		case strings.HasPrefix(line, "! "):
		default:
			// A rename's second path, NUL-separated, has no prefix.
			if len(st.Changed) == 0 {
				return st, fmt.Errorf("status: malformed line %q", line)
			}
		}
	}
	return st, nil
}

// TagOptions describe a new annotated tag.
type TagOptions struct {
	Name    string // already checked against names.ValidTagName
	Commit  string // full object name
	Message string
	Sign    bool // "git tag -s": gpg or ssh, as git is configured
}

// CreateTag creates an annotated (or signed) tag. It never replaces an
// existing tag: if the name is taken it returns an error wrapping
// ErrTagExists. An unsigned tag is written from Go where git's files
// allow it (see writeTag: the object, then the ref made whole or not at
// all), else by "git tag".
func (r *Runner) CreateTag(ctx context.Context, dir string, t TagOptions) error {
	if handled, err := writeTag(r.env, dir, t, time.Now()); handled {
		if err == nil {
			r.Trace("(tag " + t.Name + " written in " + dir + " without git)")
		}
		return err
	}
	_, err := r.Do(ctx, Call{Dir: dir, Args: CreateTagArgs(t), Stdin: strings.NewReader(t.Message), Trust: TrustHooks, Outlive: true})
	if err != nil && strings.Contains(Stderr(err), "already exists") {
		return fmt.Errorf("%w: %w", ErrTagExists, err)
	}
	return err
}

// CreateTagArgs builds the argv of CreateTag; the message comes on stdin.
func CreateTagArgs(t TagOptions) []string {
	mode := "-a"
	if t.Sign {
		mode = "-s"
	}
	return []string{"tag", mode, "--cleanup=verbatim", "-F", "-", "--", t.Name, t.Commit}
}

// DeleteTagAt deletes refs/tags/NAME only if it still points at oid, so a
// tool can take back a tag it created and nothing else.
func (r *Runner) DeleteTagAt(ctx context.Context, dir, name, oid string) error {
	_, err := r.Do(ctx, Call{Dir: dir, Args: []string{"update-ref", "-d", "refs/tags/" + name, oid}, Trust: TrustHooks, Outlive: true})
	return err
}

// Ref is one line of ls-remote output.
type Ref struct {
	Name   string // e.g. refs/tags/DEPLOY_...
	Oid    string // what the ref points at (the tag object for annotated tags)
	Peeled string // for annotated tags, the object the tag points at
}

// ParseLsRemote parses "git ls-remote" output, folding each "^{}" line into
// the Peeled field of its tag.
func ParseLsRemote(out []byte) ([]Ref, error) {
	var refs []Ref
	idx := map[string]int{}
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" {
			continue
		}
		oid, name, ok := strings.Cut(line, "\t")
		if !ok || !IsOid(oid) || name == "" {
			return nil, fmt.Errorf("ls-remote: malformed line %q", line)
		}
		if base, ok := strings.CutSuffix(name, "^{}"); ok {
			if i, ok := idx[base]; ok {
				refs[i].Peeled = oid
				continue
			}
			return nil, fmt.Errorf("ls-remote: peeled line without its ref %q", line)
		}
		idx[name] = len(refs)
		refs = append(refs, Ref{Name: name, Oid: oid})
	}
	return refs, nil
}

// Target returns the commit a ref finally names: Peeled for annotated tags.
func (r Ref) Target() string {
	if r.Peeled != "" {
		return r.Peeled
	}
	return r.Oid
}

// TagMessage returns the message of an annotated tag object (everything
// after the header and the blank line, signature included if any).
func (r *Runner) TagMessage(ctx context.Context, dir, tagOid string) (string, error) {
	out, err := r.Run(ctx, dir, "cat-file", "tag", tagOid)
	if err != nil {
		return "", err
	}
	_, body, ok := strings.Cut(string(out), "\n\n")
	if !ok {
		return "", fmt.Errorf("tag object %s in %s has no message", tagOid, dir)
	}
	return body, nil
}

// RemoteURL returns the fetch URL configured for remote, or an error
// wrapping ErrNoRemote.
func (r *Runner) RemoteURL(ctx context.Context, dir, remote string) (string, error) {
	out, err := r.Run(ctx, dir, "config", "--get", "remote."+remote+".url")
	if err != nil {
		if ExitCode(err) == 1 {
			return "", fmt.Errorf("%w %q in %s", ErrNoRemote, remote, dir)
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// NotARepo turns git's "not a git repository" failure into ErrNotARepo.
func NotARepo(err error) error {
	if err != nil && ExitCode(err) == 128 && strings.Contains(Stderr(err), "not a git repository") {
		return fmt.Errorf("%w: %w", ErrNotARepo, err)
	}
	return err
}

// GitDir returns the git directory of a work tree and the common directory
// where refs and objects live (they differ for linked work trees), reading
// the ".git" file or folder without running git.
func GitDir(workTree string) (gitDir, commonDir string, err error) {
	dotgit := filepath.Join(workTree, ".git")
	fi, err := os.Stat(dotgit)
	if err != nil {
		return "", "", fmt.Errorf("%w: no .git in %s", ErrNotARepo, workTree)
	}
	gitDir = dotgit
	if !fi.IsDir() {
		b, err := os.ReadFile(dotgit)
		if err != nil {
			return "", "", err
		}
		p, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir: ")
		if !ok {
			return "", "", fmt.Errorf("%w: malformed %s", ErrNotARepo, dotgit)
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(workTree, p)
		}
		gitDir = p
	}
	commonDir = gitDir
	if b, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		c := strings.TrimSpace(string(b))
		if !filepath.IsAbs(c) {
			c = filepath.Join(gitDir, c)
		}
		commonDir = filepath.Clean(c)
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", "", err
	}
	return gitDir, commonDir, nil
}
