// Package redact keeps credentials out of what the tools print and log:
// the userinfo of a URL and the value of a query parameter that holds a
// secret, wherever a URL stands in a message, and the secrets a remote's
// configured URLs carry wherever git quotes them. Every message that may
// quote a URL (git's errors, the network verbs' causes, deploys.log, the
// command line's last word on stderr) passes through it.
package redact

import (
	"regexp"
	"strings"
)

var (
	// userinfo matches the credentials part of a URL: scheme://user:pass@host.
	userinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]*@`)
	// bareUserinfo matches user:pass@host (or :pass@host, a token with an
	// empty user) where git printed the host part of a URL without its
	// scheme (e.g. "unable to look up user:pass@host").
	bareUserinfo = regexp.MustCompile(`(^|[\s'"(=])[^\s/@:'"]*:[^\s/@'"]*@`)
	// secretParam matches the value of a URL query parameter whose name
	// says it holds a secret: access_token, private_token, token,
	// password, key, secret, sig, X-Amz-Signature, client_secret, ...
	secretParam = regexp.MustCompile(`(?i)([?&;][a-z0-9_.-]*(?:token|passw(?:or)?d|pwd|pass|secret|key|sig|signature|auth|credential|session)[a-z0-9_.-]*=)[^&;#\s'"()<>\[\]]*`)
)

// Credentials removes credentials from any URL in s:
// https://user:secret@host/repo prints as https://***@host/repo, a bare
// user:secret@host or :secret@host as ***@host, and the value of a query
// parameter that holds a secret (?access_token=..., &private_token=...,
// ?key=...) as ***. scp-like ssh addresses (git@host:repo) have no
// password and are left alone.
func Credentials(s string) string {
	s = userinfo.ReplaceAllString(s, "${1}***@")
	s = bareUserinfo.ReplaceAllString(s, "${1}***@")
	return secretParam.ReplaceAllString(s, "${1}***")
}

// Secrets returns the credentials the given URLs carry (userinfo, and the
// values of query parameters that hold secrets), to be hidden wherever
// they appear: git prints some URLs without their scheme.
func Secrets(urls ...string) []string {
	var out []string
	for _, u := range urls {
		if scheme, rest, ok := strings.Cut(u, "://"); ok {
			host := rest
			if i := strings.IndexAny(host, "/?#"); i >= 0 {
				host = host[:i]
			}
			if i := strings.LastIndexByte(host, '@'); i > 0 {
				// A password; or a user name that is a token (https), but
				// not a mere user name like ssh's "git".
				ui := host[:i]
				if _, pw, ok := strings.Cut(ui, ":"); ok && pw != "" {
					out = append(out, pw)
				} else if !ok && strings.HasPrefix(strings.ToLower(scheme), "http") {
					out = append(out, ui+"@") // hidden only before an @
				}
			}
		}
		for _, m := range secretParam.FindAllStringSubmatch(u, -1) {
			if v := strings.TrimPrefix(m[0], m[1]); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// Hide is Credentials, also hiding each of secrets wherever it appears.
func Hide(s string, secrets []string) string {
	for _, sec := range secrets {
		if user, ok := strings.CutSuffix(sec, "@"); ok && user != "" {
			s = strings.ReplaceAll(s, sec, "***@")
		} else if sec != "" {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return Credentials(s)
}
