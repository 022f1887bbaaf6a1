// Package network is every step deploytag takes over the network, under
// one policy: git's fetch, clone, push and ls-remote (and FetchCommit
// built on them), and git lfs fetch, only over the allowed transports (file, git, ssh, https,
// http; never ext::), never prompting, within a deadline after which git
// and all it started are ended, at most a few steps at once against one
// host, one ssh connection per host shared by its steps (OpenSSH's
// ControlMaster, unless the user's ssh config decides; a second while
// more than SessionsPerMaster steps run at once), one verdict per
// host once a host is found refused, unknown or silent, and every failure
// one line whose every word is redacted (pkg/redact). It reads what a
// repo's config says of a remote (RemoteConfig: URLs after insteadOf,
// core.sshCommand).
//
// A Client is a git.Runner with that policy and the state its steps
// share during one run (the host bounds, the verdicts, the ssh masters),
// ended by Close.
package network

import (
	"sync"
	"time"

	"github.com/deploytag/deploytag/pkg/git"
)

// DefaultTimeout is the deadline of each network step of one repo when
// nothing sets one: --timeout's default, push's and checkout's.
const DefaultTimeout = 60 * time.Second

// DefaultRemote is the remote a step talks to when none is named, as git
// names its first: --remote's default, push's and checkout's.
const DefaultRemote = "origin"

// Client runs git's network verbs under the policy; it is also the
// git.Runner it wraps, for the local steps around them.
type Client struct {
	*git.Runner

	hostJobs int
	moreTime string
	once     sync.Once
	st       *netState
}

// Options configure a Client.
type Options struct {
	// HostJobs bounds the network steps at once against one host; 0 means
	// DefaultHostJobs.
	HostJobs int
	// MoreTime, when set, names what gives a step more time (the command
	// line's --timeout): the hint of a step that timed out suggests
	// raising it.
	MoreTime string
}

// New returns a Client running g's git. Close it when the run is done:
// it ends the shared ssh connections.
func New(g *git.Runner, o Options) *Client {
	if o.HostJobs <= 0 {
		o.HostJobs = DefaultHostJobs
	}
	return &Client{Runner: g, hostJobs: o.HostJobs, moreTime: o.MoreTime}
}
