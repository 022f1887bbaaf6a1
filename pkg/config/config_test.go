package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseFull(t *testing.T) {
	c, err := Parse([]byte(`
repos = ["a", "b", "deploy"]
prefix = "QA"
remote = "upstream"
sign = true
manifest_repo = "deploy"
export_attributes = ["b"]

[environments.production]
root = "srv"
push = false
command = ["./deploy.sh", "--fast"]
workdir = "deploy/scripts"
keep = 3
restart = ["./restart"]
check = ["./up", "--quiet"]
check_timeout = "90s"

[environments.dev]
`), "/etc/x/deploy.toml")
	if err != nil {
		t.Fatal(err)
	}
	p := c.Environment("production")
	if p.Root != filepath.Join("/etc/x", "srv") || p.Pushes() || p.Keep != 3 || len(p.Command) != 2 || p.Workdir != "deploy/scripts" {
		t.Fatalf("production = %+v", p)
	}
	if !c.Environment("dev").Pushes() {
		t.Fatal("push must default to true")
	}
	if len(p.Restart) != 1 || len(p.Check) != 2 || p.Timeout() != 90*time.Second || p.Interval() != DefaultCheckInterval {
		t.Fatalf("production's restart and check = %+v", p)
	}
	if d := c.Environment("dev"); d.Timeout() != DefaultCheckTimeout || d.Interval() != DefaultCheckInterval {
		t.Fatalf("dev's check defaults = %s %s", d.Timeout(), d.Interval())
	}
	if !c.ExportsAttributes("b") || c.ExportsAttributes("a") {
		t.Fatalf("export_attributes = %q", c.ExportAttributes)
	}
	if c.Prefix != "QA" || c.Remote != "upstream" || !c.Sign || c.ManifestRepo != "deploy" || len(c.Repos) != 3 {
		t.Fatalf("config = %+v", c)
	}
}

func TestParseErrorsNameFileAndKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`colour = "blue"`, "unknown config key colour (f.toml)"},
		{"[environments.prod]\nroots = \"/x\"", "unknown config key environments.prod.roots (f.toml)"},
		{`prefix = 3`, "prefix"},
		{`repos = "a"`, "repos"},
		{"prefix = \"A\"\nprefix = \"B\"", "(f.toml:2)"},
		{"repos = [", "f.toml"},
		{`prefix = "lower"`, "prefix: invalid prefix"},
		{`remote = "-x"`, "remote: invalid remote name"},
		{`repos = ["../a"]`, "repos: invalid repo name"},
		{`repos = ["a", "a"]`, `repos: "a" listed twice`},
		{"repos = [\"a\"]\nmanifest_repo = \"b\"", `manifest_repo: "b" is not one of repos`},
		{`export_attributes = ["-a"]`, "export_attributes: invalid repo name"},
		{"[environments.p]\nrestart = []", "environments.p.restart: must name a program"},
		{"[environments.p]\ncheck = [\"\"]", "environments.p.check: must name a program"},
		{"[environments.p]\ncheck = [\"x\"]\ncheck_timeout = \"soon\"", `"soon" is not a duration such as "60s" or "500ms" (f.toml:3)`},
		{"[environments.p]\ncheck = [\"x\"]\ncheck_interval = 2", `"2" is not a duration`},
		{"[environments.p]\ncheck = [\"x\"]\ncheck_timeout = \"0s\"", `"0s" must be more than 0`},
		{"[environments.p]\ncheck_timeout = \"1s\"", "environments.p: check_timeout and check_interval need a check"},
		{`export_attributes = ["a", "a"]`, `export_attributes: "a" listed twice`},
		{"repos = [\"a\"]\nexport_attributes = [\"b\"]", `export_attributes: "b" is not one of repos`},
		{"export_attributes = true", "export_attributes"},
		{"[repos.a]\nexport_attributes = true", "repos"},
		{"[environments.Prod]", "environments.Prod: invalid environment name"},
		{"[environments.\"../x\"]", "invalid environment name"},
		{"[environments.p]\nkeep = -1", "environments.p.keep"},
		{"[environments.p]\ncommand = []", "environments.p.command"},
		{"[environments.p]\nworkdir = \"../up\"", "environments.p.workdir"},
		{"[environments.p]\nworkdir = \"/abs\"", "environments.p.workdir"},
		{"[environments.p]\npush = \"yes\"", "push"},
	} {
		_, err := Parse([]byte(tc.in), "f.toml")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "f.toml") {
			t.Errorf("Parse(%q) = %v, want an error naming f.toml and containing %q", tc.in, err, tc.want)
		}
	}
}

func TestLoadMissing(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), "deploy.toml"), false)
	if err != nil || c == nil {
		t.Fatalf("optional missing file: %v", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "deploy.toml"), true); err == nil {
		t.Fatal("a required missing file was accepted")
	}
}

func TestCommitURLs(t *testing.T) {
	c, err := Parse([]byte(`
commit_url = "https://github.com/openstax/{repo}/commit/{commit}"
[commit_urls]
tutor-js = "https://git.example.org/js/-/commit/{commit}"
[environments.production]
[environments.qa]
[environments.dev]
`), "/x/deploy.toml")
	if err != nil {
		t.Fatal(err)
	}
	h := strings.Repeat("ab", 20)
	if got := c.CommitLink("tutor-server", h); got != "https://github.com/openstax/tutor-server/commit/"+h {
		t.Errorf("CommitLink(tutor-server) = %q", got)
	}
	if got := c.CommitLink("tutor-js", h); got != "https://git.example.org/js/-/commit/"+h {
		t.Errorf("CommitLink(tutor-js) = %q", got)
	}
	if got := strings.Join(c.EnvironmentOrder, " "); got != "production qa dev" {
		t.Errorf("EnvironmentOrder = %q, want the file's order", got)
	}
	if got := (&Config{}).CommitLink("a", h); got != "" {
		t.Errorf("no template: %q", got)
	}
	for _, bad := range []string{
		`commit_url = "javascript:alert(1)//{commit}"`,
		`commit_url = "https://example.org/{repo}"`,
		`commit_url = "https://example.org/{name}/{commit}"`,
		"[commit_urls]\n\"-x\" = \"https://example.org/{commit}\"",
		"[commit_urls]\na = \"ftp://example.org/{commit}\"",
	} {
		if _, err := Parse([]byte(bad), "deploy.toml"); err == nil || !strings.Contains(err.Error(), "commit_url") {
			t.Errorf("%s: err = %v, want one naming the key", bad, err)
		}
	}
}
