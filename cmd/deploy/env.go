package main

import (
	"os"
	"os/user"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/pkg/cliutil"
)

// defaultLockTimeout is how long a deploy waits for another one to the
// same environment by default.
const defaultLockTimeout = 10 * time.Minute

// rootFor picks the root as every tool does (cliutil.Env.ReleaseRoot):
// --root, else $DEPLOY_ROOT, else the config's, else the XDG default. An
// empty $DEPLOY_ROOT counts as unset; an empty --root is a usage error.
func rootFor(c *cli.Context, e *cliutil.Env, env string) (string, error) {
	r := c.String(rootFlag.Name)
	if v, fromEnv := os.LookupEnv(cliutil.RootEnvVar); r == "" && c.IsSet(rootFlag.Name) && !(fromEnv && v == "") {
		return "", cliutil.Usagef("--root is empty")
	}
	return e.ReleaseRoot(r, env)
}

func userName() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

func hostName() string {
	h, _ := os.Hostname()
	return h
}
