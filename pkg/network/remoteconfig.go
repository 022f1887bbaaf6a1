package network

import (
	"context"

	"fmt"
	"regexp"
	"strings"

	"github.com/deploytag/deploytag/pkg/git"
)

// Remote is what git's config says about pushing to one remote: its URLs
// as git fetches from and pushes to them (after url.<base>.insteadOf and
// pushInsteadOf rewriting), and whether the user chose an ssh command.
type Remote struct {
	Fetch []string // remote.<name>.url, rewritten
	Push  []string // the URLs "git push <name>" pushes to
	// SSHCommand is core.sshCommand, or "" when unset (for Call).
	SSHCommand string
}

// RemoteConfigArgs is the argv of the one "git config" read RemoteConfig
// makes for remote (a name already checked by config.ValidRemote).
func RemoteConfigArgs(remote string) []string {
	re := `^remote\.` + regexp.QuoteMeta(remote) + `\.(url|pushurl)$` +
		`|^core\.sshcommand$` +
		`|^url\..*\.(insteadof|pushinsteadof)$`
	return []string{"config", "--null", "--get-regexp", re}
}

// RemoteConfig reads what Remote says about remote as seen from dir: from
// the config files themselves where git.ReadConfig can (no process),
// else in one git process. A remote without URLs yields a Remote with
// none.
func (cl *Client) RemoteConfig(ctx context.Context, dir, remote string) (Remote, error) {
	if entries, ok := git.ReadConfig(cl.Env(), dir); ok {
		return ParseRemoteConfig(remoteEntries(entries, remote), remote)
	}
	out, err := cl.Run(ctx, dir, RemoteConfigArgs(remote)...)
	if err != nil && git.ExitCode(err) != 1 { // 1: nothing matched
		return Remote{}, git.NotARepo(err)
	}
	return ParseRemoteConfig(out, remote)
}

// remoteEntries is what "git config --null --get-regexp" prints for
// RemoteConfigArgs(remote), from a config's entries.
func remoteEntries(entries []git.ConfigEntry, remote string) []byte {
	var b []byte
	for _, e := range entries {
		k := e.Key
		keep := k == "remote."+remote+".url" || k == "remote."+remote+".pushurl" || k == "core.sshcommand" ||
			strings.HasPrefix(k, "url.") && (strings.HasSuffix(k[4:], ".insteadof") || strings.HasSuffix(k[4:], ".pushinsteadof"))
		if keep {
			b = append(append(append(append(b, k...), '\n'), e.Value...), 0)
		}
	}
	return b
}

// rewrite is one url.<base> section: the prefixes it replaces by base.
type rewrite struct {
	base     string
	prefixes []string
}

// ParseRemoteConfig parses the output of RemoteConfigArgs(remote) and
// applies git's URL rewriting: each URL's longest matching insteadOf
// prefix is replaced by its base (on a tie, the base configured first
// wins). Push URLs are the pushurl values rewritten by insteadOf; without
// any, the url values that a pushInsteadOf rewrites; without those, the
// fetch URLs.
func ParseRemoteConfig(out []byte, remote string) (Remote, error) {
	var rc Remote
	var urls, pushurls []string
	var insteadOf, pushInsteadOf []rewrite
	add := func(rs []rewrite, base, prefix string) []rewrite {
		for i := range rs {
			if rs[i].base == base {
				rs[i].prefixes = append(rs[i].prefixes, prefix)
				return rs
			}
		}
		return append(rs, rewrite{base: base, prefixes: []string{prefix}})
	}
	for _, rec := range strings.Split(string(out), "\x00") {
		if rec == "" {
			continue
		}
		key, value, ok := strings.Cut(rec, "\n")
		if !ok {
			return Remote{}, fmt.Errorf("git config: %s has no value", key)
		}
		switch {
		case key == "remote."+remote+".url":
			urls = append(urls, value)
		case key == "remote."+remote+".pushurl":
			pushurls = append(pushurls, value)
		case key == "core.sshcommand":
			rc.SSHCommand = value
		case strings.HasPrefix(key, "url.") && strings.HasSuffix(key, ".insteadof"):
			insteadOf = add(insteadOf, strings.TrimSuffix(strings.TrimPrefix(key, "url."), ".insteadof"), value)
		case strings.HasPrefix(key, "url.") && strings.HasSuffix(key, ".pushinsteadof"):
			pushInsteadOf = add(pushInsteadOf, strings.TrimSuffix(strings.TrimPrefix(key, "url."), ".pushinsteadof"), value)
		default:
			return Remote{}, fmt.Errorf("git config: unexpected key %q", key)
		}
	}
	for _, u := range urls {
		v, _ := alias(u, insteadOf)
		rc.Fetch = append(rc.Fetch, v)
	}
	for _, u := range pushurls {
		v, _ := alias(u, insteadOf)
		rc.Push = append(rc.Push, v)
	}
	if len(pushurls) == 0 {
		for _, u := range urls {
			if v, ok := alias(u, pushInsteadOf); ok {
				rc.Push = append(rc.Push, v)
			}
		}
	}
	if len(rc.Push) == 0 {
		rc.Push = rc.Fetch
	}
	return rc, nil
}

// alias rewrites url by the longest prefix of rs it starts with, and says
// whether one matched.
func alias(url string, rs []rewrite) (string, bool) {
	best, bestLen := -1, -1
	for i, r := range rs {
		for _, p := range r.prefixes {
			if strings.HasPrefix(url, p) && len(p) > bestLen {
				best, bestLen = i, len(p)
			}
		}
	}
	if best < 0 {
		return url, false
	}
	return rs[best].base + url[bestLen:], true
}
