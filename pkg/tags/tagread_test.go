package tags

import (
	"strings"
	"testing"
)

func TestHighestVersion(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{
		{"", ""},
		{"DEPLOY_20261125_142501_3f9a2c1 release-3 1.2 v2 latest", ""},
		{"v1.9.0 v1.10.0", "v1.10.0"},                              // not string order
		{"v1.10.0-rc.2 v1.10.0-rc.10 v1.9.0", "v1.10.0-rc.10"},     // numeric pre-release parts
		{"v1.10.0-rc.10 v1.10.0", "v1.10.0"},                       // a release beats its pre-releases
		{"v2.0.0-alpha v2.0.0-alpha.1 v2.0.0-beta", "v2.0.0-beta"}, // semver's own example order
		{"1.2.3 v1.2.3", "1.2.3"},                                  // equal precedence: first by name
		{"v1.2.3 1.2.3", "1.2.3"},
		{"v1.2.3+build.2 v1.2.3+build.1", "v1.2.3+build.1"},
		{"V1.2.3 vv1.2.3 v01.2.3 v1.2.3.4", ""}, // only a single lower-case v, strict semver
	} {
		if got := HighestVersion(strings.Fields(c.in)); got != c.want {
			t.Errorf("HighestVersion(%s) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseTagList(t *testing.T) {
	const tag = "DEPLOY_20261125_142501_3f9a2c1"
	msg := tag + "\n\nrepo-a  d969dc1f88eabe71577157884604fddd05a6e497\nrepo-b  f5476fdb225482e195d84828aae9fb4d6b72e91d\n"
	out := tag + "\x00tag\x00" + msg + "\x00\x00\n" +
		"v1.2.3\x00commit\x00\x00\x00\n" +
		"DEPLOY_20261126_000000_0000000\x00commit\x00\x00\x00\n" +
		"DEPLOY_20261127_000000_0000000\x00tag\x00not a deploy message\n\x00\x00\n"
	got, err := ParseTagList([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d tags, want 3 deploy tags: %v", len(got), got)
	}
	if m := got[tag].manifest; len(m) != 2 || m[1].Name != "repo-b" {
		t.Errorf("manifest of %s = %v", tag, m)
	}
	if got["DEPLOY_20261126_000000_0000000"].manifest != nil || got["DEPLOY_20261127_000000_0000000"].manifest != nil {
		t.Errorf("a lightweight tag or a foreign message records no manifest")
	}
	if _, err := ParseTagList([]byte("broken\x00\x00\n")); err == nil {
		t.Error("a malformed record is an error")
	}
}

func TestParseLeftRightLog(t *testing.T) {
	left, right, err := ParseLeftRightLog([]byte(">\x00d969dc1f88eabe71577157884604fddd05a6e497\x00fix: a\tb\n" +
		"<\x00f5476fdb225482e195d84828aae9fb4d6b72e91d\x00\n>\x000be41d2c4a1e0be41d2c4a1e0be41d2c4a1e0be4\x00<script>\n"))
	if err != nil || len(right) != 2 || len(left) != 1 || right[0].Subject != "fix: a\tb" || right[1].Subject != "<script>" ||
		left[0].Commit != "f5476fdb225482e195d84828aae9fb4d6b72e91d" || left[0].Subject != "" {
		t.Fatalf("ParseLeftRightLog = %v, %v, %v", left, right, err)
	}
	for _, bad := range []string{"nothex\x00x\n", ">\x00nothex\x00x\n", "-\x00d969dc1f88eabe71577157884604fddd05a6e497\x00x\n"} {
		if _, _, err := ParseLeftRightLog([]byte(bad)); err == nil {
			t.Errorf("%q: a malformed line is an error", bad)
		}
	}
}

func TestFormatChanges(t *testing.T) {
	a, b := strings.Repeat("a", 40), strings.Repeat("b", 40)
	got := FormatChanges([]Change{
		{Name: "x", From: a, To: b, Ahead: 1, Behind: 0, Log: []Commit{{b, "new"}}},
		{Name: "y", From: a, To: b, Ahead: -1, Behind: -1},
		{Name: "z", To: b}, {Name: "w", From: a},
	})
	want := "x\t+1 -0\taaaaaaaaaaaa..bbbbbbbbbbbb\n\t+ bbbbbbbbbbbb new\n" +
		"y\t+? -?\taaaaaaaaaaaa..bbbbbbbbbbbb\n" +
		"z\tadded\tbbbbbbbbbbbb\n" + "w\tremoved\taaaaaaaaaaaa\n"
	if got != want {
		t.Errorf("FormatChanges =\n%s\nwant\n%s", got, want)
	}
}

func TestMergedTagsArgs(t *testing.T) {
	got := strings.Join(MergedTagsArgs("abc"), " ")
	if got != "for-each-ref --merged=abc --format=%(refname:strip=2) -- refs/tags/" {
		t.Errorf("argv = %s", got)
	}
}
