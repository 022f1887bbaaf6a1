// Package config reads deploy.toml, the optional configuration of a
// basedir. Reading is strict: invalid TOML, unknown keys, wrong types and
// values outside their grammar are errors naming the file and the key.
//
//	repos         = ["tutor-server", "tutor-js"]   # default: every repo found
//	prefix        = "DEPLOY"
//	remote        = "origin"
//	sign          = false
//	manifest_repo = "tutor-deployment"
//	export_attributes = ["tutor-js"]  # repos whose export-ignore/export-subst apply
//	allowed_signers = "keys/allowed_signers" # ssh signers verify_deploy_tag --signed accepts
//	commit_url    = "https://github.com/openstax/{repo}/commit/{commit}"
//
//	[commit_urls]                     # per repo, beats commit_url
//	tutor-js = "https://git.example.org/js/-/commit/{commit}"
//
//	[environments.production]
//	root    = "/srv/tutor"           # default: $XDG_STATE_HOME/deploytag/<ENV>
//	push    = true                   # push the tag before deploying
//	command = ["./deploy.sh", "--fast"]
//	workdir = "tutor-deployment"     # folder inside the release to run it from
//	keep    = 5                      # releases kept, live and previous always
//	restart = ["systemctl", "--user", "restart", "tutor"]  # after every switch of current
//	check   = ["curl", "-fsS", "http://127.0.0.1:3000/up"] # until it passes, else switch back
//	check_timeout  = "60s"           # how long check may take to pass
//	check_interval = "2s"            # between two tries of check
//	build   = ["npm", "run", "build"] # once where the release is made; output recorded
//	shared  = ["tutor-server/log/", "tutor-server/config/secrets.yml"]  # links into <root>/shared
//	signed_build = false             # a host refuses an unsigned build record
//
// Precedence is flag, then environment variable, then this file; the
// package only reads the file, internal/cmdline applies the order.
package config

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/names"
)

// FileName is the config file looked for in a basedir.
const FileName = "deploy.toml"

// Config is the content of deploy.toml.
type Config struct {
	File         string   `toml:"-"`
	Repos        []string `toml:"repos"`
	Prefix       string   `toml:"prefix"`
	Remote       string   `toml:"remote"`
	Sign         bool     `toml:"sign"`
	ManifestRepo string   `toml:"manifest_repo"`
	// ExportAttributes names the repos whose releases honour the tagged
	// tree's export-ignore and export-subst attributes, as "git archive"
	// does (recorded in the release's proof). Every other repo deploys as
	// its tree, byte for byte.
	ExportAttributes []string `toml:"export_attributes"`
	// AllowedSigners is an ssh allowed-signers file (relative paths are
	// from the config file's folder): the keys whose signatures
	// verify_deploy_tag --signed accepts on a release with no repos.
	AllowedSigners string `toml:"allowed_signers"`
	// CommitURL is the web page of a commit, {repo} and {commit} standing
	// for the repo's name and the full hash; CommitURLs the same per repo.
	CommitURL    string                 `toml:"commit_url"`
	CommitURLs   map[string]string      `toml:"commit_urls"`
	Environments map[string]Environment `toml:"environments"`
	// EnvironmentOrder names the environments in the order the file
	// lists them.
	EnvironmentOrder []string `toml:"-"`
}

// Environment is one [environments.NAME] table.
type Environment struct {
	Root    string   `toml:"root"`
	Push    *bool    `toml:"push"`
	Command []string `toml:"command"`
	Workdir string   `toml:"workdir"`
	Keep    int      `toml:"keep"`
	// Restart runs after every switch of current, from the new live
	// release (or its workdir); Check runs after it until it passes or
	// CheckTimeout passes, CheckInterval between two tries.
	Restart       []string `toml:"restart"`
	Check         []string `toml:"check"`
	CheckTimeout  Duration `toml:"check_timeout"`
	CheckInterval Duration `toml:"check_interval"`
	// Build runs once where a release is made, its output recorded in the
	// proof; Shared are release paths (REPO/PATH, a folder's ending in /)
	// linked into <root>/shared/ wherever the release is installed;
	// SignedBuild makes a host refuse a build record that is not signed
	// by a key of allowed_signers.
	Build       []string `toml:"build"`
	Shared      []string `toml:"shared"`
	SignedBuild bool     `toml:"signed_build"`
}

// The defaults of check_timeout and check_interval.
const (
	DefaultCheckTimeout  = 60 * time.Second
	DefaultCheckInterval = 2 * time.Second
)

// Duration is a length of time written as Go writes one ("60s", "1m30s",
// "250ms"), never a bare number.
type Duration struct{ time.Duration }

// UnmarshalText reads a Duration from its TOML string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"60s\" or \"500ms\"", b)
	}
	if v <= 0 {
		return fmt.Errorf("%q must be more than 0", b)
	}
	d.Duration = v
	return nil
}

// Timeout is check_timeout, or its default.
func (e Environment) Timeout() time.Duration {
	if e.CheckTimeout.Duration > 0 {
		return e.CheckTimeout.Duration
	}
	return DefaultCheckTimeout
}

// Interval is check_interval, or its default.
func (e Environment) Interval() time.Duration {
	if e.CheckInterval.Duration > 0 {
		return e.CheckInterval.Duration
	}
	return DefaultCheckInterval
}

// Pushes reports whether deploys to this environment push the tag first
// (the default).
func (e Environment) Pushes() bool { return e.Push == nil || *e.Push }

var remoteRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ValidRemote checks a remote name against our grammar.
func ValidRemote(name string) error {
	if !remoteRE.MatchString(name) || strings.Contains(name, "..") || len(name) > 128 {
		return fmt.Errorf("invalid remote name %q", name)
	}
	return nil
}

// Load reads path. A missing file is an error only if required; otherwise
// it yields an empty Config.
func Load(path string, required bool) (*Config, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !required {
		return &Config{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(b, path)
}

// Parse reads the bytes of a config file; path is used in messages and to
// resolve relative roots.
func Parse(b []byte, path string) (*Config, error) {
	var c Config
	md, err := toml.Decode(string(b), &c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("invalid config: %s (%s:%d)", pe.Message, path, pe.Position.Line)
		}
		return nil, fmt.Errorf("invalid config: %s (%s)", strings.TrimPrefix(err.Error(), "toml: "), path)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("unknown config key %s (%s)", strings.Join(keys, ", "), path)
	}
	c.File = path
	for _, k := range md.Keys() {
		if len(k) == 2 && k[0] == "environments" {
			c.EnvironmentOrder = append(c.EnvironmentOrder, k[1])
		}
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	dir := filepath.Dir(path)
	if c.AllowedSigners != "" && !filepath.IsAbs(c.AllowedSigners) {
		c.AllowedSigners = filepath.Join(dir, c.AllowedSigners)
	}
	for name, e := range c.Environments {
		if e.Root != "" && !filepath.IsAbs(e.Root) {
			e.Root = filepath.Join(dir, e.Root)
			c.Environments[name] = e
		}
	}
	return &c, nil
}

// repoNames checks the list of repo names under key: each a valid name,
// none twice and, when repos lists any, each one of them. It returns the
// names as a set.
func repoNames(key string, names []string, repos map[string]bool) (map[string]bool, error) {
	seen := map[string]bool{}
	for _, r := range names {
		if err := manifest.ValidName(r); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		if seen[r] {
			return nil, fmt.Errorf("%s: %q listed twice", key, r)
		}
		if len(repos) > 0 && !repos[r] {
			return nil, fmt.Errorf("%s: %q is not one of repos", key, r)
		}
		seen[r] = true
	}
	return seen, nil
}

func (c *Config) check() error {
	seen, err := repoNames("repos", c.Repos, nil)
	if err != nil {
		return err
	}
	if c.Prefix != "" {
		if err := names.ValidPrefix(c.Prefix); err != nil {
			return fmt.Errorf("prefix: %w", err)
		}
	}
	if c.Remote != "" {
		if err := ValidRemote(c.Remote); err != nil {
			return fmt.Errorf("remote: %w", err)
		}
	}
	if c.ManifestRepo != "" {
		if err := manifest.ValidName(c.ManifestRepo); err != nil {
			return fmt.Errorf("manifest_repo: %w", err)
		}
		if len(c.Repos) > 0 && !seen[c.ManifestRepo] {
			return fmt.Errorf("manifest_repo: %q is not one of repos", c.ManifestRepo)
		}
	}
	if _, err := repoNames("export_attributes", c.ExportAttributes, seen); err != nil {
		return err
	}
	if c.CommitURL != "" {
		if err := ValidCommitURL(c.CommitURL); err != nil {
			return fmt.Errorf("commit_url: %w", err)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(c.CommitURLs)) {
		if err := manifest.ValidName(n); err != nil {
			return fmt.Errorf("commit_urls: %w", err)
		}
		if err := ValidCommitURL(c.CommitURLs[n]); err != nil {
			return fmt.Errorf("commit_urls.%s: %w", n, err)
		}
	}
	envs := make([]string, 0, len(c.Environments))
	for n := range c.Environments {
		envs = append(envs, n)
	}
	sort.Strings(envs)
	for _, n := range envs {
		e := c.Environments[n]
		key := "environments." + n
		if err := names.ValidEnvironment(n); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		if e.Keep < 0 {
			return fmt.Errorf("%s.keep: must be 0 (keep all) or more, not %d", key, e.Keep)
		}
		for _, a := range []struct {
			name string
			argv []string
		}{{"command", e.Command}, {"restart", e.Restart}, {"check", e.Check}, {"build", e.Build}} {
			if a.argv != nil && (len(a.argv) == 0 || a.argv[0] == "") {
				return fmt.Errorf("%s.%s: must name a program", key, a.name)
			}
		}
		if err := validShared(e.Shared); err != nil {
			return fmt.Errorf("%s.shared: %w", key, err)
		}
		if e.Check == nil && (e.CheckTimeout.Duration > 0 || e.CheckInterval.Duration > 0) {
			return fmt.Errorf("%s: check_timeout and check_interval need a check", key)
		}
		if e.Workdir != "" {
			if err := ValidWorkdir(e.Workdir); err != nil {
				return fmt.Errorf("%s.workdir: %w", key, err)
			}
		}
	}
	return nil
}

var placeholderRE = regexp.MustCompile(`\{[^{}]*\}`)

// ValidCommitURL checks a commit page template: an http or https URL
// holding {commit}, and no placeholder but {repo} and {commit}.
func ValidCommitURL(t string) error {
	if !strings.HasPrefix(t, "https://") && !strings.HasPrefix(t, "http://") {
		return fmt.Errorf("%q must start with https:// or http://", t)
	}
	if !strings.Contains(t, "{commit}") {
		return fmt.Errorf("%q must hold {commit}", t)
	}
	for _, p := range placeholderRE.FindAllString(t, -1) {
		if p != "{repo}" && p != "{commit}" {
			return fmt.Errorf("%q: unknown placeholder %s (use {repo} and {commit})", t, p)
		}
	}
	return nil
}

// CommitLink returns the web page of commit in repo from commit_urls or
// commit_url, or "" when neither is set. Both values pass the manifest's
// grammar, so they need no escaping beyond what a path segment takes.
func (c *Config) CommitLink(repo, commit string) string {
	t := c.CommitURLs[repo]
	if t == "" {
		t = c.CommitURL
	}
	if t == "" {
		return ""
	}
	return strings.NewReplacer("{repo}", url.PathEscape(repo), "{commit}", url.PathEscape(commit)).Replace(t)
}

// validShared checks shared paths: each REPO/PATH, clean, relative, with
// no "..", a folder's ending in one /, none twice, none inside another.
func validShared(paths []string) error {
	seen := map[string]bool{}
	for _, sp := range paths {
		p := strings.TrimSuffix(sp, "/")
		repo, rest, ok := strings.Cut(p, "/")
		if !ok || rest == "" || p != path.Clean(p) || path.IsAbs(p) || strings.Contains("/"+p+"/", "/../") ||
			strings.Contains("/"+p+"/", "/./") || strings.ContainsAny(p, "\x00\\") {
			return fmt.Errorf("%q must be REPO/PATH inside the release, clean, with no .. (a folder's ending in /)", sp)
		}
		if err := manifest.ValidName(repo); err != nil {
			return fmt.Errorf("%q: %w", sp, err)
		}
		if seen[p] {
			return fmt.Errorf("%q listed twice", sp)
		}
		seen[p] = true
	}
	for p := range seen {
		for q := range seen {
			if strings.HasPrefix(q, p+"/") {
				return fmt.Errorf("%q lies inside %q", q, p+"/")
			}
		}
	}
	return nil
}

// ValidWorkdir checks a folder path relative to a release: no absolute
// path and no "..", so it can never point outside the release.
func ValidWorkdir(w string) error {
	if filepath.IsAbs(w) || w != filepath.Clean(w) || w == ".." || strings.HasPrefix(w, "../") || strings.Contains(w, "/../") {
		return fmt.Errorf("%q must be a clean relative path inside the release", w)
	}
	return nil
}

// ExportsAttributes reports whether repo opts into export attributes.
func (c *Config) ExportsAttributes(repo string) bool {
	for _, r := range c.ExportAttributes {
		if r == repo {
			return true
		}
	}
	return false
}

// Environment returns the table for name. An environment that is not
// configured takes every default, unless the file configures others and
// strict is set.
func (c *Config) Environment(name string) Environment {
	return c.Environments[name]
}
