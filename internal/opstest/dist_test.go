//go:build dist

// The release build runs GoReleaser over 40 binaries and packages, minutes
// on a loaded machine, so it is its own suite: make dist-check (which CI
// runs after make test) builds it with -tags dist.

package opstest

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"debug/elf"
	"debug/macho"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/testneed"
)

// TestMakeDist runs make dist in a clean copy of the tree tagged v1.2.3,
// as a release would, and checks what it ships: an archive per platform
// with every tool (each for that platform; the linux/amd64 ones static and
// printing the release on --version), man pages, completion, README and
// CHANGELOG and LICENSE; SHA256SUMS that sha256sum -c accepts; a .deb and
// an .rpm per architecture with the files where the distributions expect
// them, the license included (the .deb's copyright file in Debian's format,
// the .rpm's License tag and %license file) and THIRD_PARTY_NOTICES, which
// names every module go version -m finds in each tool and carries Go's
// license. Every file in them is root's
// and dated at the commit, never at the build. Then it installs the
// linux/amd64 .deb with dpkg, checks the tools on PATH and their man pages,
// and removes the package again.
//
// It says on stderr what it is doing as it goes (run it with -v, as make
// dist-check does, to see it), GoReleaser's steps included. With
// $DIST_KEEP set (make dist-check sets it to dist-check/ in the tree) the
// dist/ it built is copied there at the end, pass or fail.
func TestMakeDist(t *testing.T) {
	testneed.Need(t, "make", "sha256sum", "dpkg", "dpkg-deb", "rpm", "man")
	start := time.Now()
	progressf(start, "copying the tree into a clean repository tagged v1.2.3")
	src, commit := cleanClone(t)
	progressf(start, "make dist in %s (GoReleaser; its first run on a machine compiles it first)", src)
	out := makeDist(t, src, start)
	dist := filepath.Join(src, "dist")
	keepDist(t, dist, start)
	tools := toolNames(t)
	license := readFile(t, filepath.Join(src, "LICENSE"))
	if strings.Contains(out, "no files matched") {
		t.Errorf("make dist: a file the configuration names is missing:\n%s", out)
	}
	progressf(start, "checking the checksums, archives and packages")

	run(t, dist, nil, "sha256sum", "--strict", "-c", "SHA256SUMS")
	var sums []string
	for _, line := range strings.Split(strings.TrimSpace(readFile(t, filepath.Join(dist, "SHA256SUMS"))), "\n") {
		_, name, _ := strings.Cut(line, "  ")
		sums = append(sums, name)
	}
	wantSums := []string{
		"deploytag-1.2.3-1.aarch64.rpm", "deploytag-1.2.3-1.x86_64.rpm",
		"deploytag_1.2.3_amd64.deb", "deploytag_1.2.3_arm64.deb",
		"deploytag_1.2.3_darwin_amd64.tar.gz", "deploytag_1.2.3_darwin_arm64.tar.gz",
		"deploytag_1.2.3_linux_amd64.tar.gz", "deploytag_1.2.3_linux_arm64.tar.gz",
	}
	slices.Sort(sums)
	if !slices.Equal(sums, wantSums) {
		t.Errorf("SHA256SUMS lists %q, want %q", sums, wantSums)
	}

	for _, platform := range []struct {
		os, arch string
	}{{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "amd64"}, {"darwin", "arm64"}} {
		name := "deploytag_1.2.3_" + platform.os + "_" + platform.arch
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			files := untar(t, filepath.Join(dist, name+".tar.gz"), dir)
			want := []string{"CHANGELOG.md", "LICENSE", "README.md", "THIRD_PARTY_NOTICES"}
			for _, tool := range tools {
				want = append(want, tool, "share/man/man1/"+tool+".1",
					"share/bash-completion/completions/"+tool, "share/zsh/site-functions/_"+tool)
			}
			for _, f := range want {
				if !slices.Contains(files, name+"/"+f) {
					t.Errorf("%s.tar.gz lacks %s/%s; it holds %q", name, name, f, files)
				}
			}
			if got, err := os.ReadFile(filepath.Join(dir, name, "LICENSE")); err == nil && string(got) != license {
				t.Errorf("%s.tar.gz: LICENSE differs from the tree's:\n%s", name, got)
			}
			notices, _ := os.ReadFile(filepath.Join(dir, name, "THIRD_PARTY_NOTICES"))
			for _, tool := range tools {
				bin := filepath.Join(dir, name, tool)
				checkPlatform(t, bin, platform.os, platform.arch)
				checkNotices(t, name, bin, string(notices))
				if platform.os != runtime.GOOS || platform.arch != runtime.GOARCH {
					continue
				}
				checkStatic(t, bin)
				if got, want := run(t, "", nil, bin, "--version"), tool+" 1.2.3 (commit "+commit[:7]+", "+runtime.Version()+")\n"; got != want {
					t.Errorf("%s --version printed %q, want %q", tool, got, want)
				}
			}
		})
	}

	// The .deb: what dpkg-deb lists, then dpkg -i and dpkg -r.
	for _, arch := range []string{"amd64", "arm64"} {
		deb := filepath.Join(dist, "deploytag_1.2.3_"+arch+".deb")
		if got := run(t, "", nil, "dpkg-deb", "-f", deb, "Package", "Version", "Architecture", "Depends"); got != "Package: deploytag\nVersion: 1.2.3\nArchitecture: "+arch+"\nDepends: git\n" {
			t.Errorf("dpkg-deb -f %s:\n%s", filepath.Base(deb), got)
		}
		var paths []string
		for _, h := range debFiles(t, deb) {
			if h.Typeflag == tar.TypeDir {
				continue
			}
			p := strings.TrimPrefix(h.Name, ".")
			paths = append(paths, p)
			want := int64(0o644)
			if strings.HasPrefix(p, "/usr/bin/") {
				want = 0o755
			}
			if h.Mode&0o7777 != want {
				t.Errorf("%s: %s has mode %o, want %o", filepath.Base(deb), p, h.Mode, want)
			}
		}
		want := []string{"/usr/share/doc/deploytag/CHANGELOG.md", "/usr/share/doc/deploytag/README.md", "/usr/share/doc/deploytag/copyright",
			"/usr/share/doc/deploytag/THIRD_PARTY_NOTICES"}
		for _, tool := range tools {
			want = append(want, "/usr/bin/"+tool, "/usr/share/man/man1/"+tool+".1.gz",
				"/usr/share/bash-completion/completions/"+tool, "/usr/share/zsh/vendor-completions/_"+tool)
		}
		slices.Sort(paths)
		slices.Sort(want)
		if !slices.Equal(paths, want) {
			t.Errorf("%s holds the files\n%s\nwant\n%s", filepath.Base(deb), strings.Join(paths, "\n"), strings.Join(want, "\n"))
		}
		checkDebCopyright(t, filepath.Base(deb), debFile(t, deb, "./usr/share/doc/deploytag/copyright"), license)
		if got := debFile(t, deb, "./usr/share/doc/deploytag/THIRD_PARTY_NOTICES"); got != readFile(t, filepath.Join(src, "bin/share/doc/THIRD_PARTY_NOTICES")) {
			t.Errorf("%s: THIRD_PARTY_NOTICES differs from the one make notices wrote", filepath.Base(deb))
		}
		// What the issue asks of dpkg-deb -c itself: the same paths listed.
		listed := run(t, "", nil, "dpkg-deb", "-c", deb)
		for _, p := range want {
			if !strings.Contains(listed, " ."+p+"\n") {
				t.Errorf("dpkg-deb -c %s does not list %s:\n%s", filepath.Base(deb), p, listed)
			}
		}
	}
	for _, arch := range []string{"x86_64", "aarch64"} {
		rpm := filepath.Join(dist, "deploytag-1.2.3-1."+arch+".rpm")
		if got := run(t, "", nil, "rpm", "-qp", "--qf", "%{NAME} %{VERSION} %{ARCH} %{LICENSE}\n", rpm); got != "deploytag 1.2.3 "+arch+" MIT\n" {
			t.Errorf("rpm -qp %s: %q, want name, version, arch and License: MIT", filepath.Base(rpm), got)
		}
		if got := run(t, "", nil, "rpm", "-qpL", rpm); got != "/usr/share/licenses/deploytag/LICENSE\n/usr/share/licenses/deploytag/THIRD_PARTY_NOTICES\n" {
			t.Errorf("rpm -qpL %s (its %%license files): %q, want /usr/share/licenses/deploytag/LICENSE and THIRD_PARTY_NOTICES", filepath.Base(rpm), got)
		}
		when, _ := time.Parse(time.RFC3339, cloneTime)
		for _, line := range strings.Split(strings.TrimSpace(run(t, "", nil, "rpm", "-qp", "--qf", "[%{FILENAMES} %{FILEMTIMES} %{FILEUSERNAME}:%{FILEGROUPNAME}\n]", rpm)), "\n") {
			if f := strings.Fields(line); len(f) != 3 || f[1] != strconv.FormatInt(when.Unix(), 10) || f[2] != "root:root" {
				t.Errorf("rpm %s: %q, want the commit's time (%d) and root:root", filepath.Base(rpm), line, when.Unix())
			}
		}
		listed := strings.Fields(run(t, "", nil, "rpm", "-qpl", rpm))
		for _, tool := range tools {
			for _, f := range []string{"/usr/bin/" + tool, "/usr/share/man/man1/" + tool + ".1.gz",
				"/usr/share/bash-completion/completions/" + tool, "/usr/share/zsh/site-functions/_" + tool} {
				if !slices.Contains(listed, f) {
					t.Errorf("rpm -qpl %s lacks %s", filepath.Base(rpm), f)
				}
			}
		}
	}
	if runtime.GOARCH == "amd64" {
		progressf(start, "installing the .deb with dpkg, then removing it")
		installDeb(t, filepath.Join(dist, "deploytag_1.2.3_amd64.deb"), tools, commit)
	}
	progressf(start, "done")
}

// checkNotices fails unless the notices an archive carries name every
// module go version -m finds in bin, with its version, and carry Go's
// license: what the modules' and Go's licenses ask of a binary.
func checkNotices(t *testing.T, archive, bin, notices string) {
	t.Helper()
	if !strings.Contains(notices, "\nGo "+runtime.Version()+" (the standard library and runtime)\n") ||
		!strings.Contains(notices, readFile(t, filepath.Join(runtime.GOROOT(), "LICENSE"))) {
		t.Errorf("%s: THIRD_PARTY_NOTICES lacks Go's license (%s)", archive, runtime.Version())
	}
	deps := 0
	for _, line := range strings.Split(run(t, "", nil, "go", "version", "-m", bin), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "dep" {
			continue
		}
		deps++
		if !strings.Contains(notices, "\n"+f[1]+" "+f[2]+"\n") {
			t.Errorf("%s: THIRD_PARTY_NOTICES does not name %s %s, which %s holds", archive, f[1], f[2], filepath.Base(bin))
		}
	}
	if deps == 0 {
		t.Errorf("%s: go version -m lists no module in %s", archive, filepath.Base(bin))
	}
}

// progressf says on stderr what the release check is doing, with the
// time since it started: it runs for minutes.
func progressf(start time.Time, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "dist-check: %s %s\n", time.Since(start).Round(time.Second), fmt.Sprintf(format, args...))
}

// keepDist copies dist to $DIST_KEEP, if set, once the test ends (pass
// or fail), replacing what an earlier run left there, and says where.
func keepDist(t *testing.T, dist string, start time.Time) {
	keep := os.Getenv("DIST_KEEP")
	if keep == "" {
		return
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(keep); err != nil {
			t.Error(err)
			return
		}
		if err := os.CopyFS(keep, os.DirFS(dist)); err != nil {
			t.Errorf("keeping dist/ in %s: %v", keep, err)
			return
		}
		progressf(start, "the files built and checked (version 1.2.3, the clean copy's own tag, not a release) are in %s", keep)
	})
}

// debFile returns the content of the file at name (as dpkg-deb lists it:
// ./usr/...) in a .deb.
func debFile(t *testing.T, deb, name string) string {
	t.Helper()
	tr := tar.NewReader(strings.NewReader(run(t, "", nil, "dpkg-deb", "--fsys-tarfile", deb)))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			t.Fatalf("%s has no %s", filepath.Base(deb), name)
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == name {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
}

// checkDebCopyright fails unless copyright is a machine-readable Debian
// copyright file (copyright-format 1.0) that gives every file the Expat
// (MIT) license with LICENSE's own copyright line and text.
func checkDebCopyright(t *testing.T, deb, copyright, license string) {
	t.Helper()
	paras := strings.Split(strings.TrimSuffix(copyright, "\n"), "\n\n")
	if len(paras) != 2 {
		t.Fatalf("%s: copyright has %d paragraphs, want a header and one Files paragraph:\n%s", deb, len(paras), copyright)
	}
	fields := func(p string) map[string]string {
		m, key := map[string]string{}, ""
		for _, line := range strings.Split(p, "\n") {
			if strings.HasPrefix(line, " ") && key != "" {
				m[key] += "\n" + line
				continue
			}
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				t.Fatalf("%s: copyright: %q is neither a field nor a continuation", deb, line)
			}
			key, m[k] = k, strings.TrimSpace(v)
		}
		return m
	}
	head, files := fields(paras[0]), fields(paras[1])
	if head["Format"] != "https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" || head["Upstream-Name"] != "deploytag" {
		t.Errorf("%s: copyright header %q", deb, head)
	}
	_, holder, _ := strings.Cut(strings.SplitN(license, "\n", 4)[2], "Copyright (c) ")
	if files["Files"] != "*" || files["Copyright"] != holder || files["Copyright"] != "2026 the deploytag authors" {
		t.Errorf("%s: copyright Files paragraph %q, want Files: * and Copyright: %s", deb, files, holder)
	}
	name, text, _ := strings.Cut(files["License"], "\n")
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimPrefix(l, " ")
		if l == "." {
			l = ""
		}
		lines = append(lines, l)
	}
	_, want, _ := strings.Cut(license, "\nPermission ")
	if name != "Expat" || strings.Join(lines, "\n")+"\n" != "Permission "+want {
		t.Errorf("%s: copyright License %q with a text other than LICENSE's:\n%s", deb, name, strings.Join(lines, "\n"))
	}
}

// makeDist runs make dist in src and returns its output. GoReleaser's
// steps (its top-level "  • " lines) and what each makes (the lines under
// them: each binary, archive, package) are passed on as progress while it
// runs; at least the steps that build, archive, package and sum must show
// up. It may take long on a loaded machine, so it has its own deadline (30
// minutes) past which its whole process group (make, GoReleaser, the
// compilers) is killed.
func makeDist(t *testing.T, src string, start time.Time) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", "dist")
	cmd.Dir = src
	cmd.Env = innerEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	pr, pw := io.Pipe()
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = pw, pw
	var steps []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			// GoReleaser colours its log when $CI is set, pipe or not
			// (its logger forces CLICOLOR_FORCE there), so the colours
			// go before the line is read.
			line := ansiEscape.ReplaceAllString(sc.Text(), "")
			out.WriteString(line + "\n")
			if step, ok := strings.CutPrefix(line, "  • "); ok {
				steps = append(steps, step)
				progressf(start, "make dist: %s", step)
			} else if item, ok := strings.CutPrefix(line, "    • "); ok {
				// one line per binary, archive and package built
				progressf(start, "make dist:   %s", strings.Join(strings.Fields(item), " "))
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	err := cmd.Run()
	pw.Close()
	<-done
	if err != nil {
		t.Fatalf("make dist: %v\n%s", err, out.String())
	}
	for _, want := range []string{"building binaries", "archives", "linux packages", "calculating checksums"} {
		if !slices.ContainsFunc(steps, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("make dist showed no progress line for %q; it showed %q", want, steps)
		}
	}
	return out.String()
}

// ansiEscape matches a terminal's colour and style sequences (CSI ... m and
// the like), which GoReleaser writes under CI.
var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]`)

// installDeb installs the package with dpkg -i, as root, checks that
// every tool is on PATH in /usr/bin with its man page, and removes the
// package again (also when the test fails), so the machine is left as
// found. A deploytag package already installed fails the test rather
// than being replaced.
func installDeb(t *testing.T, deb string, tools []string, commit string) {
	if os.Geteuid() != 0 {
		t.Fatal("installing the .deb needs root (CI runs as root)")
	}
	if out, err := exec.Command("dpkg-query", "-W", "-f", "${Status}", "deploytag").Output(); err == nil && strings.Contains(string(out), "installed") {
		t.Fatalf("a deploytag package is already installed (%s); not replacing it", out)
	}
	for _, tool := range tools {
		if p, err := exec.LookPath(tool); err == nil {
			t.Fatalf("%s is already on PATH (%s); the installed package's could not be told apart", tool, p)
		}
	}
	t.Cleanup(func() {
		if out, err := exec.Command("dpkg", "--purge", "deploytag").CombinedOutput(); err != nil {
			t.Errorf("dpkg --purge deploytag: %v\n%s", err, out)
		}
		for _, tool := range tools {
			if _, err := os.Stat("/usr/bin/" + tool); err == nil {
				t.Errorf("/usr/bin/%s is still there after dpkg --purge", tool)
			}
		}
	})
	run(t, "", []string{"DEBIAN_FRONTEND=noninteractive"}, "dpkg", "-i", deb)
	for _, tool := range tools {
		p, err := exec.LookPath(tool)
		if err != nil || p != "/usr/bin/"+tool {
			t.Errorf("after dpkg -i, %s on PATH is %q (%v), want /usr/bin/%s", tool, p, err, tool)
			continue
		}
		if got, want := run(t, "", nil, tool, "--version"), tool+" 1.2.3 (commit "+commit[:7]+", "+runtime.Version()+")\n"; got != want {
			t.Errorf("installed %s --version printed %q, want %q", tool, got, want)
		}
		if got := strings.TrimSpace(run(t, "", nil, "man", "-w", tool)); got != "/usr/share/man/man1/"+tool+".1.gz" {
			t.Errorf("man -w %s: %q", tool, got)
		}
	}
	// The tools work, not only start: create_deploy_tag over a real repo.
	dir := filepath.Join(t.TempDir(), "base")
	env := []string{"GIT_CONFIG_NOSYSTEM=1", "HOME=" + t.TempDir(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"}
	run(t, "", env, "git", "init", "-q", filepath.Join(dir, "app"))
	run(t, filepath.Join(dir, "app"), env, "git", "commit", "-q", "--allow-empty", "-m", "one")
	tag := strings.TrimSpace(run(t, "", env, "create_deploy_tag", "--basedir", dir, "--time", "2026-11-25T14:25:01Z"))
	if !strings.HasPrefix(tag, "DEPLOY_20261125_142501_") {
		t.Errorf("installed create_deploy_tag printed %q", tag)
	}
}

// debFiles returns the headers of the files and folders a .deb installs
// (dpkg-deb --fsys-tarfile), each checked by checkHeader.
func debFiles(t *testing.T, deb string) []*tar.Header {
	t.Helper()
	tr := tar.NewReader(strings.NewReader(run(t, "", nil, "dpkg-deb", "--fsys-tarfile", deb)))
	var hs []*tar.Header
	eachEntry(t, filepath.Base(deb), tr, func(h *tar.Header) { hs = append(hs, h) })
	return hs
}

// eachEntry calls f on each entry of tr, from the archive named name,
// once checkHeader has checked it.
func eachEntry(t *testing.T, name string, tr *tar.Reader, f func(h *tar.Header)) {
	t.Helper()
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		checkHeader(t, name, h)
		f(h)
	}
}

// checkHeader fails unless an archive's entry is owned by root and dated
// at the commit's time (cloneTime), as a reproducible build must be.
func checkHeader(t *testing.T, archive string, h *tar.Header) {
	t.Helper()
	if h.Uname != "root" || h.Gname != "root" || h.Uid != 0 || h.Gid != 0 {
		t.Errorf("%s: %s is owned by %s:%s (%d:%d), want root", archive, h.Name, h.Uname, h.Gname, h.Uid, h.Gid)
	}
	if want, _ := time.Parse(time.RFC3339, cloneTime); !h.ModTime.Equal(want) {
		t.Errorf("%s: %s is dated %v, want the commit's time %v", archive, h.Name, h.ModTime.UTC(), want)
	}
}

// checkPlatform fails unless bin is an executable for goos/goarch.
func checkPlatform(t *testing.T, bin, goos, goarch string) {
	t.Helper()
	switch goos {
	case "linux":
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[goarch]; f.Machine != want {
			t.Errorf("%s is for %v, want %v", bin, f.Machine, want)
		}
	case "darwin":
		f, err := macho.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if want := map[string]macho.Cpu{"amd64": macho.CpuAmd64, "arm64": macho.CpuArm64}[goarch]; f.Cpu != want || f.Type != macho.TypeExec {
			t.Errorf("%s is a %v for %v, want an executable for %v", bin, f.Type, f.Cpu, want)
		}
	}
}

// untar extracts a .tar.gz into dir and returns the names of its regular
// files, failing on any entry that is not a folder or a regular file or
// is not owned by root.
func untar(t *testing.T, archive, dir string) []string {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var names []string
	eachEntry(t, filepath.Base(archive), tr, func(h *tar.Header) {
		switch h.Typeflag {
		case tar.TypeDir:
			return
		case tar.TypeReg:
		default:
			t.Fatalf("%s: %s is not a regular file", filepath.Base(archive), h.Name)
		}
		if !filepath.IsLocal(h.Name) {
			t.Fatalf("%s: %s leaves the archive's folder", filepath.Base(archive), h.Name)
		}
		names = append(names, h.Name)
		p := filepath.Join(dir, h.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_EXCL, os.FileMode(h.Mode)&0o777)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, tr); err != nil {
			t.Fatal(err)
		}
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	})
	return names
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
