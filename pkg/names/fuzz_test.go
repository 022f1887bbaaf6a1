package names

import (
	"strings"
	"testing"
)

// A tag name that passes the grammar can never be an option, a revision
// range or a path, stays within its length, and when shaped like a deploy
// tag is one, whose parse prints back as the same name.
func FuzzTagName(f *testing.F) {
	for _, tc := range tagNames {
		f.Add(tc.name)
	}
	f.Fuzz(func(t *testing.T, name string) {
		p, isDeploy := Parse(name)
		if isDeploy && p.String() != name {
			t.Fatalf("Parse(%q) prints back as %q", name, p.String())
		}
		if ValidTagName(name) != nil {
			return
		}
		switch {
		case len(name) == 0 || len(name) > MaxTagLen:
			t.Fatalf("accepted length %d", len(name))
		case name[0] == '-' || name[0] == '.' || name == "HEAD":
			t.Fatalf("accepted %q", name)
		case strings.ContainsAny(name, "/\\ :~^?*[@{\x00\n\t\"'"):
			t.Fatalf("accepted %q", name)
		case deployShape.MatchString(name) && !isDeploy:
			t.Fatalf("accepted %q, shaped like a deploy tag but not one", name)
		}
	})
}

// An environment name that passes is never a path and never an option.
func FuzzEnvironment(f *testing.F) {
	for _, s := range []string{"dev", "qa-2", "prod.eu", "..", "a/b", "-x", "Prod", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, env string) {
		if ValidEnvironment(env) != nil {
			return
		}
		if env == "" || env[0] == '-' || env[0] == '.' || strings.ContainsAny(env, "/\\\x00 ") || strings.Contains(env, "..") || len(env) > 64 {
			t.Fatalf("accepted %q", env)
		}
	})
}
