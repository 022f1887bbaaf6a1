package cliutil

import (
	"runtime/debug"
	"strings"
)

// commit is set at build time with -ldflags "-X .../pkg/cliutil.commit=$(git rev-parse HEAD)".
var commit = ""

// describe turns what the build recorded into "VERSION (commit HASH)":
// v is the -X version (git describe --tags --match 'v[0-9]*' --always
// --dirty) or the module version, rev the commit (-X or the Go
// toolchain's vcs stamp). A describe without a release tag is only the
// short commit, which says nothing the commit does not, so it reads
// "devel"; "-dirty" becomes ", modified".
func describe(v, rev string, modified bool) string {
	if d, ok := strings.CutSuffix(v, "-dirty"); ok {
		v, modified = d, true
	}
	if v != "" && rev != "" && strings.HasPrefix(rev, v) {
		v = ""
	}
	if v == "" {
		v = "devel"
	}
	if rev == "" {
		if modified {
			v += "-dirty"
		}
		return v
	}
	v += " (commit " + rev
	if modified {
		v += ", modified"
	}
	return v + ")"
}

// buildVersion gathers the version, the commit and whether the tree was
// modified, from the -X variables first, then the binary's build info.
func buildVersion() string {
	v, rev, modified := version, commit, false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && rev == "":
				rev = s.Value
			case s.Key == "vcs.modified" && commit == "":
				modified = s.Value == "true"
			}
		}
	}
	return describe(v, rev, modified)
}
