package git

import "regexp"

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

// Redact removes credentials from any URL in s: https://user:secret@host/repo
// prints as https://***@host/repo, a bare user:secret@host or :secret@host
// as ***@host,
// and the value of a query parameter that holds a secret
// (?access_token=..., &private_token=..., ?key=...) as ***. scp-like ssh
// addresses (git@host:repo) have no password and are left alone.
func Redact(s string) string {
	s = userinfo.ReplaceAllString(s, "${1}***@")
	s = bareUserinfo.ReplaceAllString(s, "${1}***@")
	return secretParam.ReplaceAllString(s, "${1}***")
}
