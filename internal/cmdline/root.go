package cmdline

import (
	"errors"
	"os"
	"os/user"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/pkg/names"
	"github.com/deploytag/deploytag/pkg/place"
)

// RootEnvVar names the variable that sets the root of the standard place
// after --root and before deploy.toml, for every tool that resolves a
// root (Env.Root, the one place that reads it).
const RootEnvVar = "DEPLOY_ROOT"

// rootName is the name of --root, declared by RootFlag alone.
const rootName = "root"

// RootFlag is --root DIR, the root of an environment's standard place:
// the one declaration every tool takes it by. usage says what the tool
// does with it; with repeat it may be given more than once (Roots reads
// each), else once (RootArg). $DEPLOY_ROOT is not the flag's: Env.Root
// takes it after the flag, for every tool alike.
func RootFlag(usage string, repeat bool) cli.Flag {
	if repeat {
		return Completes(Dirs, &cli.StringSliceFlag{Name: rootName, Usage: usage, TakesFile: true})
	}
	return Completes(Dirs, &cli.StringFlag{Name: rootName, Usage: usage, TakesFile: true})
}

// RootArg is --root as given on the command line, "" when it is not.
func RootArg(c *cli.Context) string { return c.String(rootName) }

// Roots is each --root given on the command line (RootFlag with repeat).
func Roots(c *cli.Context) []string { return c.StringSlice(rootName) }

// Root resolves the root of the standard place for environment, one of
// deploy.toml's environments when it defines any (else an error naming
// them, config.LookupEnvironment): root (--root) if set, else $DEPLOY_ROOT, else the environment's root in
// deploy.toml, else $XDG_STATE_HOME/deploytag/ENV (~/.local/state when
// unset: place.DefaultRoot). A relative path is returned as given
// (relative to the working directory); the config package has already
// made a configured root absolute.
func (e *Env) Root(root, environment string) (string, error) {
	return e.resolveRoot(root, os.Getenv(RootEnvVar), environment)
}

// ConfiguredRoot is the root of one of the config's environments as the
// config and the XDG default give it, --root and $DEPLOY_ROOT aside (they
// name one root, not each environment's).
func (e *Env) ConfiguredRoot(environment string) (string, error) {
	return e.resolveRoot("", "", environment)
}

func (e *Env) resolveRoot(flag, envVar, environment string) (string, error) {
	configured := ""
	if environment != "" && e.Config != nil {
		// One place, one wording for every tool that takes
		// --environment: a name deploy.toml does not define, when it
		// defines some, is refused naming those it does.
		ecfg, err := e.Config.LookupEnvironment(environment)
		if err != nil {
			return "", err
		}
		configured = ecfg.Root
	}
	for _, p := range []string{flag, envVar, configured} {
		if p != "" {
			return filepath.Clean(p), nil
		}
	}
	if environment == "" {
		return "", errors.New("no root: give --" + rootName + " DIR or --environment ENV")
	}
	if err := names.ValidEnvironment(environment); err != nil {
		return "", err
	}
	root, err := place.DefaultRoot(environment, os.Getenv("XDG_STATE_HOME"), os.Getenv("HOME"))
	if errors.Is(err, place.ErrNoHome) {
		return "", errors.New("no root: $HOME and $XDG_STATE_HOME are unset; give --" + rootName + " DIR")
	}
	return root, err
}

// UserName is the user running the tool, for deploys.log.
func UserName() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

// HostName is the host the tool runs on, for deploys.log.
func HostName() string {
	h, _ := os.Hostname()
	return h
}
