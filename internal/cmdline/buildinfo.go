package cmdline

import (
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
)

// commit is set at build time with -ldflags "-X .../internal/cmdline.commit=$(git rev-parse HEAD)".
var commit = ""

// describe turns what the build recorded into "VERSION (commit HASH, GO)",
// e.g. "0.4.0 (commit 1a2b3c4, go1.26.8)": v is the -X version (a release
// build's semver, or make's git describe --tags --match 'v[0-9]*' --always
// --dirty) or the module version, rev the commit (-X or the Go toolchain's
// vcs stamp), shortened to 7 hex digits, and goVersion the toolchain. A
// leading "v" of a release tag is dropped (v0.4.0 and a release build's
// 0.4.0 print alike). A describe without a release tag is only the short
// commit, which says nothing the commit does not, so it reads "devel", as
// does a pseudo-version (what go build stamps for an untagged commit, and
// go install for a branch), whose commit stands in for a missing rev;
// "-dirty" (git describe) and "+dirty" (go build) become ", modified".
func describe(v, rev string, modified bool, goVersion string) string {
	for _, dirty := range []string{"-dirty", "+dirty"} {
		if d, ok := strings.CutSuffix(v, dirty); ok {
			v, modified = d, true
		}
	}
	if m := pseudoVersion.FindStringSubmatch(v); m != nil {
		v = ""
		if rev == "" {
			rev = m[1]
		}
	}
	if v != "" && rev != "" && strings.HasPrefix(rev, v) {
		v = ""
	}
	if len(v) > 1 && v[0] == 'v' && v[1] >= '0' && v[1] <= '9' {
		v = v[1:]
	}
	if v == "" {
		v = "devel"
	}
	var notes []string
	if rev != "" {
		notes = append(notes, "commit "+rev[:min(len(rev), 7)])
		if modified {
			notes = append(notes, "modified")
		}
	} else if modified {
		v += "-dirty"
	}
	if goVersion != "" {
		notes = append(notes, goVersion)
	}
	if len(notes) == 0 {
		return v
	}
	return v + " (" + strings.Join(notes, ", ") + ")"
}

// pseudoVersion matches a Go pseudo-version (v0.0.0-20261129053701-86dbc0f1c2d3,
// v1.2.4-0.20261129053701-86dbc0f1c2d3, v1.2.3-rc.1.0.20261129053701-86dbc0f1c2d3)
// and captures its commit.
var pseudoVersion = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+-(?:.*\.)?[0-9]{14}-([0-9a-f]{12})$`)

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
	return describe(v, rev, modified, runtime.Version())
}
