package cliutil

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
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

// EnvironmentFlag is --environment (-e), naming one environment of
// deploy.toml; usage says what the tool does with it.
func EnvironmentFlag(usage string) *cli.StringFlag {
	return &cli.StringFlag{Name: "environment", Aliases: []string{"e"}, Usage: usage}
}

// ManifestFlag is --manifest FILE (- for stdin), a manifest file the tool
// reads; usage says what it does with it.
func ManifestFlag(usage string) *cli.StringFlag {
	return &cli.StringFlag{Name: "manifest", Usage: usage, TakesFile: true}
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

// SetFlags returns those of names that are set on the command line (or
// by their environment variables), in the order given.
func SetFlags(c *cli.Context, names ...string) []string {
	var set []string
	for _, n := range names {
		if c.IsSet(n) {
			set = append(set, n)
		}
	}
	return set
}

// Serving prints "NAME: serving http://ADDR/" on stderr, once a server
// listens on addr.
func (e *Env) Serving(addr string) { fmt.Fprintf(e.Stderr, "%s: serving http://%s/\n", e.Name, addr) }
