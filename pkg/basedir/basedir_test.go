package basedir

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/pkg/fail"
)

// fakeBase makes a basedir holding the entries named: "name/" is a work
// tree with a .git folder, "name/f" one with a .git file (as a linked
// work tree or submodule has), "name" a plain folder, "name.txt" a file.
func fakeBase(t *testing.T, entries ...string) string {
	t.Helper()
	base := t.TempDir()
	for _, e := range entries {
		var err error
		switch {
		case strings.HasSuffix(e, "/f"):
			p := filepath.Join(base, strings.TrimSuffix(e, "/f"))
			if err = os.MkdirAll(p, 0o755); err == nil {
				err = os.WriteFile(filepath.Join(p, ".git"), []byte("gitdir: elsewhere\n"), 0o644)
			}
		case strings.HasSuffix(e, "/"):
			err = os.MkdirAll(filepath.Join(base, e, ".git"), 0o755)
		case strings.HasSuffix(e, ".txt"):
			err = os.WriteFile(filepath.Join(base, e), []byte("x\n"), 0o644)
		default:
			err = os.MkdirAll(filepath.Join(base, e), 0o755)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return base
}

func names(repos []Repo) []string {
	out := []string{}
	for _, r := range repos {
		out = append(out, r.Name)
	}
	return out
}

// wantErr checks that err holds every fragment (or is nil when none).
func wantErr(t *testing.T, err error, frags []string) {
	t.Helper()
	if len(frags) == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want one with %q", frags)
	}
	for _, f := range frags {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q lacks %q", err, f)
		}
	}
}

func TestDiscover(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		entries []string
		want    []string
		err     []string
	}{
		{"sorted work trees", []string{"zed/", "repo-b/f", "repo-a/"}, []string{"repo-a", "repo-b", "zed"}, nil},
		{"non-repos and hidden folders ignored",
			[]string{"repo-a/", "plain", "notes.txt", ".hidden/", "bad name"},
			[]string{"repo-a"}, nil},
		// Work trees with bad names are named, never skipped in silence,
		// and come with the repos that were taken.
		{"bad names named",
			[]string{"repo-a/", "plain", "has space/", "-dash/", "a..b/", "_under/", "DEPLOY_TAG/"},
			[]string{"repo-a"}, []string{`"has space" is a git work tree but not a repo name`, `"-dash"`, `"a..b"`, `"_under"`, `"DEPLOY_TAG"`}},
		{"only bad names", []string{"plain", "notes.txt", "bad name/"}, []string{}, []string{`"bad name" is a git work tree but not a repo name`}},
		{"no repos at all", []string{"plain", "notes.txt"}, nil, []string{"no git repos in basedir"}},
		{"empty", nil, nil, []string{"no git repos in basedir"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := fakeBase(t, tc.entries...)
			got, err := Discover(base)
			wantErr(t, err, tc.err)
			if (tc.err == nil || OnlyNotTaken(err)) && !reflect.DeepEqual(names(got), tc.want) {
				t.Errorf("Discover = %q, want %q", names(got), tc.want)
			}
			for _, r := range got {
				if r.Path != filepath.Join(base, r.Name) {
					t.Errorf("path of %s is %s", r.Name, r.Path)
				}
			}
		})
	}
}

// A symlink to a work tree is a repo when found, as when named; a symlink
// to a file or to nothing is not.
func TestDiscoverFollowsSymlinkedRepos(t *testing.T) {
	t.Parallel()
	elsewhere := fakeBase(t, "real/")
	base := fakeBase(t, "repo-a/", "notes.txt")
	for name, target := range map[string]string{
		"linked":   filepath.Join(elsewhere, "real"),
		"to-file":  filepath.Join(base, "notes.txt"),
		"dangling": filepath.Join(base, "nothing"),
	} {
		if err := os.Symlink(target, filepath.Join(base, name)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Discover(base)
	if err != nil || !reflect.DeepEqual(names(got), []string{"linked", "repo-a"}) {
		t.Fatalf("Discover = %q, %v; want linked and repo-a", names(got), err)
	}
	named, err := Named(base, []string{"linked"})
	if err != nil || len(named) != 1 {
		t.Fatalf("Named(linked) = %v, %v", named, err)
	}
}

func TestDiscoverBadBasedir(t *testing.T) {
	t.Parallel()
	base := fakeBase(t, "notes.txt")
	for _, tc := range []struct{ dir, err string }{
		{filepath.Join(base, "nowhere"), "does not exist"},
		{filepath.Join(base, "notes.txt"), "is not a folder"},
	} {
		_, err := Discover(tc.dir)
		wantErr(t, err, []string{tc.dir, tc.err})
		_, err = Named(tc.dir, []string{"repo-a"})
		wantErr(t, err, []string{tc.dir, tc.err})
	}
}

func TestNamed(t *testing.T) {
	t.Parallel()
	base := fakeBase(t, "repo-a/", "repo-b/f", "plain", "notes.txt")
	for _, tc := range []struct {
		name  string
		names []string
		want  []string // repos returned, even beside an error
		err   []string
	}{
		{"sorted", []string{"repo-b", "repo-a"}, []string{"repo-a", "repo-b"}, nil},
		{"invalid name", []string{"-x"}, []string{}, []string{`invalid repo name "-x"`}},
		{"path-like name", []string{"../repo-a"}, []string{}, []string{`invalid repo name "../repo-a"`}},
		{"missing", []string{"nope"}, []string{}, []string{"no such repo in basedir", "(nope)"}},
		{"not a work tree", []string{"plain"}, []string{}, []string{"is not a git work tree (plain)"}},
		{"not a folder", []string{"notes.txt"}, []string{}, []string{"is not a folder (notes.txt)"}},
		{"named twice", []string{"repo-a", "repo-a"}, []string{"repo-a"}, []string{"repo named twice (repo-a)"}},
		{"every culprit named, the good ones kept",
			[]string{"nope", "repo-b", "-x", "plain", "repo-a"}, []string{"repo-a", "repo-b"},
			[]string{"(nope)", `"-x"`, "(plain)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Named(base, tc.names)
			wantErr(t, err, tc.err)
			if !reflect.DeepEqual(names(got), tc.want) {
				t.Errorf("Named = %q, want %q", names(got), tc.want)
			}
			var re *RepoError
			if err != nil && strings.Contains(err.Error(), "(") && !errors.As(err, &re) {
				t.Errorf("error %q carries no *RepoError", err)
			}
		})
	}
}

func TestNamedMissingIsNotExist(t *testing.T) {
	t.Parallel()
	base := fakeBase(t, "repo-a/")
	_, err := Operands(base, []string{filepath.Join(base, "gone")}, nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v is not os.ErrNotExist", err)
	}
}

func TestOperands(t *testing.T) {
	t.Parallel()
	base := fakeBase(t, "repo-a/", "repo-b/", "plain")
	other := fakeBase(t, "repo-a/", "repo-c/", "-bad/")
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string // "nil" for no stdin at all
		want  []string
		err   []string
	}{
		{"names", []string{"repo-b", "repo-a"}, "", []string{"repo-a", "repo-b"}, nil},
		{"dash reads stdin, trims, skips blanks", []string{"-"}, "repo-b\n\n  repo-a  \n", []string{"repo-a", "repo-b"}, nil},
		{"dash beside names", []string{"repo-a", "-"}, "repo-b\n", []string{"repo-a", "repo-b"}, nil},
		{"dash with nothing on stdin", []string{"-"}, "", nil, []string{"no repos given on standard input"}},
		{"dash without stdin", []string{"-"}, "nil", nil, []string{"no standard input"}},
		{"stdin names checked too", []string{"-"}, "repo-a\n--force\nnope\n", []string{"repo-a"},
			[]string{`invalid repo name "--force"`, "(nope)"}},
		{"duplicate on stdin", []string{"repo-a", "-"}, "repo-a\n", []string{"repo-a"}, []string{"repo named twice (repo-a)"}},
		{"path operand", []string{filepath.Join(other, "repo-c"), "repo-a"}, "", []string{"repo-a", "repo-c"}, nil},
		{"path and name of the same name", []string{filepath.Join(other, "repo-a"), "repo-a"}, "",
			[]string{"repo-a", "repo-a"}, []string{"two repos of the same name", "(repo-a)"}},
		{"path to a non-repo", []string{filepath.Join(base, "plain")}, "", []string{}, []string{"is not a git work tree"}},
		{"path with a bad name", []string{filepath.Join(other, "-bad")}, "", []string{}, []string{`invalid repo name "-bad"`}},
		{"path that does not exist", []string{filepath.Join(other, "gone")}, "", []string{}, []string{"no such folder"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdin *strings.Reader
			if tc.stdin != "nil" {
				stdin = strings.NewReader(tc.stdin)
			}
			var got []Repo
			var err error
			if stdin == nil {
				got, err = Operands(base, tc.args, nil)
			} else {
				got, err = Operands(base, tc.args, stdin)
			}
			wantErr(t, err, tc.err)
			if tc.want != nil && !reflect.DeepEqual(names(got), tc.want) {
				t.Errorf("Operands = %q, want %q", names(got), tc.want)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	t.Parallel()
	base := fakeBase(t, "repo-a/", "repo-b/", "repo-c/")
	for _, tc := range []struct {
		name                 string
		configured, operands []string
		want                 []string
	}{
		{"discovery", nil, nil, []string{"repo-a", "repo-b", "repo-c"}},
		{"configured", []string{"repo-c", "repo-a"}, nil, []string{"repo-a", "repo-c"}},
		{"operands beat configured", []string{"repo-c"}, []string{"repo-b"}, []string{"repo-b"}},
	} {
		got, err := Select(base, tc.configured, tc.operands, strings.NewReader(""))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(names(got), tc.want) {
			t.Errorf("%s: Select = %q, want %q", tc.name, names(got), tc.want)
		}
	}
}

func TestRepoError(t *testing.T) {
	t.Parallel()
	err := Errorf("repo-a", "tag %s exists", "T")
	if err.Error() != "tag T exists (repo-a)" {
		t.Errorf("Errorf = %q", err)
	}
	if Wrap("repo-a", nil) != nil {
		t.Error("Wrap(nil) is not nil")
	}
	if w := Wrap("repo-a", err); w.Error() != err.Error() || !errors.Is(w, err) {
		t.Errorf("Wrap of the same repo wrapped again: %q", w)
	}
	if w := Wrap("repo-b", os.ErrNotExist); w.Error() != "file does not exist (repo-b)" || !errors.Is(w, os.ErrNotExist) {
		t.Errorf("Wrap = %q", w)
	}
}

// A basedir with no repos that is a work tree itself, or a folder inside
// one, gets a hint naming the folder that holds the repos; one that is in
// no work tree gets none.
func TestDiscoverInARepo(t *testing.T) {
	t.Parallel()
	base := fakeBase(t, "repo-a/", "repo-a/src/lib", "empty")
	for _, tc := range []struct{ dir, hint string }{
		{filepath.Join(base, "repo-a"), filepath.Join(base, "repo-a") + " is itself a git repo; the basedir is the folder that holds the repos, each a sub-folder: here " + base},
		{filepath.Join(base, "repo-a", "src", "lib"), filepath.Join(base, "repo-a", "src", "lib") + " is inside the git repo " + filepath.Join(base, "repo-a") + "; the basedir is the folder that holds the repos, each a sub-folder: here " + base},
		{filepath.Join(base, "empty"), ""},
	} {
		_, err := Discover(tc.dir)
		wantErr(t, err, []string{"no git repos in basedir " + tc.dir})
		if got := fail.Hint(err); got != tc.hint {
			t.Errorf("Discover(%s): hint %q, want %q", tc.dir, got, tc.hint)
		}
	}
}
