package main

import (
	"os"
	"os/user"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/pkg/cliutil"
	"github.com/deploytag/deploytag/pkg/release"
)

// defaultLockTimeout is how long a deploy waits for another one to the
// same environment by default.
const defaultLockTimeout = 10 * time.Minute

// rootFor picks the root: --root, else $DEPLOY_ROOT (both through the
// flag), else the config's, else the XDG default.
func rootFor(c *cli.Context, env, configured string) (string, error) {
	if c.IsSet(rootFlag.Name) {
		if r := c.String(rootFlag.Name); r != "" {
			return r, nil
		}
		return "", cliutil.Usagef("--root is empty")
	}
	if configured != "" {
		return configured, nil
	}
	return release.DefaultRoot(env, os.Getenv("XDG_STATE_HOME"), os.Getenv("HOME"))
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
