package place

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestLineage(t *testing.T) {
	for _, tc := range []struct {
		name string
		log  string // one attempt a word: TAG (ok) or !TAG (failed)
		live string
		want string // the lineage, oldest first
		back string // where a rollback goes ("" none)
	}{
		{"deploys in turn", "A B C", "C", "A B C", "B"},
		{"one rollback", "A B C B", "B", "A B", "A"},
		{"two rollbacks", "A B C B A", "A", "A", ""},
		{"a deploy after a rollback", "A B C B D", "D", "A B D", "B"},
		{"a redeploy of the live tag", "A B B B", "B", "A B", "A"},
		{"an older tag deployed again", "A B C A", "A", "A", ""},
		{"failures never went live", "A !B B !C", "B", "A B", "A"},
		{"current switched by hand", "A B", "C", "A B C", "B"},
		{"current switched back by hand", "A B C", "A", "A", ""},
		{"nothing live", "A B", "", "A B", ""},
		{"no log", "", "A", "A", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRoot(t)
			h, err := r.OpenLog()
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			for _, w := range strings.Fields(tc.log) {
				tag, err := strings.TrimPrefix(w, "!"), error(nil)
				if w[0] == '!' {
					err = os.ErrInvalid
				}
				if err := h.Append(NewEntry(time.Unix(0, 0), "dev", tag, "ann", "h", err)); err != nil {
					t.Fatal(err)
				}
				os.MkdirAll(r.ReleasePath(tag), 0o755)
			}
			if tc.live != "" {
				os.MkdirAll(r.ReleasePath(tc.live), 0o755)
				if err := r.Switch(tc.live); err != nil {
					t.Fatal(err)
				}
			}
			l, err := r.Lineage()
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(l, " "); got != tc.want {
				t.Errorf("lineage %q, want %q", got, tc.want)
			}
			back, ok, err := r.Previous()
			if err != nil || ok != (tc.back != "") || back != tc.back {
				t.Errorf("Previous = %q, %v, %v; want %q", back, ok, err, tc.back)
			}
		})
	}
}

func TestBackSkipsReleasesNotKept(t *testing.T) {
	r := newRoot(t)
	for _, tag := range []string{"A", "C"} {
		os.Mkdir(r.ReleasePath(tag), 0o755)
	}
	if back, ok := r.Back(Lineage{"A", "B", "C"}); !ok || back != "A" {
		t.Errorf("Back = %q, %v; want A (B pruned)", back, ok)
	}
	if l := (Lineage{"A", "B"}).Then("C"); strings.Join(l, " ") != "A B C" {
		t.Errorf("Then C = %v", l)
	}
	if l := (Lineage{"A", "B", "C"}).Then("A"); strings.Join(l, " ") != "A" {
		t.Errorf("Then A = %v", l)
	}
}

func TestCanSwitch(t *testing.T) {
	r := newRoot(t)
	if err := r.CanSwitch(); err != nil {
		t.Fatalf("a fresh root: %v", err)
	}
	if ents, _ := os.ReadDir(r.Dir); len(ents) != 1 {
		t.Errorf("CanSwitch left %v in the root", ents)
	}
	os.Mkdir(r.path(CurrentLink), 0o755)
	if err := r.CanSwitch(); err == nil || !strings.Contains(err.Error(), "current is not a symlink") {
		t.Errorf("current a folder: %v", err)
	}
}
