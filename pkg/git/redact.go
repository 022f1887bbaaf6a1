package git

import "regexp"

var (
	// userinfo matches the credentials part of a URL: scheme://user:pass@host.
	userinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]*@`)
	// bareUserinfo matches user:pass@host where git printed the host part of
	// a URL without its scheme (e.g. "unable to look up user:pass@host").
	bareUserinfo = regexp.MustCompile(`(^|[\s'"(=])[^\s/@:'"]+:[^\s/@'"]*@`)
)

// Redact removes credentials from any URL in s, so that
// https://user:secret@host/repo prints as https://***@host/repo and a bare
// user:secret@host as ***@host. scp-like ssh addresses (git@host:repo) have
// no password and are left alone.
func Redact(s string) string {
	s = userinfo.ReplaceAllString(s, "${1}***@")
	return bareUserinfo.ReplaceAllString(s, "${1}***@")
}
