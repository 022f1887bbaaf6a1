package verify

import (
	"testing"
)

func TestLineText(t *testing.T) {
	l := Line{Name: "r", Problems: []string{"HEAD at x"}, Diff: Diff{Edited: []string{"a", "b"}, Deleted: []string{"c"},
		Added: []string{"1", "2", "3", "4", "5"}, ModeChanged: []string{"m"}, Retargeted: []string{"l"}, TypeChanged: []string{"t"}}}
	want := "HEAD at x; edited 2: a, b; added 5: 1, 2, 3 and 2 more; deleted 1: c; mode changed 1: m; symlink retargeted 1: l; type changed 1: t"
	if got := l.Text(); got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	if got := (Line{OK: true}).Text(); got != "ok" {
		t.Errorf("Text = %q", got)
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
