package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Every module go version -m finds in a tool built from ./cmd/... is
// named in the notices, with its version and its license text, and Go's
// own license is there: what a binary distribution must carry.
func TestNamesEveryModuleOfEveryTool(t *testing.T) {
	bin := t.TempDir()
	build := exec.Command("go", "build", "-trimpath", "-o", bin+string(filepath.Separator), "github.com/deploytag/deploytag/cmd/...")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var notices bytes.Buffer
	if err := Write(&notices, []string{"github.com/deploytag/deploytag/cmd/..."}); err != nil {
		t.Fatal(err)
	}
	text := notices.String()
	goroot, err := goEnv("GOROOT")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"LICENSE", "PATENTS"} {
		b, err := os.ReadFile(filepath.Join(goroot, f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, string(b)) {
			t.Errorf("the notices lack Go's %s", f)
		}
	}
	tools, err := os.ReadDir(bin)
	if err != nil || len(tools) < 10 {
		t.Fatalf("built %d tools (%v)", len(tools), err)
	}
	var deps []string
	for _, tool := range tools {
		out, err := exec.Command("go", "version", "-m", filepath.Join(bin, tool.Name())).Output()
		if err != nil {
			t.Fatalf("go version -m %s: %v", tool.Name(), err)
		}
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) >= 3 && f[0] == "dep" {
				deps = append(deps, f[1]+" "+f[2])
			}
		}
	}
	if len(deps) == 0 {
		t.Fatal("go version -m lists no module in any tool")
	}
	mods, err := Modules([]string{"github.com/deploytag/deploytag/cmd/..."})
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range deps {
		if !strings.Contains(text, "\n"+rule+dep+"\n"+rule) {
			t.Errorf("the notices do not name %s", dep)
		}
	}
	for _, m := range mods {
		files, err := LicenseFiles(m.Dir)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(m.Dir, files[0]))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, string(b)) {
			t.Errorf("the notices lack the text of %s's %s", m.Path, files[0])
		}
	}
	var again bytes.Buffer
	if err := Write(&again, []string{"github.com/deploytag/deploytag/cmd/..."}); err != nil || again.String() != text {
		t.Errorf("a second run wrote other bytes (%v)", err)
	}
}

func TestLicenseFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"LICENSE.md", "COPYING", "PATENTS", "README.md", "license_test.go", "NOTICE.txt", "licenses.go", "LICENSE-MIT"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := LicenseFiles(dir)
	if want := []string{"COPYING", "LICENSE-MIT", "LICENSE.md", "NOTICE.txt", "PATENTS"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("LicenseFiles = %q, %v; want %q", got, err, want)
	}
	if _, err := LicenseFiles(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no license file") {
		t.Errorf("a folder with no license file: %v", err)
	}
}
