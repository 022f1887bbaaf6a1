// create_deploy_tag prints a new deploy tag. It creates nothing.
//
// # Synopsis
//
//	create_deploy_tag [--basedir DIR] [--prefix P] [--manifest FILE|-] [--time T] [--jobs N] [--config FILE]
//	                  [--json] [--quiet] [REPO...]
//
// # Description
//
// The tag is PREFIX_YYYYMMDD_HHMMSS_HASH7: the time is UTC (now, or --time),
// and HASH7 is the first seven hex digits of the SHA-256 of the canonical
// manifest ("name SP hash LF" per repo, sorted) of the commits it names:
// the HEADs of the REPOs (default: the basedir's repos, or deploy.toml's
// repos), or the commits listed in --manifest (- reads it from stdin). The
// same code gets the same suffix; tags sort by time as plain strings.
//
// # Output
//
// One line on stdout: the tag. With --json, a JSON record instead:
//
//	{"tag": "DEPLOY_20261125_142501_3f9a2c1", "prefix": "DEPLOY",
//	 "time": "2026-11-25T14:25:01Z", "hash": "3f9a2c1...(64 hex)",
//	 "repos": [{"name": "tutor-js", "commit": "f5476fd..."}, ...]}
//
// where hash is the SHA-256 of the canonical manifest and repos lists
// the repos it names, sorted.
//
// # Exit status
//
// 0 on success, 1 if a repo cannot be read or the manifest is malformed, 2
// for a wrong command line (bad prefix, bad --time).
//
// # Examples
//
//	create_deploy_tag --basedir ~/src/tutor
//	create_deploy_tag | xargs tag_repos
//	create_deploy_tag --time 2026-11-25T14:25:01Z --manifest deploy.manifest
//	create_deploy_tag --json | jq -r .tag
package main

import (
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/cliutil"
	"github.com/deploytag/deploytag/pkg/deploytag"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/tagging"
)

var manifestFlag = cliutil.ManifestFlag("name the commits of this manifest file (- for stdin) instead of HEADs")

func app() *cli.App {
	return cliutil.NewApp("create_deploy_tag", "print a new deploy tag for the repos' HEADs or a manifest",
		"[REPO...]",
		[]cli.Flag{cliutil.BasedirFlag, cliutil.ConfigFlag, cliutil.PrefixFlag, manifestFlag, cliutil.TimeFlag, cliutil.JobsFlag,
			cliutil.JSONFlag, cliutil.QuietFlag},
		run)
}

func run(c *cli.Context) error {
	if c.IsSet(manifestFlag.Name) && c.NArg() > 0 {
		return cliutil.Usagef("give either --manifest or REPO operands, not both")
	}
	env, err := cliutil.Setup(c)
	if err != nil {
		return err
	}
	var m manifest.Manifest
	if file := c.String(manifestFlag.Name); c.IsSet(manifestFlag.Name) {
		m, err = manifest.ReadFile(file, env.Stdin)
	} else {
		var repos []basedir.Repo
		repos, err = env.Repos(c.Args().Slice())
		if err == nil {
			m, err = tagging.Heads(c.Context, env.Git, repos, env.Jobs)
		}
	}
	if err != nil {
		return err
	}
	t, err := deploytag.New(env.Prefix, env.Time, m.Hash())
	if err != nil {
		return err
	}
	if c.Bool(cliutil.JSONFlag.Name) {
		return cliutil.WriteJSON(c.App.Writer, record(t, m))
	}
	_, err = c.App.Writer.Write([]byte(t.String() + "\n"))
	return err
}

// tagRecord is the --json output (docs/json.md).
type tagRecord struct {
	Tag      string      `json:"tag"`
	Prefix   string      `json:"prefix"`
	Time     string      `json:"time"`
	Hash     string      `json:"hash"`
	Manifest []repoEntry `json:"repos"`
}

type repoEntry struct {
	Name   string `json:"name"`
	Commit string `json:"commit"`
}

func record(t deploytag.Tag, m manifest.Manifest) tagRecord {
	r := tagRecord{Tag: t.String(), Prefix: t.Prefix, Time: t.Time.UTC().Format(time.RFC3339), Hash: m.Hash(),
		Manifest: make([]repoEntry, 0, len(m))}
	for _, e := range m {
		r.Manifest = append(r.Manifest, repoEntry{Name: e.Name, Commit: e.Commit})
	}
	return r
}

func main() { os.Exit(cliutil.Main(app())) }
