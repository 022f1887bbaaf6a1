package redact

import "testing"

func TestCredentials(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:s3cret@example.com/r.git":                "https://***@example.com/r.git",
		"fatal: unable to access 'http://tok@h:8080/x': boom":  "fatal: unable to access 'http://***@h:8080/x': boom",
		"git@github.com:org/repo.git":                          "git@github.com:org/repo.git",
		"ssh://git@host/repo":                                  "ssh://***@host/repo",
		"no url here":                                          "no url here",
		"unable to look up user:s3cret@127.0.0.1 (port 9418)":  "unable to look up ***@127.0.0.1 (port 9418)",
		"'tok:x-oauth@host'":                                   "'***@host'",
		"https://gitlab.example/r.git?private_token=glpat-XyZ": "https://gitlab.example/r.git?private_token=***",
		"'https://h/r?a=1&access_token=abc&b=2' failed":        "'https://h/r?a=1&access_token=***&b=2' failed",
		"https://h/r.git?token=t0k#frag":                       "https://h/r.git?token=***#frag",
		"http://h/x?Password=pw;key=k1":                        "http://h/x?Password=***;key=***",
		"https://h/x?X-Amz-Signature=abc&ref=main":             "https://h/x?X-Amz-Signature=***&ref=main",
		"https://u:p@h/x?client_secret=s":                      "https://***@h/x?client_secret=***",
		"https://h/x?ref=main":                                 "https://h/x?ref=main",
	} {
		if got := Credentials(in); got != want {
			t.Errorf("Credentials(%q) = %q, want %q", in, got, want)
		}
	}
}
