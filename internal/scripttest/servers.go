package scripttest

import (
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/deploytag/deploytag/internal/githttp"
	"github.com/deploytag/deploytag/internal/sshtest"
	"github.com/rogpeppe/go-internal/testscript"
)

// The servers each script started, by name, so later commands can stop,
// restart or break them.
var (
	serversMu   sync.Mutex
	sshServers  = map[*testscript.TestScript]map[string]*sshtest.Server{}
	httpServers = map[*testscript.TestScript]map[string]*githttp.Server{}
)

// scriptServers returns the servers of ts in all, by name; the first call
// for a script arranges that each is stopped with stop when it ends. The
// caller holds serversMu.
func scriptServers[S any](ts *testscript.TestScript, all map[*testscript.TestScript]map[string]S, stop func(S)) map[string]S {
	mine := all[ts]
	if mine == nil {
		mine = map[string]S{}
		all[ts] = mine
		ts.Defer(func() {
			serversMu.Lock()
			defer serversMu.Unlock()
			for _, s := range all[ts] {
				stop(s)
			}
			delete(all, ts)
		})
	}
	return mine
}

// sshd NAME: start an sshd (internal/sshtest) known as host NAME. Sets
// $NAME_ROOT (HOME of its sessions), $NAME_URL (ssh://user@127.0.0.1:port,
// append an absolute path) and $NAME_ALIAS (ssh://NAME, through the
// config), and (re)writes $WORK/ssh_config with every server of the script
// and GIT_SSH_COMMAND="ssh -F $WORK/ssh_config". Also $NAME_PORT, $NAME_DIR
// (its config, keys and sshd.log), $NAME_KEY (the client key) and
// $NAME_HOSTKEY (its host key, "TYPE BASE64", for known_hosts lines).
//
// sshd stop|restart NAME: stop (every process included) or restart it.
//
// Starting one needs sshd, ssh and ssh-keygen, as "need" does (a script
// names them at its top all the same, before it does any work).
func sshdCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: sshd NAME | sshd stop|restart NAME")
	}
	if len(args) == 1 {
		need(ts, false, []string{"sshd", "ssh", "ssh-keygen"})
	}
	serversMu.Lock()
	defer serversMu.Unlock()
	mine := scriptServers(ts, sshServers, func(s *sshtest.Server) {
		if err := s.Stop(); err != nil {
			ts.Logf("%v", err)
		}
	})
	if len(args) == 2 {
		s := mine[args[1]]
		if s == nil {
			ts.Fatalf("no sshd %s", args[1])
		}
		switch args[0] {
		case "stop":
			ts.Check(s.Stop())
		case "restart":
			ts.Check(s.Restart())
		default:
			ts.Fatalf("usage: sshd stop|restart NAME")
		}
		return
	}
	name := args[0]
	s, err := sshtest.Start(ts.MkAbs(filepath.Join("sshd", name)), sshtest.Options{Alias: name})
	ts.Check(err)
	mine[name] = s
	var all []*sshtest.Server
	for _, s := range mine {
		all = append(all, s)
	}
	cmd, err := sshtest.WriteConfig(ts.MkAbs("ssh_config"), "", all...)
	ts.Check(err)
	ts.Setenv("GIT_SSH_COMMAND", cmd)
	ts.Setenv(name+"_ROOT", s.Root)
	ts.Setenv(name+"_URL", s.URL(""))
	ts.Setenv(name+"_ALIAS", s.AliasURL(""))
	ts.Setenv(name+"_PORT", strconv.Itoa(s.Port))
	ts.Setenv(name+"_DIR", s.Dir)
	ts.Setenv(name+"_KEY", s.ClientKey)
	ts.Setenv(name+"_HOSTKEY", strings.SplitN(s.HostKeyLine, " ", 2)[1])
}

// githttp NAME ROOT [tls]: serve the repos under ROOT over smart HTTP with
// basic auth (internal/githttp); with tls, over HTTPS with a certificate
// made for it, trusted through GIT_SSL_CAINFO (also set) and in
// $NAME_CA. Sets $NAME_URL (no credentials) and $NAME_AUTH (with them);
// append "/path/of/repo.git".
//
// githttp fail NAME PREFIX STATUS: answer requests under PREFIX with
// STATUS (0 undoes it). githttp stop NAME: stop it.
func githttpCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: githttp NAME ROOT [tls] | githttp fail NAME PREFIX STATUS | githttp stop NAME")
	}
	serversMu.Lock()
	defer serversMu.Unlock()
	mine := scriptServers(ts, httpServers, (*githttp.Server).Stop)
	switch {
	case args[0] == "stop" && len(args) == 2:
		s := mine[args[1]]
		if s == nil {
			ts.Fatalf("no githttp %s", args[1])
		}
		s.Stop()
		return
	case args[0] == "fail" && len(args) == 4:
		s := mine[args[1]]
		if s == nil {
			ts.Fatalf("no githttp %s", args[1])
		}
		status, err := strconv.Atoi(args[3])
		ts.Check(err)
		s.Fail(args[2], status)
		return
	case len(args) == 3 && args[2] == "tls":
	case len(args) != 2:
		ts.Fatalf("usage: githttp NAME ROOT [tls] | githttp fail NAME PREFIX STATUS | githttp stop NAME")
	}
	opts := githttp.Options{}
	if len(args) == 3 {
		opts.TLSDir = ts.MkAbs(filepath.Join("githttp", args[0]))
	}
	s, err := githttp.Start(ts.MkAbs(args[1]), opts)
	ts.Check(err)
	if s.CAFile != "" {
		ts.Setenv("GIT_SSL_CAINFO", s.CAFile)
		ts.Setenv(args[0]+"_CA", s.CAFile)
	}
	mine[args[0]] = s
	ts.Setenv(args[0]+"_URL", s.URL)
	ts.Setenv(args[0]+"_AUTH", strings.TrimSuffix(s.AuthURL(""), "/"))
}
