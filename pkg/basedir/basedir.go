// Package basedir finds the repos of a system: the immediate sub-folders of
// a base directory that are git work trees. It maps repo names to paths and
// reads repo operands, including "-" for a list on stdin.
package basedir

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/deploytag/deploytag/pkg/fail"
	"github.com/deploytag/deploytag/pkg/manifest"
)

// Repo is one repo of a basedir.
type Repo struct {
	Name string // folder name, valid by manifest.ValidName
	Path string // path to its work tree
}

// RepoError is a failure in one repo. Its message ends with the repo's
// name in parentheses, the way every tool names a culprit.
type RepoError struct {
	Repo string
	Err  error
}

func (e *RepoError) Error() string { return fmt.Sprintf("%v (%s)", e.Err, e.Repo) }
func (e *RepoError) Unwrap() error { return e.Err }

// Errorf returns a *RepoError for repo.
func Errorf(repo, format string, args ...any) error {
	return &RepoError{Repo: repo, Err: fmt.Errorf(format, args...)}
}

// Wrap returns err as a *RepoError for repo, or nil.
func Wrap(repo string, err error) error {
	if err == nil {
		return nil
	}
	var re *RepoError
	if errors.As(err, &re) && re.Repo == repo {
		return err
	}
	return &RepoError{Repo: repo, Err: err}
}

type notFound string

func (p notFound) Error() string      { return "no such folder " + string(p) }
func (notFound) Is(target error) bool { return target == os.ErrNotExist }

// IsWorkTree reports whether dir holds a .git folder or file.
func IsWorkTree(dir string) bool {
	_, err := os.Lstat(filepath.Join(dir, ".git"))
	return err == nil
}

func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("basedir %s does not exist", dir)
	case err != nil:
		return fmt.Errorf("basedir: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("basedir %s is not a folder", dir)
	}
	return nil
}

// Discover returns every immediate sub-folder of dir that is a git work
// tree, sorted by name. Sub-folders that are not work trees, and hidden
// ones (a leading dot), are ignored.
// A work tree whose name is not a repo name (manifest.ValidName: a space,
// a non-ASCII letter, a leading dash, a reserved name) is never skipped
// in silence: each is named in the error, a join of *NotTakenError, which
// comes with the repos that were taken. Callers that have the repos listed
// elsewhere (deploy.toml's repos, a tag's manifest) use Select or check
// for NotTaken.
func Discover(dir string) ([]Repo, error) {
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("basedir: %w", err)
	}
	var repos []Repo
	var skipped []error
	var last *NotTakenError
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue // hidden on purpose (and checkout's temporary clones)
		}
		p := filepath.Join(dir, e.Name())
		// A symlink to a work tree counts, as it does when named.
		if !e.IsDir() {
			if fi, err := os.Stat(p); err != nil || !fi.IsDir() || e.Type()&os.ModeSymlink == 0 {
				continue
			}
		}
		if !IsWorkTree(p) {
			continue
		}
		if err := manifest.ValidName(e.Name()); err != nil {
			last = &NotTakenError{Dir: dir, Name: e.Name(), Err: err}
			skipped = append(skipped, last)
			continue
		}
		repos = append(repos, Repo{Name: e.Name(), Path: p})
	}
	if len(skipped) > 0 {
		last.hint = true
		return repos, errors.Join(skipped...)
	}
	if len(repos) == 0 {
		return nil, fail.WithHint(fmt.Errorf("no git repos in basedir %s", dir), InRepoHint(dir))
	}
	return repos, nil
}

// InRepoHint is the hint for a basedir with no repos that is a git work
// tree itself, or a folder inside one: a newcomer running a tool in one
// of the repos. It names the folder that holds the repos. "" when dir is
// in no work tree.
func InRepoHint(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		if IsWorkTree(d) {
			where := dir + " is itself a git repo"
			if d != abs {
				where = fmt.Sprintf("%s is inside the git repo %s", dir, d)
			}
			return fmt.Sprintf("%s; the basedir is the folder that holds the repos, each a sub-folder: here %s", where, filepath.Dir(d))
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// NotTakenError is a work tree of the basedir that discovery will not take
// as a repo, because its name is outside the repo-name grammar.
type NotTakenError struct {
	Dir, Name string
	Err       error // why the name is refused
	hint      bool
}

func (e *NotTakenError) Error() string {
	return fmt.Sprintf("%q is a git work tree but not a repo name, so it would be left out: %v (basedir %s)", e.Name, e.Err, e.Dir)
}
func (e *NotTakenError) Unwrap() error { return e.Err }

// Hint is given once, after the last such folder.
func (e *NotTakenError) Hint() string {
	if !e.hint {
		return ""
	}
	return "rename it, or list the repos in deploy.toml (repos = [...]) to say which are deployed"
}

// OnlyNotTaken reports whether err holds nothing but *NotTakenError: the
// repos Discover returned with it are every work tree with a valid name.
func OnlyNotTaken(err error) bool {
	if err == nil {
		return false
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		var nt *NotTakenError
		return errors.As(err, &nt)
	}
	for _, e := range j.Unwrap() {
		if !OnlyNotTaken(e) {
			return false
		}
	}
	return true
}

// Named resolves repo names in dir. Every name that is invalid, missing or
// not a work tree is reported, joined; the repos that did resolve are
// returned with the error, so a caller can go on to name every culprit.
func Named(dir string, names []string) ([]Repo, error) {
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	var errs []error
	repos := make([]Repo, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		if err := manifest.ValidName(n); err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[n] {
			errs = append(errs, Errorf(n, "repo named twice"))
			continue
		}
		seen[n] = true
		p := filepath.Join(dir, n)
		if err := checkRepo(p); errors.Is(err, os.ErrNotExist) {
			errs = append(errs, Errorf(n, "no such repo in basedir %s", dir))
			continue
		} else if err != nil {
			errs = append(errs, Wrap(n, err))
			continue
		}
		repos = append(repos, Repo{Name: n, Path: p})
	}
	sort.Slice(repos, func(i, j int) bool { return repos[i].Name < repos[j].Name })
	return repos, errors.Join(errs...)
}

func checkRepo(p string) error {
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return notFound(p)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is not a folder", p)
	case !IsWorkTree(p):
		return fmt.Errorf("%s is not a git work tree", p)
	}
	return nil
}

// Operands resolves repo operands. An operand without a slash is a name
// in dir; one with a slash is a path to a work tree whose name is its last
// element; "-" reads more operands from stdin, one per line. Names must be
// unique. Every bad operand is reported, with the repos that did resolve.
func Operands(dir string, args []string, stdin io.Reader) ([]Repo, error) {
	var ops []string
	dashes := 0
	for _, a := range args {
		if a != "-" {
			ops = append(ops, a)
			continue
		}
		if dashes++; dashes > 1 {
			return nil, fail.Usage(errors.New("'-' (read repos from stdin) given more than once"))
		}
		if stdin == nil {
			return nil, errors.New("'-' given but there is no standard input")
		}
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" {
				ops = append(ops, line)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("reading repos from stdin: %w", err)
		}
		stdin = nil
	}
	var names []string
	var paths []Repo
	var errs []error
	for _, op := range ops {
		if !strings.Contains(op, "/") {
			if err := manifest.ValidName(op); err != nil {
				errs = append(errs, fail.Usage(err))
				continue
			}
			names = append(names, op)
			continue
		}
		p := filepath.Clean(op)
		name := filepath.Base(p)
		if abs, err := filepath.Abs(p); err == nil {
			name = filepath.Base(abs)
		}
		if err := manifest.ValidName(name); err != nil {
			errs = append(errs, fail.Usage(fmt.Errorf("%w (%s)", err, op)))
			continue
		}
		if err := checkRepo(p); err != nil {
			errs = append(errs, Wrap(op, err))
			continue
		}
		paths = append(paths, Repo{Name: name, Path: p})
	}
	var repos []Repo
	if len(names) > 0 {
		r, err := Named(dir, names)
		if err != nil {
			errs = append(errs, err)
		}
		repos = r
	}
	repos = append(repos, paths...)
	sort.Slice(repos, func(i, j int) bool { return repos[i].Name < repos[j].Name })
	for i := 1; i < len(repos); i++ {
		if repos[i].Name == repos[i-1].Name {
			errs = append(errs, Errorf(repos[i].Name, "two repos of the same name: %s and %s", repos[i-1].Path, repos[i].Path))
		}
	}
	if len(repos) == 0 && len(errs) == 0 {
		return nil, errors.New("no repos given on standard input")
	}
	return repos, errors.Join(errs...)
}

// Select picks the repos a tool works on: the operands if any, else the
// configured names, else every work tree in dir.
func Select(dir string, configured, operands []string, stdin io.Reader) ([]Repo, error) {
	switch {
	case len(operands) > 0:
		return Operands(dir, operands, stdin)
	case len(configured) > 0:
		return Named(dir, configured)
	default:
		return Discover(dir)
	}
}

// HoldsRepos reports whether dir holds git work trees: whether it is a
// basedir.
func HoldsRepos(dir string) bool {
	repos, err := Discover(dir)
	return len(repos) > 0 || OnlyNotTaken(err)
}
