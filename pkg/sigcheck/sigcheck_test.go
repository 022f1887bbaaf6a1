package sigcheck_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/internal/testneed"
	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/sigcheck"
)

// emptyKeyring makes a gpg home holding no key; the agent gpg starts for
// it is stopped when the test ends.
func emptyKeyring(t *testing.T) string {
	home, err := os.MkdirTemp("", "gpg") // short: the agent's socket path has a length limit
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run()
		os.RemoveAll(home)
	})
	os.Chmod(home, 0o700)
	return home
}

// gpgHome makes a keyring with one signing key and returns its folder and
// the key's id; the agent gpg starts for it is stopped when the test ends.
func gpgHome(t *testing.T) (home, id string) {
	testneed.Need(t, "gpg", "gpgconf")
	home = emptyKeyring(t)
	out, err := exec.Command("gpg", "--homedir", home, "--batch", "--passphrase", "", "--quick-gen-key",
		"Tester <test@example.com>", "ed25519", "sign", "never").CombinedOutput()
	if err != nil {
		t.Fatalf("gpg --quick-gen-key: %v\n%s", err, out)
	}
	out, err = exec.Command("gpg", "--homedir", home, "--batch", "--with-colons", "--list-keys").Output()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^pub:[^:]*:[^:]*:[^:]*:([0-9A-F]{16}):`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no key id in %s", out)
	}
	return home, string(m[1])
}

// Not parallel: it sets GNUPGHOME, as a user's environment would.
func TestGPG(t *testing.T) {
	home, id := gpgHome(t)
	env := append(gittest.Env(t), "GNUPGHOME="+home)
	dir := filepath.Join(t.TempDir(), "r")
	gittest.Git(t, env, ".", "init", "-q", dir)
	gittest.Git(t, env, dir, "commit", "-q", "--allow-empty", "-m", "c")
	gittest.Git(t, env, dir, "tag", "-s", "-u", id, "-m", "signed", "T")
	raw := gittest.Raw(t, env, dir, nil, "cat-file", "tag", "T")
	tag, err := gitobj.ParseTag(gitobj.SHA1, raw)
	if err != nil {
		t.Fatal(err)
	}
	if gitobj.SignatureKind(tag.Signature) != gitobj.SigOpenPGP {
		t.Fatalf("signature %q", tag.Signature)
	}
	ctx := context.Background()

	t.Setenv("GNUPGHOME", home)
	if err := sigcheck.Verify(ctx, tag.Payload, tag.Signature, sigcheck.Options{}); err != nil {
		t.Errorf("good signature: %v", err)
	}
	edited := []byte(strings.Replace(string(tag.Payload), "signed", "signet", 1))
	if err := sigcheck.Verify(ctx, edited, tag.Signature, sigcheck.Options{}); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Errorf("edited payload: %v", err)
	}
	t.Setenv("GNUPGHOME", emptyKeyring(t))
	err = sigcheck.Verify(ctx, tag.Payload, tag.Signature, sigcheck.Options{})
	if err == nil || err.Error() != "signed by gpg key "+id+", which the keyring does not hold" {
		t.Errorf("unknown key: %v", err)
	}
	if err := sigcheck.Verify(ctx, tag.Payload, nil, sigcheck.Options{}); !errors.Is(err, sigcheck.ErrUnsigned) {
		t.Errorf("no signature: %v", err)
	}
}

// A checker that never answers and leaves a child holding its stdout
// ends with the check's context: Verify returns, and neither it nor its
// child is left (pkg/proc ends the checker's whole process group).
func TestCheckerEndsWithItsContext(t *testing.T) {
	testneed.Need(t, "pgrep")
	bin := t.TempDir()
	fake := "#!/bin/sh\nsleep 317 &\nexec sleep 318\n"
	if err := os.WriteFile(filepath.Join(bin, "gpg"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	sig := []byte("-----BEGIN PGP SIGNATURE-----\n\niQ==\n-----END PGP SIGNATURE-----\n")
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- sigcheck.Verify(ctx, []byte("payload\n"), sig, sigcheck.Options{}) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a checker that never answered passed the signature")
		}
	case <-time.After(time.Minute):
		t.Fatal("Verify did not return a minute after its context ended")
	}
	if out, _ := exec.Command("pgrep", "-f", "sleep 31[78]").Output(); len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("the checker or its child outlived the check: pids %s", out)
	}
}
