package config

import (
	"strings"
	"testing"

	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/names"
)

// Any deploy.toml either fails with one error naming the file, or gives a
// config whose names all pass their grammar.
func FuzzParse(f *testing.F) {
	f.Add([]byte("repos = [\"a\", \"b\"]\nprefix = \"QA\"\n[environments.prod]\nroot = \"/srv\"\nkeep = 2\ncommand = [\"./x\"]\n"))
	f.Add([]byte("nope = 1\n"))
	f.Add([]byte("[environments.\"../x\"]\n"))
	f.Add([]byte("manifest_repo = \"DEPLOY_TAG\"\nremote = \"-x\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b, "deploy.toml")
		if err != nil {
			if !strings.Contains(err.Error(), "deploy.toml") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		for _, r := range c.Repos {
			if manifest.ValidName(r) != nil {
				t.Fatalf("accepted repo %q", r)
			}
		}
		if c.Prefix != "" && names.ValidPrefix(c.Prefix) != nil {
			t.Fatalf("accepted prefix %q", c.Prefix)
		}
		if c.Remote != "" && ValidRemote(c.Remote) != nil {
			t.Fatalf("accepted remote %q", c.Remote)
		}
		for name, e := range c.Environments {
			if names.ValidEnvironment(name) != nil {
				t.Fatalf("accepted environment %q", name)
			}
			if e.Workdir != "" && ValidWorkdir(e.Workdir) != nil {
				t.Fatalf("accepted workdir %q", e.Workdir)
			}
		}
	})
}
