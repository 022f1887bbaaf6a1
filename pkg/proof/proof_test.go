package proof

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/pkg/gitobj"
)

func TestWriteLayout(t *testing.T) {
	rel := t.TempDir()
	if err := Init(rel); err != nil {
		t.Fatal(err)
	}
	// Write checks the chain tag -> commit -> tree and each object's name.
	commit := []byte("tree " + strings.Repeat("c", 40) + "\n")
	subCommit := []byte("tree " + strings.Repeat("d", 40) + "\n")
	sub := gitobj.HashBytes(gitobj.SHA1, gitobj.TypeCommit, subCommit)
	r := Repo{
		Name:   "api",
		Tag:    []byte("object " + gitobj.HashBytes(gitobj.SHA1, gitobj.TypeCommit, commit) + "\ntype commit\ntag T\n"),
		Commit: commit,
		Tree:   strings.Repeat("c", 40),
		Record: Record{
			ObjectFormat: "sha1",
			Submodules:   []Submodule{{Path: "lib/z", Commit: sub}, {Path: "lib/a", Commit: sub}},
		},
		Objects: map[string][]byte{sub: subCommit},
	}
	if err := Write(rel, r); err != nil {
		t.Fatal(err)
	}
	read := func(p ...string) string {
		b, err := os.ReadFile(filepath.Join(append([]string{rel, Dir}, p...)...))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if got := read(FormatFile); got != "deploytag-proof 1\n" {
		t.Errorf("FORMAT = %q", got)
	}
	if got := read("api", TreeFile); got != strings.Repeat("c", 40)+"\n" {
		t.Errorf("tree = %q", got)
	}
	if got := read("api", TagFile); got != string(r.Tag) {
		t.Errorf("tag = %q", got)
	}
	if got := read("api", ObjectsDir, sub); got != string(subCommit) {
		t.Errorf("object = %q", got)
	}
	want := `{
  "object_format": "sha1",
  "submodules": [
    {
      "path": "lib/a",
      "commit": "` + sub + `"
    },
    {
      "path": "lib/z",
      "commit": "` + sub + `"
    }
  ],
  "lfs": [],
  "export": null
}
`
	if got := read("api", RecordFile); got != want {
		t.Errorf("record.json =\n%s\nwant\n%s", got, want)
	}
	// Nothing is overwritten.
	if err := Write(rel, r); err == nil {
		t.Error("second Write of the same repo succeeded")
	}
}

func TestRecordExportLists(t *testing.T) {
	b, err := MarshalRecord(Record{ObjectFormat: "sha256", Export: &Export{}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"ignored": []`) || !strings.Contains(string(b), `"substituted": []`) {
		t.Errorf("empty export lists not written as []:\n%s", b)
	}
	if _, err := MarshalRecord(Record{ObjectFormat: "md5"}); err == nil {
		t.Error("unknown object format accepted")
	}
}

func TestWriteRefusesBadNames(t *testing.T) {
	rel := t.TempDir()
	if err := Init(rel); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", "..", "a/b"} {
		if err := Write(rel, Repo{Name: name, Record: Record{ObjectFormat: "sha1"}}); err == nil {
			t.Errorf("Write(%q) succeeded", name)
		}
	}
	if err := Write(rel, Repo{Name: "x", Record: Record{ObjectFormat: "sha1"}, Objects: map[string][]byte{"../x": nil}}); err == nil {
		t.Error("object name ../x accepted")
	}
}
