package cliutil

import (
	"os"

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
