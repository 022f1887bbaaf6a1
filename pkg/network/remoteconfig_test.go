package network

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/pkg/git"
)

func TestParseRemoteConfig(t *testing.T) {
	rec := func(kv ...string) []byte {
		var b strings.Builder
		for i := 0; i < len(kv); i += 2 {
			b.WriteString(kv[i] + "\n" + kv[i+1] + "\x00")
		}
		return []byte(b.String())
	}
	tests := []struct {
		name        string
		out         []byte
		fetch, push []string
		ssh         string
		err         string
	}{
		{name: "nothing", out: nil},
		{name: "one url", out: rec("remote.origin.url", "/srv/a.git"),
			fetch: []string{"/srv/a.git"}, push: []string{"/srv/a.git"}},
		{name: "pushurl", out: rec("remote.origin.url", "f", "remote.origin.pushurl", "p1", "remote.origin.pushurl", "p2"),
			fetch: []string{"f"}, push: []string{"p1", "p2"}},
		{name: "pushurl only", out: rec("remote.origin.pushurl", "p"), push: []string{"p"}},
		{name: "ssh command", out: rec("core.sshcommand", "ssh -i k", "remote.origin.url", "u"),
			fetch: []string{"u"}, push: []string{"u"}, ssh: "ssh -i k"},
		{name: "insteadOf longest wins",
			out:   rec("url.https://a/.insteadof", "x:", "url.https://b/.insteadof", "x:y/", "remote.origin.url", "x:y/r"),
			fetch: []string{"https://b/r"}, push: []string{"https://b/r"}},
		{name: "insteadOf tie: first base wins",
			out:   rec("url.A.insteadof", "x", "url.B.insteadof", "x", "remote.origin.url", "xr"),
			fetch: []string{"Ar"}, push: []string{"Ar"}},
		{name: "pushInsteadOf rewrites push only",
			out:   rec("url.ssh://h/.pushinsteadof", "git://h/", "remote.origin.url", "git://h/r"),
			fetch: []string{"git://h/r"}, push: []string{"ssh://h/r"}},
		{name: "pushInsteadOf ignored with a pushurl",
			out:   rec("url.ssh://h/.pushinsteadof", "git://h/", "remote.origin.url", "git://h/r", "remote.origin.pushurl", "git://h/p"),
			fetch: []string{"git://h/r"}, push: []string{"git://h/p"}},
		{name: "pushurl rewritten by insteadOf",
			out:  rec("url.https://h/.insteadof", "h:", "remote.origin.pushurl", "h:p"),
			push: []string{"https://h/p"}},
		{name: "only the rewritten urls of many are pushed to",
			out:   rec("url.P.pushinsteadof", "a", "remote.origin.url", "a1", "remote.origin.url", "b1"),
			fetch: []string{"a1", "b1"}, push: []string{"P1"}},
		{name: "dotted base", out: rec("url.https://h.example/x.y.insteadof", "e:", "remote.origin.url", "e:r"),
			fetch: []string{"https://h.example/x.yr"}, push: []string{"https://h.example/x.yr"}},
		{name: "no value", out: []byte("url.a.insteadof\x00"), err: "url.a.insteadof has no value"},
		{name: "other remote's key", out: rec("remote.other.url", "u"), err: "unexpected key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := ParseRemoteConfig(tt.out, "origin")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rc.Fetch, tt.fetch) || !slices.Equal(rc.Push, tt.push) || rc.SSHCommand != tt.ssh {
				t.Errorf("got fetch %q push %q ssh %q; want %q %q %q", rc.Fetch, rc.Push, rc.SSHCommand, tt.fetch, tt.push, tt.ssh)
			}
		})
	}
}

// TestRemoteConfigAgreesWithGit checks RemoteConfig against what
// "git remote get-url" says, for the same configs, in a real repo.
func TestRemoteConfigAgreesWithGit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	r, err := git.New(ctx, git.Options{Env: []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "GIT_CONFIG_NOSYSTEM=1"}})
	if err != nil {
		t.Fatal(err)
	}
	g := New(r, Options{})
	configs := [][]string{
		{"remote.origin.url", "/srv/a.git"},
		{"remote.origin.url", "https://u:secret@h/a.git", "remote.origin.pushurl", "ssh://h/a.git", "remote.origin.pushurl", "/p.git"},
		{"url.https://a/.insteadOf", "x:", "url.https://b/.insteadOf", "x:y/", "remote.origin.url", "x:y/r", "remote.origin.url", "x:z"},
		{"url.A.insteadOf", "x", "url.B.insteadOf", "x", "remote.origin.url", "xr"},
		{"url.ssh://h/.pushInsteadOf", "git://h/", "remote.origin.url", "git://h/r"},
		{"url.ssh://h/.pushInsteadOf", "git://h/", "remote.origin.url", "git://h/r", "remote.origin.pushurl", "git://h/p"},
		{"url.https://h/.insteadOf", "h:", "remote.origin.pushurl", "h:p", "remote.origin.url", "h:f"},
		{"url.P.pushInsteadOf", "a", "remote.origin.url", "a1", "remote.origin.url", "b1"},
		{"url.https://h.example/x.y.insteadOf", "e:", "remote.origin.url", "e:r", "remote.Origin.url", "other"},
		{"remote.origin.url", "u", "core.sshCommand", "ssh -i key"},
		{"remote.origin.url", "a;b#c", "core.sshCommand", "ssh -i \"/k y\"\t-v \\x"},
	}
	for i, kv := range configs {
		repo := filepath.Join(dir, "r"+string(rune('a'+i)))
		if _, err := g.Run(ctx, "", "init", "-q", repo); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < len(kv); j += 2 {
			if _, err := g.Run(ctx, repo, "config", "--add", kv[j], kv[j+1]); err != nil {
				t.Fatal(err)
			}
		}
		getURL := func(args ...string) []string {
			out, err := g.Run(ctx, repo, append([]string{"remote", "get-url", "--all"}, append(args, "origin")...)...)
			if err != nil {
				t.Fatal(err)
			}
			return strings.Fields(string(out))
		}
		rc, err := g.RemoteConfig(ctx, repo, "origin")
		if err != nil {
			t.Fatal(err)
		}
		fetch, push := getURL(), getURL("--push")
		// the config files were read in Go, and say what git's own
		// reading says
		if _, ok := git.ReadConfig(g.Env(), repo); !ok {
			t.Errorf("config %q: read by git, want it read from the files", kv)
		}
		out, err := g.Run(ctx, repo, RemoteConfigArgs("origin")...)
		if err != nil {
			t.Fatal(err)
		}
		if byGit, err := ParseRemoteConfig(out, "origin"); err != nil || !slices.Equal(rc.Fetch, byGit.Fetch) ||
			!slices.Equal(rc.Push, byGit.Push) || rc.SSHCommand != byGit.SSHCommand {
			t.Errorf("config %q: from the files %+v, from git %+v (%v)", kv, rc, byGit, err)
		}
		if !slices.Equal(rc.Fetch, fetch) || !slices.Equal(rc.Push, push) {
			t.Errorf("config %q: got fetch %q push %q; git says %q %q", kv, rc.Fetch, rc.Push, fetch, push)
		}
		ssh := ""
		if i := slices.Index(kv, "core.sshCommand"); i >= 0 {
			ssh = kv[i+1]
		}
		if rc.SSHCommand != ssh {
			t.Errorf("config %q: SSHCommand %q, want %q", kv, rc.SSHCommand, ssh)
		}
	}
	rc, err := g.RemoteConfig(ctx, filepath.Join(dir, "ra"), "nowhere")
	if err != nil || len(rc.Push) != 0 || len(rc.Fetch) != 0 {
		t.Errorf("no such remote: got %+v, %v", rc, err)
	}
}
