package network

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/redact"
)

// AllowedProtocols are the transports a network verb may use, given to git
// as GIT_ALLOW_PROTOCOL: it overrides protocol.*.allow in every config, a
// repo's own included, so ext:: (which runs a command named in the URL) and
// any other transport are refused whatever a repo says. Plain http stays
// allowed for servers inside a network; credentials in its URLs are
// redacted like any other.
const AllowedProtocols = "file:git:ssh:https:http"

// Call is one network verb: git VERB ARGS -- REMOTE REFS...
type Call struct {
	Dir    string   // the repo it runs in; "" for Clone
	Remote string   // a remote's name or a URL, as git is given it
	Args   []string // the verb's own options
	Refs   []string // refspecs or patterns after Remote (Clone: the new folder)
	// URL is the URL Remote stands for, after insteadOf rewriting (a
	// remote's first push URL for Push, its fetch URL otherwise); "" means
	// Remote is a URL. It picks the host, names the remote in messages and
	// is never printed with its credentials.
	URL string
	// SSHCommand is core.sshCommand as Dir's config has it
	// (Remote.SSHCommand); "" when unset.
	SSHCommand string
	Timeout    time.Duration // 0 means the Runner's timeout
}

// Push runs "git push ARGS -- REMOTE REFS..." under the network policy.
func (cl *Client) Push(ctx context.Context, c Call) ([]byte, error) {
	return cl.network(ctx, "push", c)
}

// Fetch runs "git fetch ARGS -- REMOTE REFS..." under the network policy.
func (cl *Client) Fetch(ctx context.Context, c Call) ([]byte, error) {
	return cl.network(ctx, "fetch", c)
}

// LsRemote runs "git ls-remote ARGS -- REMOTE PATTERNS..." under the
// network policy.
func (cl *Client) LsRemote(ctx context.Context, c Call) ([]byte, error) {
	return cl.network(ctx, "ls-remote", c)
}

// Clone runs "git clone ARGS -- URL DIR" under the network policy.
func (cl *Client) Clone(ctx context.Context, c Call) ([]byte, error) {
	return cl.network(ctx, "clone", c)
}

// LFSFetch runs "git lfs fetch ARGS -- REMOTE REFS..." under the network
// policy: git-lfs reaches the remote's LFS server by its own means, so
// the remote's URL must be of an allowed transport before it runs (as
// GIT_ALLOW_PROTOCOL makes git refuse any other), ssh runs in batch mode
// over the host's shared connection, a transfer that stalls is dropped
// (lfs.activitytimeout), and a failure is an *Error like any other,
// redacted. A failure of the LFS server never becomes its host's verdict:
// the LFS server may be elsewhere, and git's own steps there may work.
// A Call without URL takes its remote's from Dir's config.
func (cl *Client) LFSFetch(ctx context.Context, c Call) ([]byte, error) {
	if c.URL == "" {
		rc, err := cl.RemoteConfig(ctx, c.Dir, c.Remote)
		if err != nil {
			return nil, err
		}
		if len(rc.Fetch) > 0 {
			c.URL = rc.Fetch[0]
		}
	}
	return cl.network(ctx, lfsFetch, c)
}

const lfsFetch = "lfs fetch"

// allowed reports whether scheme is one of AllowedProtocols.
func allowed(scheme string) bool {
	for _, p := range strings.Split(AllowedProtocols, ":") {
		if p == scheme {
			return true
		}
	}
	return false
}

// Argv is the argv of a network verb (after any "-c" settings). A fetch
// starts none of git's housekeeping (--no-auto-gc: no "git maintenance
// run --auto", or "git gc --auto" before git 2.29), which is the repo
// owner's to run, not a network step's: started by our fetch it ran in
// the fetch's process group, under its deadline, and a tool killed then
// could leave objects/maintenance.lock behind, which silently turns off
// every later automatic maintenance of the repo.
func Argv(verb string, c Call) []string {
	argv := strings.Fields(verb)
	if verb == "fetch" {
		argv = append(argv, "--no-auto-gc")
	}
	argv = append(argv, c.Args...)
	argv = append(argv, "--", c.Remote)
	return append(argv, c.Refs...)
}

// network runs one network verb, always with the one policy: only
// AllowedProtocols, no prompt (no terminal, no askpass, ssh in batch
// mode), a deadline after which git and all it started are killed, at most
// the host's share of connections at once, the host's verdict once one is
// known, and failures turned into a *Error whose every word is redacted.
func (cl *Client) network(ctx context.Context, verb string, c Call) ([]byte, error) {
	if c.Remote == "" || strings.HasPrefix(c.Remote, "-") {
		return nil, fmt.Errorf("%s: bad remote %q", verb, redact.Credentials(c.Remote))
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = cl.Timeout()
	}
	url := c.URL
	if url == "" {
		url = c.Remote
	}
	h := ParseHost(url)
	secrets := redact.Secrets(c.Remote, c.URL)
	ne := &Error{Verb: verb, Remote: redact.Credentials(c.Remote), Timeout: timeout, secrets: secrets, moreTime: cl.moreTime}
	if c.URL != "" && c.URL != c.Remote {
		ne.URL = redact.Credentials(c.URL)
	}
	n := cl.net()
	if v := n.verdict(h); v != nil {
		return nil, ne.from(v)
	}
	release, err := n.acquire(ctx, h)
	if err != nil {
		ne.Kind, ne.Err = KindInterrupted, err
		return nil, ne
	}
	defer release()
	if v := n.verdict(h); v != nil { // decided while we waited
		return nil, ne.from(v)
	}

	if verb == lfsFetch && !allowed(h.Scheme) {
		ne.Kind, ne.Cause = KindProtocol, fmt.Sprintf("transport '%s' not allowed", h.Scheme)
		return nil, ne
	}
	env := []string{"GIT_ALLOW_PROTOCOL=" + AllowedProtocols}
	var pre []string
	if verb == lfsFetch {
		secs := max(int(timeout.Round(time.Second)/time.Second), 1)
		pre = []string{"-c", fmt.Sprintf("lfs.activitytimeout=%d", secs)}
	}
	switch h.Scheme {
	case "ssh":
		ssh := cl.sshCommand(c.SSHCommand)
		if ssh.like {
			opts, done, verr := n.mux(ctx, cl, h, ssh, timeout)
			defer done()
			if verr != nil {
				return nil, ne.from(verr)
			}
			env = append(env, "GIT_SSH_COMMAND="+ssh.cmd+" -o BatchMode=yes"+opts)
		}
	case "http", "https":
		// A server that stops sending mid-transfer is given up after the
		// deadline by git-remote-http itself (curl's connect phase, a TLS
		// handshake included, is not bound by it: the deadline's kill of
		// the group and the watchdog are).
		secs := max(int(timeout.Round(time.Second)/time.Second), 1)
		pre = append(pre, "-c", "http.lowSpeedLimit=1", "-c", fmt.Sprintf("http.lowSpeedTime=%d", secs))
	}
	// fetch, push and clone write refs, and run the repo's hooks as plain
	// git would; ls-remote only reads; git lfs fetch is a step of a
	// checkout, which trusts the repo as its owner would.
	trust := git.TrustHooks
	switch verb {
	case "ls-remote":
		trust = 0
	case lfsFetch:
		trust = git.TrustWrites
	}
	out, err := cl.Do(ctx, git.Call{Dir: c.Dir, Args: append(pre, Argv(verb, c)...), Env: env, Timeout: timeout, Trust: trust})
	if err == nil {
		return out, nil
	}
	ne.classify(err)
	if ne.Kind.HostWide() && h.Name != "" && verb != lfsFetch {
		n.setVerdict(h, ne)
	}
	return out, ne
}

// sshCmd is the ssh command git would run, and whether it is OpenSSH's
// ssh (whose options deploytag may add to).
type sshCmd struct {
	cmd  string // a shell command, as GIT_SSH_COMMAND takes it
	like bool
}

// sshCommand finds the ssh command as git does: GIT_SSH_COMMAND, else
// core.sshCommand, else GIT_SSH, else ssh.
func (cl *Client) sshCommand(core string) sshCmd {
	var envCmd, envProg string
	for _, kv := range cl.Env() {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "GIT_SSH_COMMAND":
			envCmd = v
		case "GIT_SSH":
			envProg = v
		}
	}
	cmd := "ssh"
	switch {
	case strings.TrimSpace(envCmd) != "":
		cmd = envCmd
	case strings.TrimSpace(core) != "":
		cmd = core
	case envProg != "":
		cmd = shellQuote(envProg)
	}
	f := strings.Fields(cmd)
	first := strings.Trim(f[0], `'"`)
	base := path.Base(strings.ReplaceAll(first, `\`, "/"))
	return sshCmd{cmd: cmd, like: base == "ssh" || base == "ssh.exe"}
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-=:,@%+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Host is where a URL leads: what connection reuse, the per-host bound and
// the host's verdict are keyed by. Name is empty for local paths and
// file:// URLs.
type Host struct {
	Scheme string // ssh, http, https, git, file
	User   string // ssh only; "" lets ssh's config decide
	Name   string
	Port   string // "" for the default
}

func (h Host) String() string {
	s := h.Name
	if h.User != "" {
		s = h.User + "@" + s
	}
	if h.Port != "" {
		s += ":" + h.Port
	}
	return s
}

// ParseHost reads the host of a git URL: scheme://[user@]host[:port]/...,
// ssh's scp-like [user@]host:path, or a local path (no host).
func ParseHost(url string) Host {
	if t, _, ok := strings.Cut(url, "::"); ok && !strings.ContainsAny(t, "/:@") {
		return Host{Scheme: strings.ToLower(t)} // <transport>::<address>, a remote helper
	}
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		// scp-like when a colon comes before any slash; else a path.
		colon := strings.IndexByte(url, ':')
		slash := strings.IndexByte(url, '/')
		if colon <= 0 || (slash >= 0 && slash < colon) || strings.HasPrefix(url, "[") {
			return Host{Scheme: "file"}
		}
		h := Host{Scheme: "ssh"}
		hostpart := url[:colon]
		if i := strings.LastIndexByte(hostpart, '@'); i >= 0 {
			h.User, hostpart = hostpart[:i], hostpart[i+1:]
		}
		h.Name = hostpart
		return h
	}
	scheme = strings.ToLower(scheme)
	switch scheme {
	case "git+ssh", "ssh+git":
		scheme = "ssh"
	case "file":
		return Host{Scheme: "file"}
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	h := Host{Scheme: scheme}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		if scheme == "ssh" {
			h.User = rest[:i]
		}
		rest = rest[i+1:]
	}
	if strings.HasPrefix(rest, "[") { // [v6]:port
		if i := strings.IndexByte(rest, ']'); i > 0 {
			h.Name, rest = rest[1:i], rest[i+1:]
			h.Port = strings.TrimPrefix(rest, ":")
			return h
		}
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		h.Name, h.Port = rest[:i], rest[i+1:]
	} else {
		h.Name = rest
	}
	return h
}

// Kind is what class of failure a network step met.
type Kind int

// The kinds of network failure, each with its own hint.
const (
	KindOther          Kind = iota
	KindTimeout             // no answer within the deadline
	KindInterrupted         // the tool was stopped
	KindRefused             // nothing listens at the host's port
	KindDNS                 // the host name does not resolve
	KindUnreachable         // no route, network down
	KindHostKeyUnknown      // ssh: the host's key is not in known_hosts
	KindHostKeyChanged      // ssh: the host's key differs from known_hosts
	KindAuth                // ssh publickey refused; HTTP 401 or no credentials
	KindForbidden           // HTTP 403
	KindNotFound            // no such repository
	KindServer              // HTTP 5xx
	KindProtocol            // a transport the policy does not allow
	KindCertificate         // HTTPS: the server's certificate is not trusted
)

// HostWide reports whether a failure of this kind is the host's, not the
// repo's: every other repo on that host would meet it too.
func (k Kind) HostWide() bool {
	switch k {
	case KindTimeout, KindRefused, KindDNS, KindUnreachable, KindHostKeyUnknown, KindHostKeyChanged, KindCertificate:
		return true
	}
	return false
}

// Error is a network verb that failed. Its message is one line:
// "VERB REMOTE (URL) failed: CAUSE", the cause being the line of ssh, git
// or the server that says what went wrong; Hint says what to do.
type Error struct {
	Verb    string // push, fetch, ls-remote, clone
	Remote  string // as git was given it, redacted
	URL     string // the URL Remote stands for when it is a name, redacted
	Kind    Kind
	Cause   string // redacted
	Timeout time.Duration
	// Host is set when the verdict came from another repo on the same
	// host, which met it first.
	Host string
	Err  error // the *Error of git, a context error, or ErrHostFailed

	secrets  []string
	moreTime string // Options.MoreTime of its client
}

// ErrHostFailed is what a Error wraps when its verdict came from
// another repo on the same host.
var ErrHostFailed = errors.New("the host failed for another repo")

func (e *Error) Error() string {
	what := e.Verb + " " + e.Remote
	switch e.Verb {
	case "push":
		what = "push to "
	case "fetch", "clone", lfsFetch:
		what = e.Verb + " from "
	case "ls-remote":
		what = "ls-remote of "
	}
	if e.URL != "" {
		what += "remote " + e.Remote + " (" + e.URL + ")"
	} else {
		what += e.Remote
	}
	switch e.Kind {
	case KindTimeout:
		if e.Cause == "" {
			return fmt.Sprintf("%s timed out after %s", what, e.Timeout)
		}
	case KindInterrupted:
		return what + " interrupted"
	}
	return what + " failed: " + e.Cause
}

func (e *Error) Unwrap() error { return e.Err }

// where is the URL of the remote, redacted.
func (e *Error) where() string {
	if e.URL != "" {
		return e.URL
	}
	return e.Remote
}

// Hint says what to do about the failure.
func (e *Error) Hint() string {
	h := ""
	switch e.Kind {
	case KindTimeout:
		h = "the host did not answer in time: check that it is up and reachable"
		if e.moreTime != "" {
			h += ", or raise " + e.moreTime
		}
	case KindRefused:
		h = "nothing listens at that host and port: check the URL (git remote -v) and that the server runs"
	case KindDNS:
		h = "the host name does not resolve: check the URL (git remote -v) or the ssh config's HostName"
	case KindUnreachable:
		h = "the network cannot reach the host: check the connection, VPN or proxy"
	case KindHostKeyUnknown:
		h = "the host's key is not in known_hosts: check its fingerprint with the host's owner, then add it (ssh-keyscan); deploytag never turns host-key checking off"
	case KindHostKeyChanged:
		h = "the host's key differs from the one in known_hosts: find out why before removing the old key (ssh-keygen -R HOST)"
	case KindAuth:
		h = "the server refused the credentials: check the ssh key (ssh-add -l, ssh -T HOST) or the token your credential helper gives"
	case KindForbidden:
		h = "the credentials were accepted but may not use this repo: check their scopes and the repo's access rights"
	case KindNotFound:
		h = "the server has no such repo, or hides it from these credentials: check the URL (git remote -v)"
	case KindServer:
		h = "the server failed: retry later, or ask its operators"
	case KindCertificate:
		h = "the server's certificate is not trusted: give git its CA (http.sslCAInfo or GIT_SSL_CAINFO); deploytag never turns certificate checks off"
	case KindProtocol:
		h = "deploytag talks to remotes over " + strings.ReplaceAll(AllowedProtocols, ":", ", ") + " only"
	}
	if e.Host != "" && h != "" {
		h += " (every repo on " + e.Host + " got this answer; they were not tried one by one)"
	}
	return h
}

// from fills e from a host verdict another repo met. The cause is the
// other repo's, but where it quotes that repo's URL it quotes e's own: an
// error never names another repo's URL as its own.
func (e *Error) from(v *Error) *Error {
	e.Kind, e.Cause, e.Timeout, e.Host = v.Kind, v.Cause, v.Timeout, v.Host
	if theirs, ours := v.where(), e.where(); theirs != "" && theirs != ours {
		e.Cause = strings.ReplaceAll(e.Cause, theirs, ours)
	}
	e.Err = ErrHostFailed
	if errors.Is(v.Err, context.DeadlineExceeded) {
		e.Err = fmt.Errorf("%w: %w", ErrHostFailed, context.DeadlineExceeded)
	}
	return e
}

// classify sets e's kind and cause from git's failure.
func (e *Error) classify(err error) {
	e.Err = err
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		e.Kind = KindTimeout
		return
	case errors.Is(err, context.Canceled):
		e.Kind = KindInterrupted
		return
	}
	stderr := git.Stderr(err)
	e.Kind, e.Cause = Classify(stderr)
	if e.Cause == "" {
		e.Cause = redact.Credentials(err.Error())
	}
	e.Cause = redact.Hide(e.Cause, e.secrets)
}

// classes map what ssh, curl or git print to a kind, in order of telling:
// ssh's own reason comes before git's "Could not read from remote
// repository".
var classes = []struct {
	kind Kind
	says []string
}{
	{KindHostKeyChanged, []string{"has changed and you have requested strict checking", "REMOTE HOST IDENTIFICATION HAS CHANGED"}},
	{KindHostKeyUnknown, []string{"host key is known for", "Host key verification failed", "No matching host key"}},
	{KindCertificate, []string{"SSL certificate problem", "certificate verification failed", "SSL: no alternative certificate subject"}},
	{KindRefused, []string{"Connection refused", "Couldn't connect to server", "Failed to connect to"}},
	{KindDNS, []string{"Could not resolve hostname", "Could not resolve host", "unable to look up", "Name or service not known", "Temporary failure in name resolution"}},
	{KindTimeout, []string{"Connection timed out", "Operation timed out", "timed out"}},
	{KindUnreachable, []string{"No route to host", "Network is unreachable"}},
	{KindAuth, []string{"Permission denied", "Authentication failed", "could not read Username", "could not read Password", "returned error: 401"}},
	{KindForbidden, []string{"returned error: 403"}},
	{KindNotFound, []string{"not found", "does not appear to be a git repository", "returned error: 404", "does not exist"}},
	{KindServer, []string{"returned error: 5"}},
	{KindProtocol, []string{"transport '", "Unable to find remote helper"}},
}

// Classify picks, from git's stderr, the kind of failure and the line that
// says it (redacted, without "fatal: ").
func Classify(stderr string) (Kind, string) {
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		// ssh's banner of @ lines around a changed host key says less
		// than the line after it.
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "@") && !strings.HasPrefix(l, "Warning: Permanently added") {
			lines = append(lines, l)
		}
	}
	for _, c := range classes {
		for i, l := range lines {
			for _, s := range c.says {
				if strings.Contains(l, s) {
					// git's "unable to connect to HOST:" heads the line
					// that says why.
					if i > 0 && strings.HasPrefix(lines[i-1], "fatal: ") && strings.HasSuffix(lines[i-1], ":") {
						return c.kind, clean(lines[i-1] + " " + l)
					}
					return c.kind, clean(l)
				}
			}
		}
	}
	// The server's own fatal or error line ("remote: fatal: unable to
	// read OID", a repo damaged on its side) says more than what the
	// client concluded from it ("protocol error: bad pack header").
	for _, l := range lines {
		if strings.HasPrefix(l, "remote: fatal: ") || strings.HasPrefix(l, "remote: error: ") {
			return KindOther, redact.Credentials(strings.TrimSpace(l))
		}
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "fatal: ") || strings.HasPrefix(l, "error: ") {
			return KindOther, clean(l)
		}
	}
	if len(lines) > 0 {
		return KindOther, clean(lines[0])
	}
	return KindOther, ""
}

func clean(l string) string {
	l = strings.TrimPrefix(l, "fatal: ")
	l = strings.TrimPrefix(l, "error: ")
	l = strings.TrimSuffix(l, "\r")
	return redact.Credentials(strings.TrimSpace(l))
}
