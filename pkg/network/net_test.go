package network_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/githttp"
	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/pkg/network"
)

// verbs are the four network verbs, each run against remote from a repo
// (Clone into a new folder).
var verbs = map[string]func(ctx context.Context, g *network.Client, repo, remote string, timeout time.Duration) error{
	"push": func(ctx context.Context, g *network.Client, repo, remote string, timeout time.Duration) error {
		_, err := g.Push(ctx, network.Call{Dir: repo, Remote: remote, Refs: []string{"HEAD:refs/heads/x"}, Timeout: timeout})
		return err
	},
	"fetch": func(ctx context.Context, g *network.Client, repo, remote string, timeout time.Duration) error {
		_, err := g.Fetch(ctx, network.Call{Dir: repo, Remote: remote, Refs: []string{"refs/heads/main:refs/remotes/x/main"}, Timeout: timeout})
		return err
	},
	"ls-remote": func(ctx context.Context, g *network.Client, repo, remote string, timeout time.Duration) error {
		_, err := g.LsRemote(ctx, network.Call{Dir: repo, Remote: remote, Timeout: timeout})
		return err
	},
	"clone": func(ctx context.Context, g *network.Client, repo, remote string, timeout time.Duration) error {
		_, err := g.Clone(ctx, network.Call{Remote: remote, Args: []string{"--quiet"},
			Refs: []string{filepath.Join(filepath.Dir(repo), "clone-"+filepath.Base(repo))}, Timeout: timeout})
		return err
	},
}

// servedWorld makes a world with repo r, and a bare a.git served over
// smart HTTP with opts.
func servedWorld(t *testing.T, opts githttp.Options) (g *network.Client, repo string, s *githttp.Server) {
	env, r, base, _ := gittest.World(t, "r")
	g = gittest.Client(t, r)
	srvRoot := t.TempDir()
	gittest.Git(t, env, srvRoot, "init", "-q", "--bare", "a.git")
	return g, filepath.Join(base, "r"), githttp.New(t, srvRoot, opts)
}

// Every verb refuses ext:: even when the repo's (and the user's) config
// allows it: the command in the URL never runs.
func TestNetVerbsRefuseExt(t *testing.T) {
	t.Parallel()
	env, r, base, _ := gittest.World(t, "r")
	g := gittest.Client(t, r)
	repo := filepath.Join(base, "r")
	gittest.Git(t, env, repo, "config", "protocol.ext.allow", "always")
	gittest.Git(t, env, repo, "config", "protocol.allow", "always")
	for verb, run := range verbs {
		planted := filepath.Join(t.TempDir(), "ran")
		remote := "ext::sh -c touch% " + planted
		gittest.Git(t, env, repo, "config", "remote.evil.url", remote)
		for _, r := range []string{remote, "evil"} {
			if verb == "clone" && r == "evil" {
				continue
			}
			err := run(context.Background(), g, repo, r, 20*time.Second)
			var ne *network.Error
			if !errors.As(err, &ne) || ne.Kind != network.KindProtocol {
				t.Errorf("%s %s: got %v, want a refused transport", verb, r, err)
			}
			if _, err := os.Stat(planted); err == nil {
				t.Fatalf("%s %s ran the ext:: command", verb, r)
			}
		}
	}
	// git lfs fetch: git-lfs reaches the remote by its own means, so the
	// URL is checked before it runs.
	planted := filepath.Join(t.TempDir(), "ran")
	remote := "ext::sh -c touch% " + planted
	gittest.Git(t, env, repo, "config", "remote.evil.url", remote)
	for _, r := range []string{remote, "evil"} {
		_, err := g.LFSFetch(context.Background(), network.Call{Dir: repo, Remote: r, Refs: []string{"HEAD"}, Timeout: 20 * time.Second})
		var ne *network.Error
		if !errors.As(err, &ne) || ne.Kind != network.KindProtocol {
			t.Errorf("lfs fetch %s: got %v, want a refused transport", r, err)
		}
	}
}

// Every verb fails at once where a server asks for credentials: nothing
// prompts, and the hint says what to do.
func TestNetVerbsNeverPrompt(t *testing.T) {
	t.Parallel()
	g, repo, s := servedWorld(t, githttp.Options{})
	for verb, run := range verbs {
		start := time.Now()
		err := run(context.Background(), g, repo, s.RepoURL("a.git"), time.Minute)
		var ne *network.Error
		if !errors.As(err, &ne) || ne.Kind != network.KindAuth || !strings.Contains(ne.Cause, "could not read Username") {
			t.Errorf("%s: got %v, want an auth failure without a prompt", verb, err)
		} else if ne.Hint() == "" {
			t.Errorf("%s: no hint", verb)
		}
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("%s: took %s", verb, d)
		}
	}
}

// Every verb gives up after its deadline on a server that never answers,
// and says so.
func TestNetVerbsTimeout(t *testing.T) {
	t.Parallel()
	_, r, base, _ := gittest.World(t, "r")
	g := gittest.Client(t, r)
	repo := filepath.Join(base, "r")
	addr, stop, err := githttp.Hang()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	for verb, run := range verbs {
		start := time.Now()
		err := run(context.Background(), g, repo, "git://"+addr+"/"+verb+".git", time.Second)
		var ne *network.Error
		if !errors.As(err, &ne) || ne.Kind != network.KindTimeout || !strings.Contains(err.Error(), "timed out after 1s") {
			t.Errorf("%s: got %v, want a timeout", verb, err)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v does not wrap the deadline", verb, err)
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("%s: took %s", verb, d)
		}
	}
}

// No message of any verb shows the password, token or secret query
// parameters of its URL, even where the server or git repeat them.
func TestNetVerbsRedact(t *testing.T) {
	t.Parallel()
	g, repo, s := servedWorld(t, githttp.Options{Password: "pw-SECRET1"})
	s.Fail("/a.git", 500)
	url := strings.Replace(s.AuthURL("a.git"), "deployer", "deployer", 1) + "?private_token=tok-SECRET2&access_token=tok-SECRET3"
	for verb, run := range verbs {
		err := run(context.Background(), g, repo, url, time.Minute)
		var ne *network.Error
		if !errors.As(err, &ne) || ne.Kind != network.KindServer {
			t.Errorf("%s: got %v, want a server failure", verb, err)
			continue
		}
		for _, msg := range []string{err.Error(), ne.Hint(), ne.Cause} {
			if strings.Contains(msg, "SECRET") {
				t.Errorf("%s: a secret shows in %q", verb, msg)
			}
		}
	}
}

// One host, one verdict: once a host refuses a connection, the other
// steps to it fail at once with the same cause, naming the host.
func TestNetHostVerdict(t *testing.T) {
	t.Parallel()
	_, r, base, _ := gittest.World(t, "r")
	g := gittest.Client(t, r)
	repo := filepath.Join(base, "r")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // now refused
	first := verbs["ls-remote"](context.Background(), g, repo, "git://"+addr+"/a.git", time.Minute)
	var ne *network.Error
	if !errors.As(first, &ne) || ne.Kind != network.KindRefused || ne.Host != "" {
		t.Fatalf("first: %v", first)
	}
	second := verbs["fetch"](context.Background(), g, repo, "git://"+addr+"/b.git", time.Minute)
	var ne2 *network.Error
	if !errors.As(second, &ne2) || ne2.Kind != network.KindRefused || ne2.Cause != ne.Cause || ne2.Host != addr ||
		!errors.Is(second, network.ErrHostFailed) || !strings.Contains(ne2.Hint(), addr) {
		t.Fatalf("second: %v (%+v)", second, ne2)
	}
}

func TestParseHost(t *testing.T) {
	for in, want := range map[string]network.Host{
		"ssh://git@forge.example:2222/org/r.git": {Scheme: "ssh", User: "git", Name: "forge.example", Port: "2222"},
		"git+ssh://forge/r":                      {Scheme: "ssh", Name: "forge"},
		"git@github.com:org/r.git":               {Scheme: "ssh", User: "git", Name: "github.com"},
		"forge:r.git":                            {Scheme: "ssh", Name: "forge"},
		"https://u:p@h.example/r?token=x":        {Scheme: "https", Name: "h.example"},
		"http://127.0.0.1:8080/r":                {Scheme: "http", Name: "127.0.0.1", Port: "8080"},
		"ssh://[::1]:22/r":                       {Scheme: "ssh", Name: "::1", Port: "22"},
		"/srv/git/r.git":                         {Scheme: "file"},
		"./r:x":                                  {Scheme: "file"},
		"file:///srv/r":                          {Scheme: "file"},
		"ext::ssh -p 22 h %S r":                  {Scheme: "ext"},
	} {
		if got := network.ParseHost(in); got != want {
			t.Errorf("ParseHost(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		stderr string
		kind   network.Kind
		cause  string
	}{
		{"No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\r\nHost key verification failed.\r\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights",
			network.KindHostKeyUnknown, "No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking."},
		{"@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@\nHost key for [h]:22 has changed and you have requested strict checking.\nHost key verification failed.\n",
			network.KindHostKeyChanged, "Host key for [h]:22 has changed and you have requested strict checking."},
		{"git@127.0.0.1: Permission denied (publickey).\r\nfatal: Could not read from remote repository.\n", network.KindAuth, "git@127.0.0.1: Permission denied (publickey)."},
		{"ssh: connect to host 127.0.0.1 port 1: Connection refused\r\nfatal: Could not read from remote repository.\n", network.KindRefused, "ssh: connect to host 127.0.0.1 port 1: Connection refused"},
		{"ssh: Could not resolve hostname nohost.invalid: Name or service not known\r\n", network.KindDNS, "ssh: Could not resolve hostname nohost.invalid: Name or service not known"},
		{"fatal: unable to access 'http://***@h/a.git/': The requested URL returned error: 403\n", network.KindForbidden, "unable to access 'http://***@h/a.git/': The requested URL returned error: 403"},
		{"fatal: repository 'http://h/a.git/' not found\n", network.KindNotFound, "repository 'http://h/a.git/' not found"},
		{"fatal: '/srv/x.git' does not appear to be a git repository\nfatal: Could not read from remote repository.\n", network.KindNotFound, "'/srv/x.git' does not appear to be a git repository"},
		{"fatal: unable to access 'https://h/a.git/': The requested URL returned error: 502\n", network.KindServer, "unable to access 'https://h/a.git/': The requested URL returned error: 502"},
		{"fatal: unable to connect to 127.0.0.1:\n127.0.0.1[0: 127.0.0.1]: errno=Connection refused\n", network.KindRefused, "unable to connect to 127.0.0.1: 127.0.0.1[0: 127.0.0.1]: errno=Connection refused"},
		{"remote: nope\nerror: failed to push some refs\n", network.KindOther, "failed to push some refs"},
		// a repo damaged on the server: its line, not the client's
		// conclusion, says what is wrong
		{"remote: fatal: unable to read f719efd430d52bcfc8566a43b2eb655688d38871        \nerror: git upload-pack: git-pack-objects died with error.\nremote: aborting due to possible repository corruption on the remote side. \nfatal: protocol error: bad pack header\n",
			network.KindOther, "remote: fatal: unable to read f719efd430d52bcfc8566a43b2eb655688d38871"},
		{"fatal: unable to access 'https://127.0.0.1:1/a.git/': server certificate verification failed. CAfile: none CRLfile: none\n",
			network.KindCertificate, "unable to access 'https://127.0.0.1:1/a.git/': server certificate verification failed. CAfile: none CRLfile: none"},
	} {
		kind, cause := network.Classify(tc.stderr)
		if kind != tc.kind || cause != tc.cause {
			t.Errorf("Classify(%q) = %v %q, want %v %q", tc.stderr, kind, cause, tc.kind, tc.cause)
		}
	}
}

// A fetch starts none of git's housekeeping: "git maintenance run --auto"
// is the repo owner's to run. Started by our fetch it would run in the
// fetch's process group, and a tool killed then could leave
// objects/maintenance.lock, which turns off every later automatic
// maintenance of the repo without a word (chaos TestChaosCheckout met
// it). A maintenance task told to run at every chance (the commit-graph,
// auto = -1) shows whether one ran.
func TestFetchStartsNoMaintenance(t *testing.T) {
	t.Parallel()
	env, r, base, _ := gittest.World(t, "r", "s")
	g := gittest.Client(t, r)
	repo, remote := filepath.Join(base, "r"), filepath.Join(base, "s")
	gittest.Git(t, env, repo, "config", "maintenance.commit-graph.enabled", "true")
	gittest.Git(t, env, repo, "config", "maintenance.commit-graph.auto", "-1")
	if _, err := g.Fetch(context.Background(), network.Call{Dir: repo, Remote: remote,
		Refs: []string{"refs/heads/main:refs/remotes/s/main"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(repo, ".git", "objects", "info", "commit-graphs")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a fetch ran git's maintenance (objects/info/commit-graphs: %v)", err)
	}
	// the same fetch by git itself does run it: the repo is set up right
	gittest.Git(t, env, repo, "fetch", "-q", remote, "refs/heads/main:refs/remotes/t/main")
	if _, err := os.Stat(filepath.Join(repo, ".git", "objects", "info", "commit-graphs")); err != nil {
		t.Errorf("git fetch itself ran no maintenance: the test cannot tell (%v)", err)
	}
}
