// Command notices writes the third-party notices a release carries: the
// license of Go (its standard library and runtime are in every binary) and
// the license of every module compiled into the tools, each as the module
// ships it, so that the binaries keep the notices that the BSD and MIT
// licenses ask binary distributions to reproduce. It reads the module cache
// and GOROOT only (go list runs with GOPROXY=off and -mod=readonly): a
// module that is not in the cache, or that holds no license file, stops it
// with a line naming the module.
//
// Usage:
//
//	go run ./internal/notices [-o FILE] [PACKAGE...]
//
// PACKAGE defaults to ./cmd/..., listed for every platform a release is
// built for (linux and darwin), so that a module one platform alone links
// is named too. Without -o the notices go to stdout. The output is the
// same bytes for the same modules and Go release (a reproducible build
// carries it). `make notices` writes bin/share/doc/THIRD_PARTY_NOTICES,
// which GoReleaser puts into every archive, .deb and .rpm. Like docgen, it
// is run with go run and never shipped.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

func main() {
	out := flag.String("o", "", "write the notices to `FILE` (default: stdout)")
	flag.Parse()
	pkgs := flag.Args()
	if len(pkgs) == 0 {
		pkgs = []string{"./cmd/..."}
	}
	var buf bytes.Buffer
	if err := Write(&buf, pkgs); err != nil {
		fmt.Fprintln(os.Stderr, "notices:", err)
		os.Exit(1)
	}
	if *out == "" {
		_, _ = os.Stdout.Write(buf.Bytes())
		return
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "notices:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "notices:", err)
		os.Exit(1)
	}
}

// Platforms are the GOOS values a release is built for.
var Platforms = []string{"linux", "darwin"}

// Module is one module compiled into the tools.
type Module struct {
	Path, Version string
	Dir           string // where the module cache holds it
}

// Write writes the notices for the modules pkgs are built from.
func Write(w io.Writer, pkgs []string) error {
	goVersion, err := goEnv("GOVERSION")
	if err != nil {
		return err
	}
	goroot, err := goEnv("GOROOT")
	if err != nil {
		return err
	}
	mods, err := Modules(pkgs)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Third-party notices for deploytag\n\n"+
		"The deploytag binaries are built with Go, whose standard library and\n"+
		"runtime they contain, and contain the Go modules listed below. Each\n"+
		"one's license follows, as it ships it.\n")
	if err := section(w, "Go "+goVersion+" (the standard library and runtime)", goroot); err != nil {
		return fmt.Errorf("go %s in %s: %w", goVersion, goroot, err)
	}
	for _, m := range mods {
		if err := section(w, m.Path+" "+m.Version, m.Dir); err != nil {
			return fmt.Errorf("module %s %s: %w", m.Path, m.Version, err)
		}
	}
	return nil
}

const rule = "================================================================================\n"

// section writes one title and the license files of dir under it.
func section(w io.Writer, title, dir string) error {
	files, err := LicenseFiles(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s%s\n%s", rule, title, rule)
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\n--- %s ---\n\n%s", f, b)
		if len(b) > 0 && b[len(b)-1] != '\n' {
			fmt.Fprintln(w)
		}
	}
	return nil
}

var licenseName = regexp.MustCompile(`(?i)^(licen[cs]e|copying|notice|patents)([-_.](mit|apache|apache-2\.0|bsd))?(\.(md|txt|rst|markdown))?$`)

// LicenseFiles lists the license files at the top of dir (LICENSE,
// COPYING, NOTICE, PATENTS, with or without a text extension, and dual
// licenses' LICENSE-MIT, LICENSE-APACHE), sorted; none is an error.
func LicenseFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range ents {
		if e.Type().IsRegular() && licenseName.MatchString(e.Name()) {
			files = append(files, e.Name())
		}
	}
	if len(files) == 0 {
		return nil, errors.New("no license file (LICENSE, COPYING, NOTICE, PATENTS) at its top in " + dir)
	}
	slices.Sort(files)
	return files, nil
}

// Modules lists the modules, other than the main one, that pkgs are built
// from on any of the Platforms, sorted by path, from the module cache
// alone.
func Modules(pkgs []string) ([]Module, error) {
	seen := map[string]Module{}
	for _, goos := range Platforms {
		cmd := exec.Command("go", append([]string{"list", "-deps", "-f",
			"{{with .Module}}{{if not .Main}}{{.Path}}\t{{.Version}}\t{{.Dir}}{{with .Replace}}\t{{.Path}}\t{{.Version}}\t{{.Dir}}{{end}}{{end}}{{end}}"},
			pkgs...)...)
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOPROXY=off", "GOFLAGS=-mod=readonly", "CGO_ENABLED=0")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go list (GOOS=%s): %v: %s", goos, err, strings.TrimSpace(stderr.String()))
		}
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Split(line, "\t")
			if len(f) < 3 {
				continue
			}
			m := Module{Path: f[0], Version: f[1], Dir: f[2]}
			if len(f) == 6 { // replaced: the replacement's files
				m.Dir = f[5]
				if f[4] != "" {
					m.Version = f[4]
				}
			}
			if m.Dir == "" {
				return nil, fmt.Errorf("module %s %s is not in the module cache (go mod download, with the network, fetches it)", m.Path, m.Version)
			}
			seen[m.Path] = m
		}
	}
	mods := make([]Module, 0, len(seen))
	for _, m := range seen {
		mods = append(mods, m)
	}
	slices.SortFunc(mods, func(a, b Module) int { return strings.Compare(a.Path, b.Path) })
	return mods, nil
}

func goEnv(key string) (string, error) {
	out, err := exec.Command("go", "env", key).Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", key, err)
	}
	return strings.TrimSpace(string(out)), nil
}
