package git

import (
	"reflect"
	"strings"
	"testing"
)

const (
	oidA = "d969dc1f88eabe71577157884604fddd05a6e497"
	oidB = "f5476fdb225482e195d84828aae9fb4d6b72e91d"
	oid2 = "817ad1bea59a76732c6142f499618ae3cb7d37289b2ad4c1a8e6ec4da3bd3e11"
)

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]string{
		"git version 2.39.5\n":                    "2.39.5",
		"git version 2.39.3 (Apple Git-146)":      "2.39.3",
		"git version 2.41.0.windows.1":            "2.41.0",
		"git version 2.45.0.rc1.17.g0123456789ab": "2.45.0",
	} {
		v, err := ParseVersion(in)
		if err != nil || v.String() != want {
			t.Errorf("ParseVersion(%q) = %v, %v; want %s", in, v, err, want)
		}
	}
	for _, bad := range []string{"", "hub version 2.1", "git version x.y"} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) accepted", bad)
		}
	}
	err := CheckVersion("git version 2.20.1")
	if err == nil || !strings.Contains(err.Error(), "git 2.20.1 is too old") {
		t.Errorf("CheckVersion(2.20.1) = %v", err)
	}
	if err := CheckVersion("git version 2.25.0"); err != nil {
		t.Errorf("CheckVersion(2.25.0) = %v", err)
	}
}

func TestParseBatchCheck(t *testing.T) {
	out := []byte(oidA + " commit\nrefs/tags/X missing\n" + oid2 + " tag\n")
	got, err := ParseBatchCheck(out, []string{"HEAD^{commit}", "refs/tags/X", "refs/tags/Y"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Object{
		{Rev: "HEAD^{commit}", Oid: oidA, Type: "commit"},
		{Rev: "refs/tags/X", Missing: true},
		{Rev: "refs/tags/Y", Oid: oid2, Type: "tag"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	for _, bad := range []string{"", oidA + "\n", "xyz commit\n", oidA + " commit\n" + oidB + " commit\n"} {
		if _, err := ParseBatchCheck([]byte(bad), []string{"a"}); err == nil {
			t.Errorf("ParseBatchCheck(%q) accepted", bad)
		}
	}
}

func TestParseStatus(t *testing.T) {
	out := "# branch.oid " + oidA + "\x00# branch.head main\x00" +
		"1 .M N... 100644 100644 100644 " + oidA + " " + oidA + " src/a file.txt\x00" +
		"1 A. N... 000000 100644 100644 " + strings.Repeat("0", 40) + " " + oidB + " new.txt\x00" +
		"? untracked.txt\x00! ignored.o\x00"
	st, err := ParseStatus([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := Status{Head: oidA, Changed: []string{"src/a file.txt", "new.txt"}, Untracked: []string{"untracked.txt"}}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("got %+v\nwant %+v", st, want)
	}
	st, err = ParseStatus([]byte("# branch.oid (initial)\x00# branch.head main\x00"))
	if err != nil || st.Head != "" {
		t.Fatalf("unborn: %+v %v", st, err)
	}
	if _, err := ParseStatus([]byte("# branch.oid nothex\x00")); err == nil {
		t.Fatal("malformed oid accepted")
	}
	if _, err := ParseStatus([]byte("garbage\x00")); err == nil {
		t.Fatal("garbage accepted")
	}
}

func TestParseLsRemote(t *testing.T) {
	out := oidA + "\tHEAD\n" + oidA + "\trefs/heads/main\n" + oidB + "\trefs/tags/T\n" + oidA + "\trefs/tags/T^{}\n"
	got, err := ParseLsRemote([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[2].Name != "refs/tags/T" || got[2].Oid != oidB || got[2].Peeled != oidA || got[2].Target() != oidA {
		t.Fatalf("got %+v", got)
	}
	for _, bad := range []string{"nothex\trefs/x\n", oidA + " refs/x\n", oidA + "\trefs/tags/U^{}\n"} {
		if _, err := ParseLsRemote([]byte(bad)); err == nil {
			t.Errorf("ParseLsRemote(%q) accepted", bad)
		}
	}
}

func TestCleanEnv(t *testing.T) {
	env := cleanEnv([]string{"GIT_DIR=/x", "GIT_WORK_TREE=/y", "GIT_INDEX_FILE=/z", "LC_ALL=de_DE", "PATH=/bin", "GIT_ASKPASS=/bin/pw", "GIT_TERMINAL_PROMPT=1"})
	joined := "\n" + strings.Join(env, "\n") + "\n"
	for _, gone := range []string{"GIT_DIR=", "GIT_WORK_TREE=", "GIT_INDEX_FILE=", "LC_ALL=de_DE", "GIT_ASKPASS=/bin/pw", "GIT_TERMINAL_PROMPT=1"} {
		if strings.Contains(joined, "\n"+gone) {
			t.Errorf("%s survived: %v", gone, env)
		}
	}
	for _, kept := range []string{"PATH=/bin", "LC_ALL=C", "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=\n"} {
		if !strings.Contains(joined, "\n"+kept) {
			t.Errorf("%q missing: %v", kept, env)
		}
	}
}

func TestArgv(t *testing.T) {
	if got := Argv("/r", []string{"status"}); !reflect.DeepEqual(got, []string{"-C", "/r", "status"}) {
		t.Fatal(got)
	}
	got := CreateTagArgs(TagOptions{Name: "T", Commit: oidA, Sign: true})
	want := []string{"tag", "-s", "--cleanup=verbatim", "-F", "-", "--", "T", oidA}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("CreateTagArgs = %v", got)
	}
}

func TestErrorNamesTheSubcommand(t *testing.T) {
	e := &Error{Args: []string{"-c", "protocol.ext.allow=never", "--no-optional-locks", "fetch", "origin"}, Dir: "/r", Stderr: "fatal: boom\nmore"}
	if got := e.Error(); got != "git fetch in /r: boom" {
		t.Fatalf("Error() = %q", got)
	}
}
