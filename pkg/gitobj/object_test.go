package gitobj_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/internal/testneed"
	"github.com/deploytag/deploytag/pkg/gitobj"
)

// sshSigning gives env an ssh signing key and returns it.
func sshSigning(t *testing.T, env []string, dir string) string {
	testneed.Need(t, "ssh-keygen")
	key := filepath.Join(t.TempDir(), "key")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "k", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	gittest.Git(t, env, dir, "config", "gpg.format", "ssh")
	gittest.Git(t, env, dir, "config", "user.signingkey", key+".pub")
	return key
}

// checkSSH asks ssh-keygen whether sig is a good signature of payload in
// namespace git (any key): the payload split is exactly what was signed.
func checkSSH(t *testing.T, payload, sig []byte) {
	t.Helper()
	sf := filepath.Join(t.TempDir(), "sig")
	if err := os.WriteFile(sf, sig, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ssh-keygen", "-Y", "check-novalidate", "-n", "git", "-s", sf)
	cmd.Stdin = bytes.NewReader(payload)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("ssh-keygen -Y check-novalidate refuses the split: %v\n%s", err, out)
	}
}

func TestParseTagAndCommit(t *testing.T) {
	t.Parallel()
	for _, f := range formats {
		env, dir := newRepo(t, f)
		sshSigning(t, env, dir)
		gittest.Git(t, env, dir, "commit", "-q", "--allow-empty", "-m", "first")
		gittest.Git(t, env, dir, "commit", "-q", "--allow-empty", "-S", "-m", "signed\n\nbody line")
		head := gittest.Git(t, env, dir, "rev-parse", "HEAD")
		parent := gittest.Git(t, env, dir, "rev-parse", "HEAD^")
		tree := gittest.Git(t, env, dir, "rev-parse", "HEAD^{tree}")
		msg := "deploy\n\nrepo-a " + head + "\n"
		gittest.Git(t, env, dir, "tag", "-a", "-m", msg, "plain")
		gittest.Git(t, env, dir, "tag", "-s", "-m", msg, "signed")

		raw := rawObject(t, env, dir, f, gitobj.TypeCommit, head)
		c, err := gitobj.ParseCommit(f, raw)
		if err != nil {
			t.Fatal(err)
		}
		if c.Tree != tree || len(c.Parents) != 1 || c.Parents[0] != parent || c.Message != "signed\n\nbody line\n" ||
			!strings.HasPrefix(c.Author, "Test <test@example.com> ") {
			t.Errorf("%s: commit parsed as %+v", f, c)
		}
		if gitobj.SignatureKind(c.Signature) != gitobj.SigSSH {
			t.Errorf("%s: commit signature %q", f, c.Signature)
		}
		checkSSH(t, c.Payload, c.Signature)

		for _, name := range []string{"plain", "signed"} {
			oid := gittest.Git(t, env, dir, "rev-parse", "refs/tags/"+name)
			raw := rawObject(t, env, dir, f, gitobj.TypeTag, oid)
			tg, err := gitobj.ParseTag(f, raw)
			if err != nil {
				t.Fatal(err)
			}
			if tg.Object != head || tg.Type != "commit" || tg.Name != name || tg.Message != msg ||
				!strings.HasPrefix(tg.Tagger, "Test <test@example.com> ") {
				t.Errorf("%s %s: tag parsed as %+v", f, name, tg)
			}
			if !bytes.Equal(append(append([]byte(nil), tg.Payload...), tg.Signature...), raw) {
				t.Errorf("%s %s: payload and signature do not make the object", f, name)
			}
			if name == "plain" {
				if tg.Signature != nil {
					t.Errorf("%s: unsigned tag has signature %q", f, tg.Signature)
				}
				continue
			}
			if gitobj.SignatureKind(tg.Signature) != gitobj.SigSSH {
				t.Errorf("%s: tag signature %q", f, tg.Signature)
			}
			checkSSH(t, tg.Payload, tg.Signature)
		}
	}
}

func TestParseTagSignatureIsTheLastBlock(t *testing.T) {
	t.Parallel()
	h := strings.Repeat("a", 40)
	head := "object " + h + "\ntype commit\ntag T\ntagger X <x@y> 1 +0000\n\n"
	msg := "quoting one:\n-----BEGIN PGP SIGNATURE-----\nnot this\n"
	sig := "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n"
	tg, err := gitobj.ParseTag(gitobj.SHA1, []byte(head+msg+sig))
	if err != nil {
		t.Fatal(err)
	}
	if tg.Message != msg || string(tg.Signature) != sig || string(tg.Payload) != head+msg {
		t.Errorf("split as message %q signature %q", tg.Message, tg.Signature)
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	h := strings.Repeat("a", 40)
	for _, tc := range []struct {
		name, raw, want string
		commit          bool
	}{
		{"tag no type", "object " + h + "\ntag T\ntagger x\n\nm\n", "header 2", false},
		{"tag short object", "object abc\ntype commit\ntag T\n\nm\n", "not a sha1 hash", false},
		{"tag bad type", "object " + h + "\ntype box\ntag T\n\nm\n", "type", false},
		{"tag empty name", "object " + h + "\ntype commit\ntag \n\nm\n", "empty tag name", false},
		{"tag header line", "object " + h + "\ntype commit\ntag T\nnospace\n\nm\n", "header line", false},
		{"commit no tree", "parent " + h + "\n\nm\n", "not tree", true},
		{"commit two trees", "tree " + h + "\ntree " + h + "\n\nm\n", "tree twice", true},
		{"commit sha256 tree in sha1", "tree " + strings.Repeat("b", 64) + "\n\nm\n", "not a sha1 hash", true},
		{"continuation first", " x\n\nm\n", "continuation", true},
	} {
		var err error
		if tc.commit {
			_, err = gitobj.ParseCommit(gitobj.SHA1, []byte(tc.raw))
		} else {
			_, err = gitobj.ParseTag(gitobj.SHA1, []byte(tc.raw))
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}
