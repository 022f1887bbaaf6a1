package names

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/testneed"
)

var tagNames = []struct {
	name string
	ok   bool
}{
	{"DEPLOY_20261125_142501_3f9a2c1", true},
	{"v2.1.4-beta-final", true},
	{"v1.0.0+build.5", true},
	{"a", true},
	{"0", true},
	{strings.Repeat("x", 128), true},
	{strings.Repeat("x", 129), false},
	{"", false},
	{"HEAD", false},
	{"-x", false},
	{"--force", false},
	{".hidden", false},
	{"_x", false},
	{"a..b", false},
	{"a/b", false},
	{"refs/heads/x", false},
	{"x.lock", false},
	{"x.", false},
	{"with space", false},
	{"a@{1}", false},
	{"@", false},
	{"a~1", false},
	{"a^", false},
	{"a:b", false},
	{"a*", false},
	{"a?", false},
	{"a[", false},
	{`a\b`, false},
	{"a\tb", false},
	{"a\nb", false},
	{"tag'quote", false},
	{`tag"quote`, false},
	{"ünïcode", false},
	// A name shaped like a deploy tag is checked in full: a real date and
	// time, exactly seven lower-case hex digits, a valid prefix.
	{"DEPLOY_20261301_000000_abcdef0", false},
	{"DEPLOY_20260230_000000_abcdef0", false},
	{"DEPLOY_20261125_246000_abcdef0", false},
	{"DEPLOY_20261125_142501_abcdef", false},
	{"DEPLOY_20261125_142501_abcdef01", false},
	{"DEPLOY_20261125_142501_ABCDEF0", false},
	{"DEPLOY_00001125_142501_abcdef0", false},
	{"QA2_20261125_142501_3f9a2c1", true},
	{"DEPLOY_20261125_142501_3f9a2c1-rc1", true}, // not deploy-shaped: a plain tag
	{"deploy_20261301_000000_abcdef0", true},     // lower-case prefix: a plain tag
}

func TestValidTagName(t *testing.T) {
	for _, tc := range tagNames {
		err := ValidTagName(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("ValidTagName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

// Every name our grammar accepts must also pass git's own check.
func TestValidTagNamesPassGit(t *testing.T) {
	testneed.Need(t, "git")
	for _, tc := range tagNames {
		if !tc.ok {
			continue
		}
		out, err := exec.Command("git", "check-ref-format", "refs/tags/"+tc.name).CombinedOutput()
		if err != nil {
			t.Errorf("git check-ref-format refuses %q, which ValidTagName accepts: %v %s", tc.name, err, out)
		}
	}
}

func TestValidPrefixAndEnvironment(t *testing.T) {
	for _, p := range []string{"DEPLOY", "QA2", "X"} {
		if err := ValidPrefix(p); err != nil {
			t.Errorf("ValidPrefix(%q) = %v", p, err)
		}
	}
	for _, p := range []string{"", "deploy", "2QA", "DE_PLOY", "DE-PLOY", "-X"} {
		if ValidPrefix(p) == nil {
			t.Errorf("ValidPrefix(%q) accepted", p)
		}
	}
	for _, e := range []string{"dev", "qa", "production", "kev", "eu-west.1", "0"} {
		if err := ValidEnvironment(e); err != nil {
			t.Errorf("ValidEnvironment(%q) = %v", e, err)
		}
	}
	for _, e := range []string{"", "../x", "a/b", "Prod", ".", "..", "-x", "a b", "x/", "a..b"} {
		if ValidEnvironment(e) == nil {
			t.Errorf("ValidEnvironment(%q) accepted", e)
		}
	}
}

func TestNewAndParse(t *testing.T) {
	at := time.Date(2026, 11, 25, 15, 25, 1, 999, time.FixedZone("CET", 3600))
	tag, err := New("DEPLOY", at, "3f9a2c1deadbeef")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tag.String(), "DEPLOY_20261125_142501_3f9a2c1"; got != want {
		t.Fatalf("tag = %s, want %s (UTC, truncated to the second)", got, want)
	}
	back, ok := Parse(tag.String())
	if !ok || back != tag {
		t.Fatalf("Parse(%s) = %+v, %v", tag, back, ok)
	}
	for _, bad := range []string{"v1.2.3", "DEPLOY_20261325_142501_3f9a2c1", "DEPLOY_20261125_142501_3F9A2C1",
		"deploy_20261125_142501_3f9a2c1", "DEPLOY_20261125_142501_3f9a2c", "DEPLOY_20261125_246001_3f9a2c1", "DEPLOY_20261125_142501_3f9a2c1x"} {
		if IsDeployTag(bad) {
			t.Errorf("IsDeployTag(%q) = true", bad)
		}
	}
	if _, err := New("bad", at, "3f9a2c1"); err == nil {
		t.Error("New accepted a lower-case prefix")
	}
	if _, err := New("DEPLOY", at, "xyz"); err == nil {
		t.Error("New accepted a bad hash")
	}
}

// Tags sort by time as plain strings.
func TestTagsSortByTime(t *testing.T) {
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var names []string
	for _, d := range []time.Duration{0, time.Second, time.Minute, time.Hour, 24 * time.Hour, 40 * 24 * time.Hour, 400 * 24 * time.Hour} {
		tag, err := New("DEPLOY", base.Add(d), "fffffff")
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tag.String())
	}
	if !sort.StringsAreSorted(names) {
		t.Fatalf("tags in time order do not sort as strings: %v", names)
	}
}

func TestParseTime(t *testing.T) {
	got, err := ParseTime("2026-11-25T15:25:01+01:00")
	if err != nil || !got.Equal(time.Date(2026, 11, 25, 14, 25, 1, 0, time.UTC)) || got.Location() != time.UTC {
		t.Fatalf("ParseTime = %v, %v", got, err)
	}
	if _, err := ParseTime("2026-11-25 14:25:01"); err == nil {
		t.Fatal("ParseTime accepted a non-RFC 3339 time")
	}
}
