package git

import "regexp"

// userinfo matches the credentials part of a URL: scheme://user:pass@host.
var userinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]*@`)

// Redact removes credentials from any URL in s, so that
// https://user:secret@host/repo prints as https://***@host/repo.
func Redact(s string) string {
	return userinfo.ReplaceAllString(s, "${1}***@")
}
