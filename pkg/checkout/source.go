package checkout

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/network"
	"github.com/deploytag/deploytag/pkg/redact"
	"github.com/deploytag/deploytag/pkg/tags"
)

// findManifest reads the tag's manifest from the first source that has it:
//
//  1. Options.ManifestFile, when given (then nothing else is tried);
//  2. the tag's message in a repo of the basedir that has the tag locally
//     (manifest_repo first, then by name);
//  3. the tag fetched from the remote of such a repo, in the same order;
//  4. manifests/<TAG> on the deploy-manifests branch of manifest_repo,
//     fetched into refs/remotes/<remote>/deploy-manifests (else the local
//     branch);
//  5. when manifest_repo, configured repos or the REPO operands (Sources)
//     are missing from the basedir and a URL template is known: the tag
//     (or, for manifest_repo, the branch) fetched from their URLs into a
//     scratch repo, removed after; the first that has it gives it.
//
// If none has it, the error lists what was tried.
func (w *work) findManifest(ctx context.Context) (manifest.Manifest, string, error) {
	if f := w.o.ManifestFile; f != "" {
		m, err := manifest.ReadFile(f, w.o.Stdin)
		if f == "-" {
			f = manifest.StdinName
		}
		return m, f, err
	}
	tag := w.o.Tag
	var tried []string
	order := w.sourceOrder()
	inRepo := ""
	if len(order) == 0 {
		tried = append(tried, fmt.Sprintf("basedir %s holds no repos", w.o.Basedir))
		inRepo = basedir.InRepoHint(w.o.Basedir)
	}

	local := tags.FirstManifest(ctx, w.g.Runner, order, tag)
	if local.Manifest != nil {
		return local.Manifest, "tag " + tag + " in " + local.All[local.From].Repo.Name, nil
	}
	var absent []string
	for _, c := range local.All {
		if !c.Missing {
			return nil, "", local.ManifestErr()
		}
		absent = append(absent, c.Repo.Name)
	}
	if len(absent) > 0 {
		tried = append(tried, "no local tag "+tag+" in "+strings.Join(absent, ", "))
	}

	for _, r := range order {
		if err := w.fetchTag(ctx, r.Path); err != nil {
			tried = append(tried, fmt.Sprintf("%s (%s)", err, r.Name))
			continue
		}
		m, err := w.tagManifest(ctx, r)
		if err != nil || m != nil {
			return m, "tag " + tag + " in " + r.Name, err
		}
	}

	mr := w.o.ManifestRepo
	if mr == "" {
		tried = append(tried, "no manifest_repo configured")
	} else if r, ok := w.has(mr); ok {
		m, where, err := w.branchManifest(ctx, r)
		if err != nil || m != nil {
			return m, where, err
		}
		tried = append(tried, fmt.Sprintf("no %s on branch %s of %s or its remote", tags.ManifestPath(tag), tags.ManifestBranch, mr))
	}

	m, where, more, err := w.remoteManifest(ctx)
	if err != nil || m != nil {
		return m, where, err
	}
	tried = append(tried, more...)
	tried = append(tried, "no "+name(w.o.Flags.Manifest, "manifest file")+" given")
	return nil, "", noManifest{fmt.Errorf("no manifest found for tag %s: %s", tag, strings.Join(tried, "; ")), w.o.Flags, inRepo}
}

type noManifest struct {
	error
	flags  Flags
	inRepo string // basedir.InRepoHint of a basedir with no repos
}

func (e noManifest) Unwrap() error { return e.error }
func (e noManifest) Hint() string {
	if e.inRepo != "" {
		return e.inRepo
	}
	return "give " + name(e.flags.Manifest, "a manifest") + " FILE, or run in a basedir holding a repo of the deploy, or give " +
		name(e.flags.URLTemplate, "a URL template") + " and the name of a repo of the deploy after TAG (or configure manifest_repo)"
}

// sourceOrder is the basedir's repos, manifest_repo first.
func (w *work) sourceOrder() []basedir.Repo {
	var order []basedir.Repo
	if r, ok := w.has(w.o.ManifestRepo); ok {
		order = append(order, r)
	}
	for _, r := range w.existing {
		if r.Name != w.o.ManifestRepo {
			order = append(order, r)
		}
	}
	return order
}

// tagManifest reads the manifest the copy of the tag in r records (r.Path
// may be a scratch repo the tag was fetched into); nil when the tag is
// absent, an error naming r when the copy records none.
func (w *work) tagManifest(ctx context.Context, r basedir.Repo) (manifest.Manifest, error) {
	c, m := tags.ReadCopy(ctx, w.g.Runner, r, w.o.Tag)
	if m != nil || c.Missing {
		return m, nil
	}
	return nil, basedir.Wrap(r.Name, errors.Join(c.Problems("")...))
}

// branchManifest fetches the deploy-manifests branch of the manifest repo
// into its remote-tracking ref (never forced) and reads manifests/<TAG>
// there, else on the local branch.
func (w *work) branchManifest(ctx context.Context, r basedir.Repo) (manifest.Manifest, string, error) {
	tracking := "refs/remotes/" + w.o.Remote + "/" + tags.ManifestBranch
	_, ferr := w.net(ctx, w.g.Fetch, network.Call{Dir: r.Path, Remote: w.o.Remote, Args: []string{"--no-tags", "--no-recurse-submodules"},
		Refs: []string{"refs/heads/" + tags.ManifestBranch + ":" + tracking}})
	refs := []string{tracking, "refs/heads/" + tags.ManifestBranch}
	if ferr != nil {
		refs = refs[1:]
	}
	for _, ref := range refs {
		m, err := tags.ReadManifest(ctx, w.g.Runner, r.Path, ref, w.o.Tag)
		var ge *git.Error
		switch {
		case err == nil:
			return m, ref + ":" + tags.ManifestPath(w.o.Tag) + " in " + r.Name, nil
		case !errors.As(err, &ge):
			return nil, "", basedir.Wrap(r.Name, err) // a malformed manifest
		}
	}
	return nil, "", nil
}

// remoteManifest looks for the tag at the URLs of manifest_repo and the
// configured repos that are not in the basedir, fetching into a scratch
// repo inside the basedir that is removed afterwards.
func (w *work) remoteManifest(ctx context.Context) (manifest.Manifest, string, []string, error) {
	var names []string
	for _, n := range append(append([]string{w.o.ManifestRepo}, w.o.Repos...), w.o.Sources...) {
		if _, ok := w.has(n); n != "" && !ok && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, "", nil, nil
	}
	if w.template == "" {
		return nil, "", []string{fmt.Sprintf("%s not in the basedir, and %s", strings.Join(names, ", "), w.tmplErr)}, nil
	}
	scratch, err := os.MkdirTemp(w.o.Basedir, ".deploytag-scratch-")
	if err != nil {
		return nil, "", nil, err
	}
	defer os.RemoveAll(scratch)
	if scratch, err = filepath.Abs(scratch); err != nil {
		return nil, "", nil, err
	}
	if _, err := w.g.Run(ctx, "", "init", "--quiet", "--bare", "--", scratch); err != nil {
		return nil, "", nil, err
	}
	var tried []string
	for _, n := range names {
		url := Expand(w.template, n)
		err := w.fetchTagFrom(ctx, scratch, url, "--depth=1")
		if err == nil {
			m, err := w.tagManifest(ctx, basedir.Repo{Name: n, Path: scratch})
			return m, "tag " + w.o.Tag + " at " + redact.Credentials(url), nil, err
		}
		tried = append(tried, fmt.Sprintf("%s (%s)", err, n))
		if n != w.o.ManifestRepo {
			continue
		}
		branch := "refs/heads/" + tags.ManifestBranch
		if _, err := w.net(ctx, w.g.Fetch, network.Call{Dir: scratch, Remote: url, Args: []string{"--no-tags", "--depth=1"},
			Refs: []string{branch + ":" + branch}}); err != nil {
			tried = append(tried, fmt.Sprintf("%s (%s)", w.netError("fetching branch "+tags.ManifestBranch+" from "+url, err), n))
			continue
		}
		m, err := tags.ReadManifest(ctx, w.g.Runner, scratch, "", w.o.Tag)
		var ge *git.Error
		switch {
		case err == nil:
			return m, tags.ManifestPath(w.o.Tag) + " on " + tags.ManifestBranch + " at " + redact.Credentials(url), nil, nil
		case !errors.As(err, &ge):
			return nil, "", nil, basedir.Wrap(n, err)
		}
		tried = append(tried, fmt.Sprintf("no %s on branch %s at %s (%s)", tags.ManifestPath(w.o.Tag), tags.ManifestBranch, redact.Credentials(url), n))
	}
	return nil, "", tried, nil
}
