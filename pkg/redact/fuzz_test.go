package redact

import (
	"strings"
	"testing"
	"unicode"
)

// A password in a URL's userinfo never survives Credentials, wherever the URL
// sits in the text, and Credentials is idempotent.
func FuzzRedact(f *testing.F) {
	f.Add("fatal: unable to access 'https://", "ann", "s3cretpw", "@host/repo.git/'")
	f.Add("", "", "tok3n", "@example.com")
	f.Add("remote ", "git", "hunter22", "@h:r")
	f.Add("unable to look up ", "", "t0ken99", "@example.com")
	f.Fuzz(func(t *testing.T, before, user, secret, after string) {
		if len(secret) < 4 || strings.IndexFunc(secret, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) || r > unicode.MaxASCII }) >= 0 {
			return
		}
		if strings.ContainsAny(user, "/@:\\'\"") || strings.IndexFunc(user, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 || strings.Contains(before+user+after, secret) {
			return
		}
		for _, url := range []string{"https://" + user + ":" + secret + after, user + ":" + secret + after} {
			if !strings.HasPrefix(after, "@") {
				continue
			}
			in := before + url
			if !strings.HasPrefix(url, "https://") && before != "" && !strings.ContainsAny(before[len(before)-1:], " \t'\"(=") {
				continue // a bare user:pass@host (or :pass@host) is redacted as a word of its own
			}
			out := Credentials(in)
			if strings.Contains(out, secret) {
				t.Fatalf("Credentials(%q) = %q keeps the secret", in, out)
			}
			if Credentials(out) != out {
				t.Fatalf("Credentials is not idempotent on %q", out)
			}
		}
	})
}
