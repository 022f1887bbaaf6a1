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
	s := place.RootSources{
		Flag:        root,
		EnvVar:      os.Getenv(RootEnvVar),
		Environment: environment,
		StateHome:   os.Getenv("XDG_STATE_HOME"),
		Home:        os.Getenv("HOME"),
	}
	if environment != "" && e.Config != nil {
		s.Config = e.Config.Environment(environment).Root
	}
	return place.ResolveRoot(s)
}
