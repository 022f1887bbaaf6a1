package push

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/pkg/network"
	"github.com/deploytag/deploytag/pkg/redact"
)

func TestParsePorcelain(t *testing.T) {
	const tag = "refs/tags/DEPLOY_20261125_142501_abcdef0"
	newTag := "*\t" + tag + ":" + tag + "\t[new tag]"
	for _, tc := range []struct {
		name   string
		out    string
		want   []RefStatus
		others []string
	}{
		{name: "empty", out: ""},
		{
			name: "new tag",
			out:  "To ../b.git\n" + newTag + "\nDone\n",
			want: []RefStatus{{URL: "../b.git", Flag: '*', From: tag, To: tag, Summary: "[new tag]"}},
		},
		{
			name: "up to date and a fast-forward",
			out: "To git://127.0.0.1:9418/x.git\n=\t" + tag + ":" + tag + "\t[up to date]\n" +
				" \trefs/heads/deploy-manifests:refs/heads/deploy-manifests\t0123abc..4567def\nDone\n",
			want: []RefStatus{
				{URL: "git://127.0.0.1:9418/x.git", Flag: '=', From: tag, To: tag, Summary: "[up to date]"},
				{URL: "git://127.0.0.1:9418/x.git", Flag: ' ', From: "refs/heads/deploy-manifests", To: "refs/heads/deploy-manifests", Summary: "0123abc..4567def"},
			},
		},
		{
			name: "rejected with reasons",
			out: "To ../b.git\n!\t" + tag + ":" + tag + "\t[rejected] (already exists)\n" +
				"!\trefs/tags/v1:refs/tags/v1\t[remote rejected] (pre-receive hook declined)\nDone\n",
			want: []RefStatus{
				{URL: "../b.git", Flag: '!', From: tag, To: tag, Summary: "[rejected]", Reason: "already exists"},
				{URL: "../b.git", Flag: '!', From: "refs/tags/v1", To: "refs/tags/v1", Summary: "[remote rejected]", Reason: "pre-receive hook declined"},
			},
		},
		{
			name: "two push URLs",
			out:  "To a\n=\t" + tag + ":" + tag + "\t[up to date]\nDone\nTo b\n" + newTag + "\nDone\n",
			want: []RefStatus{
				{URL: "a", Flag: '=', From: tag, To: tag, Summary: "[up to date]"},
				{URL: "b", Flag: '*', From: tag, To: tag, Summary: "[new tag]"},
			},
		},
		{
			name:   "git-lfs's meter before the report",
			out:    "Uploading LFS objects: 100% (3/3), 0 B | 0 B/s, done.\nTo a\n" + newTag + "\nDone\n",
			want:   []RefStatus{{URL: "a", Flag: '*', From: tag, To: tag, Summary: "[new tag]"}},
			others: []string{"Uploading LFS objects: 100% (3/3), 0 B | 0 B/s, done."},
		},
		{
			name: "a meter drawn for a terminal, between two URLs' reports",
			out: "To a\n" + newTag + "\nDone\nUploading LFS objects:   0% (0/1), 0 B | 0 B/s      \r" +
				"Uploading LFS objects: 100% (1/1), 6 B | 0 B/s   \rUploading LFS objects: 100% (1/1), 6 B | 0 B/s, done.\nTo b\n" + newTag + "\nDone\n",
			want: []RefStatus{
				{URL: "a", Flag: '*', From: tag, To: tag, Summary: "[new tag]"},
				{URL: "b", Flag: '*', From: tag, To: tag, Summary: "[new tag]"},
			},
			others: []string{"Uploading LFS objects:   0% (0/1), 0 B | 0 B/s", "Uploading LFS objects: 100% (1/1), 6 B | 0 B/s",
				"Uploading LFS objects: 100% (1/1), 6 B | 0 B/s, done."},
		},
		{
			name:   "a terminal meter's last line runs into git's report",
			out:    "Uploading LFS objects: 100% (2/2), 0 B | 0 B/s      \rTo a\n" + newTag + "\nDone\n",
			want:   []RefStatus{{URL: "a", Flag: '*', From: tag, To: tag, Summary: "[new tag]"}},
			others: []string{"Uploading LFS objects: 100% (2/2), 0 B | 0 B/s"},
		},
		// A status line outside a block is not git's report: a hook could
		// print anything, and nothing it prints may confirm a push.
		{name: "status line outside a block", out: newTag + "\nDone\n", others: []string{newTag, "Done"}},
		{name: "unknown flag", out: "To a\n?\t" + tag + ":" + tag + "\t[new tag]\n", others: []string{"?\t" + tag + ":" + tag + "\t[new tag]"}},
		{name: "no refspec colon", out: "To a\n*\t" + tag + "\t[new tag]\n", others: []string{"*\t" + tag + "\t[new tag]"}},
		{name: "two fields", out: "To a\n*\t" + tag + ":" + tag + "\n", others: []string{"*\t" + tag + ":" + tag}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, others := ParsePorcelain([]byte(tc.out))
			if !reflect.DeepEqual(got, tc.want) || !reflect.DeepEqual(others, tc.others) {
				t.Fatalf("got %+v, others %q; want %+v, others %q", got, others, tc.want, tc.others)
			}
		})
	}
}

func TestJudge(t *testing.T) {
	const ref = "refs/tags/T"
	st := func(flag byte, summary, reason string) RefStatus {
		return RefStatus{Flag: flag, From: ref, To: ref, Summary: summary, Reason: reason}
	}
	var (
		newTag   = st('*', "[new tag]", "")
		upToDate = st('=', "[up to date]", "")
		exists   = st('!', "[rejected]", "already exists")
		hook     = st('!', "[remote rejected]", "pre-receive hook declined")
		other    = RefStatus{Flag: '*', From: "refs/heads/x", To: "refs/heads/x", Summary: "[new branch]"}
	)
	for _, tc := range []struct {
		name     string
		statuses []RefStatus
		want     Outcome
		decided  RefStatus
	}{
		{"nothing reported", nil, Unreported, RefStatus{}},
		{"only another ref", []RefStatus{other}, Unreported, RefStatus{}},
		{"new", []RefStatus{other, newTag}, Confirmed, newTag},
		{"already there", []RefStatus{upToDate}, Confirmed, upToDate},
		{"exists elsewhere", []RefStatus{exists}, Exists, exists},
		{"hook", []RefStatus{hook}, Rejected, hook},
		{"one URL of two refuses", []RefStatus{upToDate, exists}, Exists, exists},
		{"refusal first", []RefStatus{exists, newTag}, Exists, exists},
		{"a rejection beats exists", []RefStatus{exists, hook, upToDate}, Rejected, hook},
		{"forced is not ours", []RefStatus{st('+', "a...b", "forced update")}, Rejected, st('+', "a...b", "forced update")},
	} {
		got, decided := Judge(tc.statuses, ref)
		if got != tc.want || decided != tc.decided {
			t.Errorf("%s: got %v %+v, want %v %+v", tc.name, got, decided, tc.want, tc.decided)
		}
	}
}

func TestPushCall(t *testing.T) {
	got := network.Argv("push", PushCall("", "origin", "DEPLOY_20261125_142501_abcdef0", true))
	want := []string{"push", "--porcelain", "--no-follow-tags", "--recurse-submodules=no", "--", "origin",
		"refs/tags/DEPLOY_20261125_142501_abcdef0:refs/tags/DEPLOY_20261125_142501_abcdef0",
		"refs/heads/deploy-manifests:refs/heads/deploy-manifests"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for _, a := range network.Argv("push", PushCall("", "origin", "v1", false)) {
		if a == "--force" || a == "-f" || a == "--tags" || a == "--mirror" || strings.HasPrefix(a, "+") || strings.HasPrefix(a, "--force") {
			t.Errorf("push argv has %q", a)
		}
	}
	if i := slices.Index(got, "--"); i < 0 || i > slices.Index(got, "origin") {
		t.Errorf("no -- before the remote and refspecs: %q", got)
	}
}

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ url, msg, want string }{
		{"git://user:s3cret@127.0.0.1:9418/x", "unable to look up user:s3cret@127.0.0.1:9418 (port 9418)", "unable to look up ***@127.0.0.1:9418 (port 9418)"},
		{"https://tok@host/x.git", "could not read from https://tok@host/x.git and tok@host", "could not read from https://***@host/x.git and ***@host"},
		{"git@github.com:org/x.git", "git@github.com: Permission denied", "git@github.com: Permission denied"},
		{"/srv/git/x.git", "'/srv/git/x.git' does not appear to be a git repository", "'/srv/git/x.git' does not appear to be a git repository"},
		{"ssh://a:b@c:22/x", "see https://u:p@elsewhere/", "see https://***@elsewhere/"},
	} {
		tg := target{secrets: redact.Secrets(tc.url)}
		if got := tg.redact(tc.msg); got != tc.want {
			t.Errorf("redact(%q) with URL %q = %q, want %q", tc.msg, tc.url, got, tc.want)
		}
	}
}

func TestReason(t *testing.T) {
	for in, want := range map[string]string{
		"":                                 "",
		"fatal: unable to look up x\n":     "unable to look up x",
		"ssh: no\nfatal: Could not read\n": "Could not read",
		"remote: x\nerror: failed to push": "failed to push",
		"Connection closed\n":              "Connection closed",
	} {
		if got := reason(in); got != want {
			t.Errorf("reason(%q) = %q, want %q", in, got, want)
		}
	}
}
