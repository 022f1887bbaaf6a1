package live

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"
)

// The package reads files only: neither it nor anything of ours it
// imports, however deep, runs a process (os/exec) or git (pkg/git), so a
// service can import it on a host with no git.
func TestReadsFilesOnly(t *testing.T) {
	const module = "github.com/deploytag/deploytag/"
	seen := map[string]bool{}
	var walk func(dir, path string)
	walk = func(dir, path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pkg.Imports {
			switch {
			case imp == "os/exec" || imp == module+"pkg/git":
				t.Errorf("%s imports %s", path, imp)
			case strings.HasPrefix(imp, module):
				walk(filepath.Join("..", "..", strings.TrimPrefix(imp, module)), imp)
			}
		}
	}
	walk(".", module+"pkg/live")
	if len(seen) < 2 {
		t.Fatalf("walked only %v", seen)
	}
}
