package cmdline

import (
	"os"
	"os/user"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/pkg/place"
)

// RootEnvVar names the variable that sets the root of the standard place.
const RootEnvVar = "DEPLOY_ROOT"

// ReleaseRoot resolves the root of the standard place for environment:
// root (from --root) if set, else $DEPLOY_ROOT, else the environment's root
// in deploy.toml, else $XDG_STATE_HOME/deploytag/ENV (~/.local/state when
// unset).
func (e *Env) ReleaseRoot(root, environment string) (string, error) {
	return e.resolveRoot(root, os.Getenv(RootEnvVar), environment)
}

// ConfiguredRoot is the root of one of the config's environments as the
// config and the XDG default give it, --root and $DEPLOY_ROOT aside (they
// name one root, not each environment's).
func (e *Env) ConfiguredRoot(environment string) (string, error) {
	return e.resolveRoot("", "", environment)
}

func (e *Env) resolveRoot(flag, envVar, environment string) (string, error) {
	s := place.RootSources{
		Flag:        flag,
		EnvVar:      envVar,
		Environment: environment,
		StateHome:   os.Getenv("XDG_STATE_HOME"),
		Home:        os.Getenv("HOME"),
	}
	if environment != "" && e.Config != nil {
		s.Config = e.Config.Environment(environment).Root
	}
	return place.ResolveRoot(s)
}

// RootFlag resolves the root for environment as ReleaseRoot does, taking
// --root from the flag named flag: an empty $DEPLOY_ROOT counts as unset,
// an empty --root given on the command line is a usage error.
func (e *Env) RootFlag(c *cli.Context, flag, environment string) (string, error) {
	r := c.String(flag)
	if v, fromEnv := os.LookupEnv(RootEnvVar); r == "" && c.IsSet(flag) && !(fromEnv && v == "") {
		return "", Usagef("--%s is empty", flag)
	}
	return e.ReleaseRoot(r, environment)
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
