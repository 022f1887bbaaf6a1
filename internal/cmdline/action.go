package cmdline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/names"
)

// The steps most Actions open with, written once.

// SetupRepos is Setup followed by Env.Repos(operands): the env and the
// repos to work on.
func SetupRepos(c *cli.Context, operands []string) (*Env, []basedir.Repo, error) {
	env, err := Setup(c)
	if err != nil {
		return nil, nil, err
	}
	repos, err := env.Repos(operands)
	if err != nil {
		return nil, nil, err
	}
	return env, repos, nil
}

// SetupTag checks the TAG operand (TagArg) before Setup, so a bad TAG is a
// usage error found before git is looked for.
func SetupTag(c *cli.Context) (string, *Env, error) {
	tag, err := TagArg(c)
	if err != nil {
		return "", nil, err
	}
	env, err := Setup(c)
	if err != nil {
		return "", nil, err
	}
	return tag, env, nil
}

// WriteJSON writes v to w as one indented JSON record (the --json output
// of every tool).
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Output writes a tool's result on stdout, once it is final: with
// --json, record as one JSON record (WriteJSON); else text.
func Output(c *cli.Context, record any, text string) error {
	if c.Bool(JSONFlag.Name) {
		return WriteJSON(c.App.Writer, record)
	}
	_, err := io.WriteString(c.App.Writer, text)
	return err
}

// EnvironmentFlag is --environment (-e), naming one environment of
// deploy.toml; usage says what the tool does with it.
func EnvironmentFlag(usage string) *cli.StringFlag {
	return Completes(Environments, &cli.StringFlag{Name: "environment", Aliases: []string{"e"}, Usage: usage})
}

// EnvironmentArg returns --environment, checked against the grammar of
// environment names when given (a usage error), "" when not.
func EnvironmentArg(c *cli.Context) (string, error) {
	name := c.String("environment")
	if !c.IsSet("environment") {
		return name, nil
	}
	return name, Usage(names.ValidEnvironment(name))
}

// ManifestFlag is --manifest FILE (- for stdin), a manifest file the tool
// reads; usage says what it does with it.
func ManifestFlag(usage string) *cli.StringFlag {
	return &cli.StringFlag{Name: "manifest", Usage: usage, TakesFile: true}
}

// CommitsFlag is --manifest FILE (- for stdin) where a tool works on the
// commits a manifest lists instead of the HEADs (create_deploy_tag,
// tag_repos); ManifestArg reads it.
var CommitsFlag = ManifestFlag("use the commits this manifest file (- for stdin) lists instead of HEADs")

// ManifestArg reads the manifest file CommitsFlag names (- is stdin), or
// returns nil when it is not given. An empty name, or - while an operand
// - reads repos from stdin too, is a usage error.
func (e *Env) ManifestArg(c *cli.Context, operands []string) (manifest.Manifest, error) {
	file := c.String(CommitsFlag.Name)
	switch {
	case !c.IsSet(CommitsFlag.Name):
		return nil, nil
	case file == "":
		return nil, Usagef("--manifest is empty")
	case file == "-" && slices.Contains(operands, "-"):
		return nil, Usagef("--manifest - and the operand - both read stdin; give one")
	}
	return manifest.ReadFile(file, e.Stdin)
}

// SetupReposOrNot is SetupRepos for a tool that can also work with no
// repos at hand: when mayGoWithout and --basedir was not given, git not
// being installed (the env is then SetupFiles's) or no repos to select
// is not an error but offline, with no repos.
func SetupReposOrNot(c *cli.Context, mayGoWithout bool) (env *Env, repos []basedir.Repo, offline bool, err error) {
	mayGoWithout = mayGoWithout && !c.IsSet(BasedirFlag.Name)
	env, err = Setup(c)
	if errors.Is(err, git.ErrNotInstalled) && mayGoWithout {
		env, err = SetupFiles(c)
		return env, nil, err == nil, err
	}
	if err != nil {
		return nil, nil, false, err
	}
	if repos, err = env.Repos(nil); err != nil && mayGoWithout {
		return env, nil, true, nil
	}
	return env, repos, false, err
}

// Given is the set of the App's flags given on the command line, by name
// (without dashes): the operator's choices, which a tool may find in
// conflict. A flag set only by its environment variable is not given: the
// environment, like deploy.toml, holds defaults, and a default never
// conflicts with a flag (DEPLOYTAG_PREFIX in a profile does not stop
// deploy --tag, nor DEPLOYTAG_REMOTE deploy --from-artifact on a host).
func Given(c *cli.Context) map[string]bool {
	// An App run other than by Run has no command line read: every flag
	// set then counts as given, as urfave/cli's IsSet has it.
	onLine, read := c.App.Metadata[givenKey].(map[string]bool)
	set := map[string]bool{}
	for _, f := range c.App.Flags {
		if n := f.Names()[0]; c.IsSet(n) && (!read || onLine[n]) {
			set[n] = true
		}
	}
	return set
}

// emptyValues refuses an empty value given on the command line to a flag
// that needs one: --config "", --remote "", --serve "", --root "" (each
// time, for a repeatable flag). An empty environment variable still
// counts as unset. Flags of other types (numbers, durations) already fail
// to parse an empty value.
func emptyValues(c *cli.Context) error {
	given := Given(c)
	for _, f := range c.App.Flags {
		name := f.Names()[0]
		if !given[name] {
			continue
		}
		empty := false
		switch f.(type) {
		case *cli.StringFlag:
			empty = c.String(name) == ""
		case *cli.PathFlag:
			empty = c.Path(name) == ""
		case *cli.StringSliceFlag:
			empty = slices.Contains(c.StringSlice(name), "")
		}
		if empty {
			return Usagef("--%s is empty", name)
		}
	}
	return nil
}

// Serving prints "NAME: serving http://ADDR/" on stderr, once a server
// listens on addr.
func (e *Env) Serving(addr string) { fmt.Fprintf(e.Stderr, "%s: serving http://%s/\n", e.Name, addr) }
