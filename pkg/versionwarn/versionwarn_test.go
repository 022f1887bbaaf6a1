package versionwarn

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name, content, want string // want: a part of the warning, or "" for none
	}{
		{".git_archival.txt", "node: $Format:%H$\ndescribe-name: $Format:%(describe:tags=true,match=*[0-9]*)$\n", "exclude=DEPLOY_*"},
		{".git_archival.txt", "describe-name: $Format:%(describe:tags=true,exclude=DEPLOY_*)$\n", ""},
		{".git_archival.txt", "node: $Format:%H$\n", ""},
		{"Makefile", "VERSION := $(shell git describe --tags --always)\n", "--exclude 'DEPLOY_*'"},
		{"Makefile", "VERSION := $(shell git describe --tags --exclude 'DEPLOY_*')\n", ""},
		{"package.json", `{"scripts": {"version": "git describe --tags > VERSION"}}`, "package.json"},
		{"pyproject.toml", "[build-system]\nrequires = [\"setuptools\", \"setuptools-scm>=8\"]\n[tool.setuptools_scm]\n", "setuptools-scm"},
		{"pyproject.toml", "[tool.setuptools_scm]\ngit_describe_command = \"git describe --tags --exclude 'DEPLOY_*'\"\n", ""},
		{"pyproject.toml", "[tool.poetry]\nversion = \"1.0\"\n", ""},
		{"setup.py", "setup(use_scm_version=True)\n", "use_scm_version"},
		{"README", "git describe\n", ""},
	} {
		got := Check(tc.name, []byte(tc.content), "DEPLOY")
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("Check(%s, %q) = %q, want one containing %q", tc.name, tc.content, got, tc.want)
		}
		if got != "" && !strings.HasPrefix(got, tc.name+": ") {
			t.Errorf("warning %q does not start with the file's name", got)
		}
	}
}
