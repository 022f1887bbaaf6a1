package tags

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/fail"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/names"
	"github.com/deploytag/deploytag/pkg/network"
)

// TagInfo is one deploy tag found in the repos.
type TagInfo struct {
	Tag  string    `json:"tag"`
	Time time.Time `json:"time"` // from the tag's name, UTC
	// Repos is the number of repos the tag names: those of its manifest
	// when a local copy of the tag records one, else those carrying it.
	Repos   int      `json:"repos"`
	Present []string `json:"present"` // repos (of the basedir) carrying it
	Missing []string `json:"missing"` // repos it names that lack it
}

// ListOptions configure List.
type ListOptions struct {
	Repos []basedir.Repo
	// Remote, when set, lists the tags of each repo's remote of that name
	// (ls-remote) instead of the local ones.
	Remote  string
	Timeout time.Duration // for each ls-remote
	Jobs    int
	Limit   int // 0: all
}

// List returns the deploy tags of the repos, newest first (by the time in
// the name, then by name, descending). Tags that names.Parse does not
// accept (v1.2.3, release-x) are never listed. Every repo that cannot be
// read is named and nothing is returned.
func List(ctx context.Context, g *network.Client, o ListOptions) ([]TagInfo, error) {
	n := len(o.Repos)
	local := make([]map[string]localTag, n)
	remote := make([]map[string]bool, n)
	err := basedir.Fanout{Jobs: o.Jobs}.Each(ctx, n, func(i int) string { return o.Repos[i].Name }, func(ctx context.Context, i int) error {
		var err error
		local[i], err = localTags(ctx, g.Runner, o.Repos[i].Path)
		if err == nil && o.Remote != "" {
			remote[i], err = remoteTags(ctx, g, o.Repos[i].Path, o.Remote, o.Timeout)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	all := map[string]*TagInfo{}
	manifests := map[string]manifest.Manifest{}
	for i, r := range o.Repos {
		has := map[string]bool{}
		for t := range local[i] {
			if o.Remote == "" {
				has[t] = true
			}
		}
		for t := range remote[i] {
			has[t] = true
		}
		for t := range has {
			ti := all[t]
			if ti == nil {
				p, _ := names.Parse(t)
				ti = &TagInfo{Tag: t, Time: p.Time, Present: []string{}, Missing: []string{}}
				all[t] = ti
			}
			ti.Present = append(ti.Present, r.Name)
		}
		for t, lt := range local[i] {
			if _, ok := manifests[t]; !ok && lt.manifest != nil {
				manifests[t] = lt.manifest
			}
		}
	}
	out := make([]TagInfo, 0, len(all))
	for t, ti := range all {
		names := ti.Present
		if m, ok := manifests[t]; ok {
			names = m.Names()
		} else if len(o.Repos) > len(ti.Present) {
			names = nil
			for _, r := range o.Repos {
				names = append(names, r.Name)
			}
		}
		present := map[string]bool{}
		for _, p := range ti.Present {
			present[p] = true
		}
		for _, nm := range names {
			if !present[nm] {
				ti.Missing = append(ti.Missing, nm)
			}
		}
		sort.Strings(ti.Present)
		sort.Strings(ti.Missing)
		ti.Repos = len(names)
		if _, ok := manifests[t]; !ok {
			ti.Repos = len(ti.Present)
		}
		out = append(out, *ti)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.After(out[j].Time)
		}
		return out[i].Tag > out[j].Tag
	})
	if o.Limit > 0 && len(out) > o.Limit {
		out = out[:o.Limit]
	}
	return out, nil
}

type localTag struct {
	manifest manifest.Manifest // nil unless the message records one
}

// TagListFormat is the for-each-ref format localTags reads: name, type and
// message of each tag, each record ending in two NULs.
const TagListFormat = "%(refname:strip=2)%00%(objecttype)%00%(contents)%00%00"

func localTags(ctx context.Context, g *git.Runner, dir string) (map[string]localTag, error) {
	b, err := g.Run(ctx, dir, "for-each-ref", "--format="+TagListFormat, "--", "refs/tags/")
	if err != nil {
		return nil, err
	}
	return ParseTagList(b)
}

// ParseTagList parses for-each-ref output in TagListFormat, keeping deploy
// tags only, each with the manifest it records (if any, by the rule every
// copy of a tag is read by).
func ParseTagList(b []byte) (map[string]localTag, error) {
	out := map[string]localTag{}
	for _, rec := range strings.Split(string(b), "\x00\x00\n") {
		if rec == "" {
			continue
		}
		f := strings.SplitN(rec, "\x00", 3)
		if len(f) != 3 {
			return nil, fmt.Errorf("for-each-ref: malformed record %q", rec)
		}
		name, typ, msg := f[0], f[1], f[2]
		if !names.IsDeployTag(name) {
			continue
		}
		m, _ := recorded(name, typ, msg)
		out[name] = localTag{manifest: m}
	}
	return out, nil
}

func remoteTags(ctx context.Context, g *network.Client, dir, remote string, timeout time.Duration) (map[string]bool, error) {
	rc, err := g.RemoteConfig(ctx, dir, remote)
	if err != nil {
		return nil, err
	}
	if len(rc.Fetch) == 0 {
		return nil, fmt.Errorf("%w %q in %s", git.ErrNoRemote, remote, dir)
	}
	b, err := g.LsRemote(ctx, network.Call{Dir: dir, Remote: remote, URL: rc.Fetch[0], Args: []string{"--tags"},
		Refs: []string{"refs/tags/*"}, SSHCommand: rc.SSHCommand, Timeout: timeout})
	if err != nil {
		var ne *network.Error
		if errors.As(err, &ne) && ne.Kind == network.KindTimeout {
			return nil, fail.WithHint(fmt.Errorf("remote %s (%s) timed out after %s", remote, ne.URL, timeout), ne.Hint())
		}
		return nil, err
	}
	refs, err := git.ParseLsRemote(b)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, r := range refs {
		if t, ok := strings.CutPrefix(r.Name, "refs/tags/"); ok && names.IsDeployTag(t) {
			out[t] = true
		}
	}
	return out, nil
}

// ListLines is the text list_deploy_tags prints: one tag a line, newest
// first, with long its time and number of repos after it, and a tag some
// repos lack followed by " missing: " and their names, comma-separated.
func ListLines(tags []TagInfo, long bool) string {
	var b strings.Builder
	for _, t := range tags {
		b.WriteString(t.Tag)
		if long {
			fmt.Fprintf(&b, " %s %d", t.Time.Format(time.RFC3339), t.Repos)
		}
		if len(t.Missing) > 0 {
			b.WriteString(" missing: " + strings.Join(t.Missing, ","))
		}
		b.WriteByte('\n')
	}
	return b.String()
}
