// Package sigcheck checks the signature of a signed git object (a tag's
// payload and its armoured signature block, as pkg/gitobj splits them)
// without a repository: ssh signatures with "ssh-keygen -Y verify" against
// an allowed-signers file, in git's namespace, and OpenPGP signatures with
// "gpg --verify" against the user's keyring. It is the one place that
// runs ssh-keygen and gpg.
package sigcheck

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/proc"
)

// Options say what a signature is checked against.
type Options struct {
	// AllowedSigners is an ssh allowed-signers file (ssh-keygen(1)
	// "ALLOWED SIGNERS"); without one an ssh signature cannot pass.
	AllowedSigners string
	// Namespace of ssh signatures; "" means "git", the one git signs in.
	Namespace string
	// SignersHint, when set, says how the operator gives an allowed-signers
	// file (the command line's flag, the config's key), in the message of
	// an ssh signature checked without one.
	SignersHint string
}

// ErrUnsigned is returned for an object with no signature.
var ErrUnsigned = errors.New("tag is not signed")

// Verify checks that sig is a good signature of payload by a key the
// options allow. The error says why not, naming the key when a key
// signed but is not allowed.
func Verify(ctx context.Context, payload, sig []byte, o Options) error {
	_, err := Signer(ctx, payload, sig, o)
	return err
}

// Signer is Verify that names, on success, the key that signed (an ssh
// key as ssh-keygen names it, "ED25519 key SHA256:..."; "a gpg key").
func Signer(ctx context.Context, payload, sig []byte, o Options) (string, error) {
	if len(sig) == 0 {
		return "", ErrUnsigned
	}
	tmp, err := os.MkdirTemp("", "deploytag-sig-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	sigFile := filepath.Join(tmp, "sig")
	if err := os.WriteFile(sigFile, sig, 0o600); err != nil {
		return "", err
	}
	switch kind := gitobj.SignatureKind(sig); kind {
	case gitobj.SigSSH:
		return verifySSH(ctx, payload, sigFile, o)
	case gitobj.SigOpenPGP:
		return "a gpg key", verifyGPG(ctx, payload, sigFile)
	default:
		return "", fmt.Errorf("signature of kind %q not checked (only ssh and gpg are)", kind)
	}
}

// SignSSH signs payload with the ssh private key at key (ssh-keygen -Y
// sign) in namespace, and returns the armoured signature.
func SignSSH(ctx context.Context, key, namespace string, payload []byte) ([]byte, error) {
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		return nil, errors.New("cannot sign: ssh-keygen is not installed")
	}
	if _, err := os.Stat(key); err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	out, serr, err := run(ctx, payload, "ssh-keygen", "-q", "-Y", "sign", "-f", key, "-n", namespace)
	if err != nil || gitobj.SignatureKind([]byte(out)) != gitobj.SigSSH {
		return nil, fmt.Errorf("signing with %s: %s", key, firstLine(serr, "", err))
	}
	return []byte(out), nil
}

// run runs name with args and stdin as a child bound to this process
// (pkg/proc): its whole process group ends with ctx, and with this process.
func run(ctx context.Context, stdin []byte, name string, args ...string) (stdout, stderr string, err error) {
	cmd := proc.Command(ctx, name, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

func verifySSH(ctx context.Context, payload []byte, sigFile string, o Options) (string, error) {
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		return "", errors.New("ssh signature not checked: ssh-keygen is not installed")
	}
	if o.AllowedSigners == "" {
		msg := "ssh signature not checked: no allowed signers file"
		if o.SignersHint != "" {
			msg += " (" + o.SignersHint + ")"
		}
		return "", errors.New(msg)
	}
	if _, err := os.Stat(o.AllowedSigners); err != nil {
		return "", fmt.Errorf("ssh signature not checked: allowed signers: %w", err)
	}
	ns := o.Namespace
	if ns == "" {
		ns = "git"
	}
	// Which key signed, whoever it is: to name it if it is not allowed.
	out, serr, err := run(ctx, payload, "ssh-keygen", "-Y", "check-novalidate", "-n", ns, "-s", sigFile)
	if err != nil {
		return "", errors.New("signature does not verify: " + firstLine(serr, out, err))
	}
	key := sshKey(out + serr)
	out, _, err = run(ctx, nil, "ssh-keygen", "-Y", "find-principals", "-f", o.AllowedSigners, "-s", sigFile)
	if err != nil || strings.TrimSpace(out) == "" {
		return "", fmt.Errorf("signed by %s, which %s does not allow", key, o.AllowedSigners)
	}
	var why string
	for _, p := range strings.Split(strings.TrimSpace(out), "\n") {
		out, serr, err := run(ctx, payload, "ssh-keygen", "-Y", "verify", "-f", o.AllowedSigners, "-I", p, "-n", ns, "-s", sigFile)
		if err == nil {
			return key, nil
		}
		why = firstLine(serr, out, err)
	}
	return "", fmt.Errorf("signed by %s, which %s does not allow for namespace %s: %s", key, o.AllowedSigners, ns, why)
}

// sshKey picks "ED25519 key SHA256:..." out of ssh-keygen's "Good
// "git" signature with ED25519 key SHA256:..." line.
func sshKey(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if i := strings.Index(l, " with "); i >= 0 && strings.Contains(l, "SHA256:") {
			return strings.TrimSpace(l[i+len(" with "):])
		}
	}
	return "an ssh key ssh-keygen does not name"
}

func verifyGPG(ctx context.Context, payload []byte, sigFile string) error {
	if _, err := exec.LookPath("gpg"); err != nil {
		return errors.New("gpg signature not checked: gpg is not installed")
	}
	out, serr, err := run(ctx, payload, "gpg", "--batch", "--no-tty", "--status-fd=1", "--verify", sigFile, "-")
	var good, valid bool
	var noKey, bad string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[0] != "[GNUPG:]" {
			continue
		}
		switch f[1] {
		case "GOODSIG":
			good = true
		case "VALIDSIG":
			valid = true
		case "NO_PUBKEY":
			if len(f) > 2 {
				noKey = f[2]
			}
		case "BADSIG", "EXPKEYSIG", "REVKEYSIG", "EXPSIG":
			bad = strings.Join(f[1:], " ")
		}
	}
	switch {
	case noKey != "":
		return fmt.Errorf("signed by gpg key %s, which the keyring does not hold", noKey)
	case bad != "":
		return fmt.Errorf("signature does not verify: gpg: %s", bad)
	case err == nil && good && valid:
		return nil
	}
	return errors.New("signature does not verify: gpg: " + firstLine(serr, "", err))
}

func firstLine(stderr, stdout string, err error) string {
	for _, s := range []string{stderr, stdout} {
		for _, l := range strings.Split(s, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				return l
			}
		}
	}
	if err != nil {
		return err.Error()
	}
	return "no reason given"
}
