package opstest

import (
	"os"
	"os/exec"
	"runtime"
	"testing"

	"github.com/deploytag/deploytag/internal/scripttest"
)

// TestBuildsOnEveryReleasePlatform: every tool compiles for each platform
// a release ships (linux and darwin, amd64 and arm64; .goreleaser.yaml),
// so that code written against one system's syscall structures (Linux's
// Stat_t.Mtim, darwin's Mtimespec) breaks make test, not only the
// release build of make dist-check.
func TestBuildsOnEveryReleasePlatform(t *testing.T) {
	root, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, goos := range []string{"linux", "darwin"} {
		for _, goarch := range []string{"amd64", "arm64"} {
			if goos == runtime.GOOS && goarch == runtime.GOARCH {
				continue // the native build is every other test's
			}
			cmd := exec.Command("go", "build", "-o", os.DevNull, "./cmd/...")
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("GOOS=%s GOARCH=%s go build ./cmd/...: %v\n%s", goos, goarch, err, out)
			}
		}
	}
}
