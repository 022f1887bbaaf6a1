package git

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/testneed"
)

func gitT(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir, "GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestTagCertainlyAbsent(t *testing.T) {
	testneed.Need(t, "git")
	dir := t.TempDir()
	repo := filepath.Join(dir, "repo")
	gitT(t, dir, "init", "-q", repo)
	gitT(t, repo, "commit", "-q", "--allow-empty", "-m", "one")
	check := func(name string, want bool) {
		t.Helper()
		if got := TagCertainlyAbsent(repo, name); got != want {
			t.Errorf("TagCertainlyAbsent(%q) = %v, want %v", name, got, want)
		}
	}
	check("T1", true) // no packed-refs at all

	gitT(t, repo, "tag", "-a", "-m", "m", "T10")
	gitT(t, repo, "tag", "LIGHT")
	check("T10", false) // loose
	check("LIGHT", false)
	gitT(t, repo, "pack-refs", "--all")
	check("T10", false) // packed, annotated: followed by a ^peeled line
	check("LIGHT", false)
	check("T1", true) // a prefix of a packed tag is not that tag
	check("T100", true)
	check("10", true)

	lock := filepath.Join(repo, ".git", "refs", "tags", "T2.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	check("T2", false) // a lock: let git name it
	os.Remove(lock)
	check("T2", true)

	// a linked work tree reads the common dir's refs.
	wt := filepath.Join(dir, "wt")
	gitT(t, repo, "worktree", "add", "-q", "--detach", wt)
	if got := TagCertainlyAbsent(wt, "T10"); got {
		t.Errorf("TagCertainlyAbsent in a linked work tree = true for a packed tag")
	}
	if got := TagCertainlyAbsent(wt, "T3"); !got {
		t.Errorf("TagCertainlyAbsent in a linked work tree = false for an absent tag")
	}

	// another ref backend, or no repo: not sure.
	gitT(t, repo, "config", "extensions.refStorage", "reftable")
	check("T3", false)
	if TagCertainlyAbsent(dir, "T3") {
		t.Errorf("TagCertainlyAbsent outside a repo = true")
	}
}

// packedRefsHas finds exactly the refs a packed-refs file lists, sorted
// (binary search) or not (scan), with and without peeled lines.
func TestPackedRefsHas(t *testing.T) {
	var names []string
	for i := 0; i < 300; i++ {
		names = append(names, fmt.Sprintf("refs/tags/T%05d", i*2))
	}
	names = append(names, "refs/heads/main") // sorts before refs/tags
	slices.Sort(names)
	build := func(header string, peeledEvery int) []byte {
		var b strings.Builder
		b.WriteString(header)
		for i, n := range names {
			fmt.Fprintf(&b, "%040d %s\n", i, n)
			if peeledEvery > 0 && i%peeledEvery == 0 {
				fmt.Fprintf(&b, "^%040d\n", i+1)
			}
		}
		return []byte(b.String())
	}
	for _, tc := range []struct {
		header string
		peeled int
	}{
		{"# pack-refs with: peeled fully-peeled sorted \n", 1},
		{"# pack-refs with: peeled fully-peeled sorted \n", 3},
		{"# pack-refs with: sorted\n", 0},
		{"# pack-refs with: peeled \n", 2},
		{"", 1},
	} {
		data := build(tc.header, tc.peeled)
		for i := -1; i < 601; i++ {
			ref := fmt.Sprintf("refs/tags/T%05d", i)
			want := i >= 0 && i%2 == 0 && i < 600
			found, ok := packedRefsHas(data, ref)
			if !ok || found != want {
				t.Fatalf("%q peeled every %d: packedRefsHas(%s) = %v, %v; want %v, true", tc.header, tc.peeled, ref, found, ok, want)
			}
		}
		for _, ref := range []string{"refs/heads/main", "refs/tags/T00000", names[len(names)-1]} {
			if found, ok := packedRefsHas(data, ref); !found || !ok {
				t.Errorf("%q: %s not found", tc.header, ref)
			}
		}
		for _, ref := range []string{"refs/a", "refs/tags/T0000", "refs/tags/T000000", "refs/zzz", "refs/tags/"} {
			if found, ok := packedRefsHas(data, ref); found || !ok {
				t.Errorf("%q: %s found", tc.header, ref)
			}
		}
	}
	if _, ok := packedRefsHas([]byte("garbage\n"), "refs/tags/T"); ok {
		t.Error("malformed packed-refs understood")
	}
}

// TestReadRef: what the ref files say of a ref is what git says, loose or
// packed (with its peeled line), in SHA-1 and SHA-256 repos and linked
// work trees; whatever the files cannot answer for certain is left to git.
func TestReadRef(t *testing.T) {
	testneed.Need(t, "git")
	for _, format := range []string{"sha1", "sha256"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			repo := filepath.Join(dir, "repo")
			gitT(t, dir, "init", "-q", "--initial-branch=main", "--object-format="+format, repo)
			gitT(t, repo, "commit", "-q", "--allow-empty", "-m", "one")
			revParse := func(ref string) string {
				cmd := exec.Command("git", "-C", repo, "rev-parse", "--verify", ref)
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("rev-parse %s: %v", ref, err)
				}
				return strings.TrimSpace(string(out))
			}
			same := func(where, ref string) {
				t.Helper()
				oid, ok := ReadRef(where, ref)
				if want := revParse(ref); !ok || oid != want {
					t.Errorf("ReadRef(%s) = %q, %v; git says %s", ref, oid, ok, want)
				}
			}
			unsure := func(why, ref string) {
				t.Helper()
				if oid, ok := ReadRef(repo, ref); ok {
					t.Errorf("%s: ReadRef(%s) = %q, ok; want it left to git", why, ref, oid)
				}
			}
			for i := 0; i < 50; i++ {
				gitT(t, repo, "tag", "-a", "-m", "m", fmt.Sprintf("P%02d", i))
			}
			gitT(t, repo, "tag", "LIGHT")
			gitT(t, repo, "pack-refs", "--all")
			gitT(t, repo, "tag", "-a", "-m", "m", "LOOSE")
			same(repo, "refs/tags/LOOSE")
			same(repo, "refs/tags/P00")
			same(repo, "refs/tags/P25") // packed, annotated: followed by a ^peeled line
			same(repo, "refs/tags/P49")
			same(repo, "refs/tags/LIGHT")
			same(repo, "refs/heads/main")
			unsure("missing", "refs/tags/P5")
			unsure("missing", "refs/tags/NONE")

			// a loose ref shadows its packed line, as in git
			gitT(t, repo, "tag", "-f", "-a", "-m", "again", "P10")
			same(repo, "refs/tags/P10")

			wt := filepath.Join(dir, "wt")
			gitT(t, repo, "worktree", "add", "-q", "--detach", wt)
			if oid, ok := ReadRef(wt, "refs/tags/P25"); !ok || oid != revParse("refs/tags/P25") {
				t.Errorf("ReadRef in a linked work tree = %q, %v", oid, ok)
			}

			lock := filepath.Join(repo, ".git", "refs", "tags", "P30.lock")
			os.WriteFile(lock, nil, 0o644)
			unsure("a lock", "refs/tags/P30")
			os.Remove(lock)
			gitT(t, repo, "symbolic-ref", "refs/tags/SYM", "refs/tags/LOOSE")
			unsure("a symbolic ref", "refs/tags/SYM")
			os.WriteFile(filepath.Join(repo, ".git", "refs", "tags", "BAD"), []byte("12345\n"), 0o644)
			unsure("not an object id", "refs/tags/BAD")
			gitT(t, repo, "config", "extensions.refStorage", "reftable")
			unsure("reftable", "refs/tags/LOOSE")
		})
	}
}
