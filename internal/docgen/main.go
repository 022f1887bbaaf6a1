// Command docgen writes the man page and the bash and zsh completion
// scripts of each deploytag tool, from the tool itself, so they never
// drift from it. It is run by "make install" (through "make share"):
//
//	go run ./internal/docgen -src . -out bin/share bin/create_deploy_tag bin/tag_repos ...
//
// For each built binary it runs "TOOL --help" (urfave/cli's layout, in a
// clean environment so no DEPLOYTAG_* variable of the builder shows up as
// a default) for the name, summary, usage and options, and reads the
// package doc comment of SRC/cmd/TOOL (the man page by the project's
// convention: Synopsis, Description, Output, Exit status, Examples) for
// the prose. It imports nothing from cmd/: the binaries are package main,
// and running them is what proves the page matches what was built.
//
// It writes, under OUT, the layout of PREFIX/share:
//
//	man/man1/TOOL.1
//	bash-completion/completions/TOOL
//	zsh/site-functions/_TOOL
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

func main() {
	src := flag.String("src", ".", "the module's root, holding cmd/TOOL")
	out := flag.String("out", "bin/share", "where to write man/, bash-completion/ and zsh/")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: docgen [-src DIR] [-out DIR] BINARY...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*src, *out, flag.Args()); err != nil {
		fmt.Fprintf(os.Stderr, "docgen: error: %v\n", err)
		os.Exit(1)
	}
}

func run(src, out string, bins []string) error {
	var suite []string
	helps := make([]Help, len(bins))
	for i, bin := range bins {
		h, err := helpOf(bin)
		if err != nil {
			return err
		}
		helps[i] = h
		suite = append(suite, h.Name)
	}
	for _, h := range helps {
		d, err := ReadDoc(filepath.Join(src, "cmd", h.Name))
		if err != nil {
			return fmt.Errorf("reading the doc comment of %s: %w", h.Name, err)
		}
		for path, text := range map[string]string{
			filepath.Join(out, "man", "man1", h.Name+".1"):               Man(h, d, suite),
			filepath.Join(out, "bash-completion", "completions", h.Name): Bash(h),
			filepath.Join(out, "zsh", "site-functions", "_"+h.Name):      Zsh(h),
		} {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// helpOf runs "BIN --help" in a clean environment and parses it.
func helpOf(bin string) (Help, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	abs, err := filepath.Abs(bin)
	if err != nil {
		return Help{}, err
	}
	cmd := exec.CommandContext(ctx, abs, "--help")
	cmd.Env = []string{"LC_ALL=C", "PATH=" + os.Getenv("PATH"), "HOME=/nonexistent"}
	cmd.Dir = os.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return Help{}, fmt.Errorf("%s --help: %v: %s", bin, err, bytes.TrimSpace(stderr.Bytes()))
	}
	h, err := ParseHelp(stdout.String())
	if err != nil {
		return Help{}, fmt.Errorf("%s --help: %w", bin, err)
	}
	if want := filepath.Base(bin); h.Name != want {
		return Help{}, fmt.Errorf("%s --help names the tool %q", bin, h.Name)
	}
	return h, nil
}
