package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/deploytag/deploytag/internal/cmdline"
	"github.com/deploytag/deploytag/pkg/config"
	"github.com/deploytag/deploytag/pkg/dashboard"
	"github.com/deploytag/deploytag/pkg/fail"
	"github.com/deploytag/deploytag/pkg/live"
)

// query is what show_deploy_tag is asked on its command line: a release
// by PATH (paths, at most one) or by root (environment, roots), or with
// all every environment; printed as text or JSON, or served.
type query struct {
	paths       []string // the PATH operands
	roots       []string // each --root
	environment string   // --environment, checked
	all         bool     // --all
	json        bool     // --json
	serve       bool     // --serve given
	addr        string   // its address, completed by check (live.ServeAddr)
}

// check applies the rules of the command line and completes addr; an
// error says what is wrong with the command line (the caller makes it a
// usage error).
func (q *query) check() error {
	switch {
	case q.all && len(q.paths) > 0:
		return errors.New("--all takes no PATH")
	case q.all && q.environment != "":
		return errors.New("give --all or --environment, not both")
	case !q.all && len(q.roots) > 1:
		return fmt.Errorf("--root given %d times: only --all serves several roots", len(q.roots))
	case len(q.paths) > 1:
		return errors.New("too many operands: want at most one PATH")
	case len(q.paths) == 1 && (q.environment != "" || q.root() != ""):
		return errors.New("give PATH or --environment/--root, not both")
	case q.serve && q.json:
		return errors.New("give --serve or --json, not both")
	case !q.serve:
		return nil
	}
	var err error
	q.addr, err = live.ServeAddr(q.addr)
	return err
}

// root is the one --root of a query for one release, or "".
func (q query) root() string {
	if len(q.roots) == 1 {
		return q.roots[0]
	}
	return ""
}

// path is the PATH operand, else "." (the folder walked up from when no
// root is given either).
func (q query) path() string {
	if len(q.paths) == 1 {
		return q.paths[0]
	}
	return "."
}

// where fills in o what q shows: with --all every environment of the
// config at its root, then each --root (none at all is a wrong command
// line); else the one release, at the root --root, $DEPLOY_ROOT or
// --environment gives, or from its PATH.
func (q query) where(env *cmdline.Env, o *dashboard.ShowOptions) error {
	o.All, o.Path, o.Environment, o.Serve = q.all, q.path(), q.environment, q.serve
	if q.all {
		envs, err := dashboard.Configured(env.Config, env.ConfiguredRoot, q.roots)
		if err != nil || len(envs) > 0 {
			o.Envs = envs
			return err
		}
		file := env.Config.File
		if file == "" {
			file = filepath.Join(env.Basedir, config.FileName)
		}
		return cmdline.Usagef("--all: no environment: %s defines none and no --root was given", file)
	}
	if q.environment == "" && q.root() == "" && os.Getenv(cmdline.RootEnvVar) == "" {
		return nil
	}
	var err error
	o.Root, err = env.Root(q.root(), q.environment)
	return err
}

// hint adds, to a release not found from PATH (no --environment or
// --root given), where else show_deploy_tag reads one: the newcomer in
// a folder that is no release learns the flags that name a root.
func (q query) hint(err error) error {
	if !errors.Is(err, live.ErrNoRelease) || q.all || q.environment != "" || q.root() != "" || os.Getenv(cmdline.RootEnvVar) != "" {
		return err
	}
	return fail.WithHint(err, "give --environment ENV (or --root DIR) to show the live release of an environment, or a PATH inside a release")
}
