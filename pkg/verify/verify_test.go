package verify

import (
	"reflect"
	"testing"
)

func TestParseNameStatus(t *testing.T) {
	var d TreeDiff
	out := []byte("M\x00a b.txt\x00A\x00new\x00D\x00gone\x00T\x00link\x00")
	if err := parseNameStatus(out, &d); err != nil {
		t.Fatal(err)
	}
	want := TreeDiff{Edited: []string{"a b.txt", "link"}, Added: []string{"new"}, Deleted: []string{"gone"}}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got %+v, want %+v", d, want)
	}
	if err := parseNameStatus([]byte("M\x00"), &TreeDiff{}); err == nil {
		t.Error("odd output is an error")
	}
}

func TestLineText(t *testing.T) {
	l := Line{Name: "r", Problems: []string{"HEAD at x"}, Edited: []string{"a", "b"}, Deleted: []string{"c"}}
	if got := l.Text(); got != "HEAD at x; release files edited: a, b; release files deleted: c" {
		t.Errorf("Text = %q", got)
	}
	if got := (Line{OK: true}).Text(); got != "ok" {
		t.Errorf("Text = %q", got)
	}
}

func TestAddArgs(t *testing.T) {
	got := AddArgs("/rel/repo")
	want := []string{"-c", "core.fileMode=true", "-c", "core.symlinks=true", "--work-tree=/rel/repo", "add", "--all", "--force", "--", ":/"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AddArgs = %q", got)
	}
}

func TestFirstSigLine(t *testing.T) {
	for in, want := range map[string]string{
		"Good \"git\" signature with ED25519 key SHA256:x\nNo principal matched.\n": "No principal matched.",
		"error: no signature found\n": "no signature found",
		"weird\n":                     "weird",
	} {
		if got := firstSigLine(in); got != want {
			t.Errorf("firstSigLine(%q) = %q, want %q", in, got, want)
		}
	}
}
