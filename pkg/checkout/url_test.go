package checkout

import (
	"strings"
	"testing"
)

func TestValidURLTemplate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // substring of the error; "" for valid
	}{
		{"git@github.com:openstax/{name}.git", ""},
		{"https://github.com/openstax/{name}", ""},
		{"ssh://git@host:2222/srv/{name}.git", ""},
		{"git://127.0.0.1:9418/{name}.git", ""},
		{"/srv/git/{name}.git", ""},
		{"../remotes/{name}.git", ""},
		{"file:///srv/{name}", ""},
		{"", "empty URL template"},
		{"git://host/repo.git", "does not contain {name}"},
		{"{NAME}", "does not contain {name}"},
		{"-{name}", "starts with '-'"},
		{"--upload-pack=touch /tmp/x{name}", "starts with '-'"},
		{"git://host/{name} x", "whitespace or control"},
		{"git://host/{name}\n", "whitespace or control"},
		{"git://host/\t{name}", "whitespace or control"},
		{"git://host/\x7f{name}", "whitespace or control"},
		{"git://host/\u00a0{name}", "whitespace or control"},
		{"ext::sh{name}", `transport helper ("ext::")`},
		{"fd::3{name}", "transport helper"},
		{"EXT::x{name}", "transport helper"},
		{"https://user:secret@host/{name} ", "https://***@host/"},
	} {
		err := ValidURLTemplate(tc.in)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("ValidURLTemplate(%q) = %v, want nil", tc.in, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("ValidURLTemplate(%q) = %v, want an error containing %q", tc.in, err, tc.want)
		case err != nil && strings.Contains(err.Error(), "secret"):
			t.Errorf("ValidURLTemplate(%q) = %v: shows the password", tc.in, err)
		}
	}
}

func TestDeriveTemplate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"git://127.0.0.1:9418/repo-a.git", "git://127.0.0.1:9418/{name}.git"},
		{"https://github.com/openstax/tutor-js", "https://github.com/openstax/{name}"},
		{"https://github.com/openstax/tutor-js/", "https://github.com/openstax/{name}"},
		{"https://github.com/openstax/tutor-js.git/", "https://github.com/openstax/{name}.git"},
		{"git@github.com:openstax/tutor-js.git", "git@github.com:openstax/{name}.git"},
		{"host:tutor-js", "host:{name}"},
		{"/srv/git/remotes/repo-c.git", "/srv/git/remotes/{name}.git"},
		{"https://user:pw@host/org/x.git", "https://user:pw@host/org/{name}.git"},
		{"", ""},
		{"repo", ""},
		{"https://host", ""},
		{"ext::sh -c x/y", ""},
	} {
		got, err := DeriveTemplate(tc.in)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("DeriveTemplate(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestExpand(t *testing.T) {
	if got := Expand("git@h:{name}/{name}.git", "tutor-js"); got != "git@h:tutor-js/tutor-js.git" {
		t.Errorf("Expand = %q", got)
	}
}
