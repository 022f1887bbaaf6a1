package git

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestSSHBatchArgs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	base := []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "GIT_CONFIG_NOSYSTEM=1"}
	g, err := New(ctx, Options{Env: base})
	if err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(dir, "r")
	if _, err := g.Run(ctx, "", "init", "-q", repo); err != nil {
		t.Fatal(err)
	}
	batch := []string{"-c", "core.sshCommand=ssh -o BatchMode=yes"}
	if got, err := g.SSHBatchArgs(ctx, repo); err != nil || !slices.Equal(got, batch) {
		t.Fatalf("nothing chosen: got %q, %v; want %q", got, err, batch)
	}
	for _, kv := range []string{"GIT_SSH_COMMAND=ssh -i key", "GIT_SSH=/usr/bin/myssh"} {
		g2, err := New(ctx, Options{Env: append(slices.Clone(base), kv)})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := g2.SSHBatchArgs(ctx, repo); err != nil || got != nil {
			t.Errorf("with %s: got %q, %v; want nothing", kv, got, err)
		}
	}
	if _, err := g.Run(ctx, repo, "config", "core.sshCommand", "ssh -i key"); err != nil {
		t.Fatal(err)
	}
	if got, err := g.SSHBatchArgs(ctx, repo); err != nil || got != nil {
		t.Errorf("with core.sshCommand: got %q, %v; want nothing", got, err)
	}
}
