package dashboard

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"maps"
	"net/url"
	"slices"
	"time"

	"github.com/deploytag/deploytag/pkg/live"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/tags"
)

// The pages' style is a constant, allowed by its hash; their one script
// is live.CopyScript. A page loads nothing else, from anywhere.
const pageStyle = `
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; background: #fff; max-width: 80rem; }
h1 { font-size: 1.3rem; margin: 0 0 1rem; }
h2 { font-size: 1.1rem; margin: 2rem 0 .5rem; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: .3rem 1rem .3rem 0; border-bottom: 1px solid #eee; vertical-align: top; }
code { font-size: .9rem; }
code.tag { background: #f3f3f3; padding: .1rem .3rem; border-radius: 3px; }
button.copy { font-size: .8rem; padding: .1rem .5rem; cursor: pointer; margin-left: .4rem; }
.status { color: #276; font-size: .8rem; margin-left: .3rem; }
.muted, .age { color: #666; }
.note { background: #fff8e1; border-left: 4px solid #e0b000; padding: .4rem .8rem; }
tr.differs td:first-child { font-weight: bold; }
.count { color: #555; font-size: .85rem; }
ol.history { list-style: none; padding: 0; }
li.deploy { border-left: 4px solid #4a4; padding: .3rem .8rem; margin: 0 0 .8rem; }
li.deploy.failed { border-left-color: #c33; }
li.deploy.rollback { border-left-color: #e08000; }
.badge { display: inline-block; font-size: .75rem; font-weight: bold; padding: 0 .4rem; border-radius: 3px; color: #fff; background: #4a4; }
.badge.failed { background: #c33; }
.badge.rollback { background: #e08000; }
.error { color: #a22; white-space: pre-wrap; margin: .3rem 0; }
.check-output { font-size: .8rem; background: #f4f4f4; padding: .3rem; margin: .3rem 0; white-space: pre-wrap; max-height: 12rem; overflow: auto; }
ul.repos { margin: .3rem 0; padding-left: 1.2rem; }
ul.commits { list-style: none; padding-left: 1rem; margin: .1rem 0; }
li.gained::before { content: "+ "; color: #4a4; }
li.dropped::before { content: "\2212  "; color: #c33; }
a { color: #036; }
`

var pagePolicy = live.PagePolicy(live.CopyScript, pageStyle)

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"short":  short,
	"style":  func() template.CSS { return template.CSS(pageStyle) },
	"script": func() template.JS { return template.JS(live.CopyScript) },
}).Parse(`
{{define "head"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}}</title>
<style>{{style}}</style>
</head>
<body>
{{end}}

{{define "tail"}}<script>{{script}}</script>
</body>
</html>
{{end}}

{{define "live"}}{{if .Tag}}<code class="tag" id="tag-{{.Environment}}">{{.Tag}}</code><button class="copy" type="button" data-for="tag-{{.Environment}}">Copy</button><span class="status" role="status" aria-live="polite"></span>{{else}}<span class="muted">nothing deployed</span>{{end}}{{end}}

{{define "when"}}{{if .At}}<time datetime="{{.At}}">{{.At}}</time> <span class="age">({{.Age}})</span>{{else}}<span class="muted">not in deploys.log</span>{{end}}{{end}}

{{define "commit"}}{{if .Link}}<a href="{{.Link}}" rel="noreferrer"><code title="{{.Commit}}">{{short .Commit}}</code></a>{{else}}<code title="{{.Commit}}">{{short .Commit}}</code>{{end}}{{end}}

{{define "overview"}}{{template "head" "What runs where"}}
<h1>What runs where</h1>
<table id="overview">
<thead><tr><th>environment</th><th>live tag</th><th>deployed</th><th>by</th></tr></thead>
<tbody>
{{range .Rows}}<tr class="env" data-env="{{.Environment}}">
<td><a class="env-link" href="{{.Href}}">{{.Environment}}</a></td>
<td>{{template "live" .Status}}</td>
<td>{{template "when" .When}}</td>
<td>{{if .User}}{{.User}}{{with .Host}}@{{.}}{{end}}{{end}}</td>
</tr>
{{end}}</tbody>
</table>
{{with .Compare}}
<h2>Side by side</h2>
<p class="muted">The commit of each repo in each environment's live tag; each environment is counted against the one before it. Repos that differ are in bold.</p>
<table id="compare">
<thead><tr><th>repo</th>{{range .Envs}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr class="{{if .Differs}}differs{{end}}" data-repo="{{.Repo}}"><td>{{.Repo}}</td>{{range .Cells}}<td>{{if .Commit}}{{template "commit" .}}{{else}}<span class="muted">none</span>{{end}}{{with .Count}} <span class="count">{{.}}</span>{{end}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{if .NeedsRepos}}<p class="note">Commit counts need the repos: serve with {{.ReposFlag}} pointing at a folder that holds them.</p>{{end}}
{{end}}
<p class="muted">JSON: <a href="/environments.json">/environments.json</a>, /environments/NAME.json, /diff.json?from=TAG&amp;to=TAG</p>
{{template "tail"}}{{end}}

{{define "environment"}}{{template "head" .Status.Environment}}
<p><a href="/">&larr; every environment</a></p>
<h1>{{.Status.Environment}}</h1>
<p>Live: {{template "live" .Status}} {{if .Status.Tag}}deployed {{template "when" .When}}{{if .Status.User}} by {{.Status.User}}{{with .Status.Host}}@{{.}}{{end}}{{end}}{{end}}</p>
<p class="muted">Root {{.Status.Root}}. JSON: <a href="{{.JSON}}">{{.JSON}}</a></p>
{{if .NeedsRepos}}<p class="note">The log of commits needs the repos: serve with {{.ReposFlag}} pointing at a folder that holds them. Without them each deploy shows the commits it moved each repo between.</p>{{end}}
<h2>History, newest first</h2>
{{if not .History}}<p class="muted">deploys.log records no deploy.</p>{{end}}
<ol class="history" id="history">
{{range .History}}<li class="deploy {{.Outcome}}{{if .Rollback}} rollback{{end}}" data-tag="{{.Tag}}">
<div><time datetime="{{.Time}}">{{.Time}}</time> <code class="tag">{{.Tag}}</code>
{{if eq .Outcome "ok"}}<span class="badge ok">ok</span>{{else if eq .Outcome "rolled_back"}}<span class="badge failed">rolled back</span>{{else}}<span class="badge failed">failed</span>{{end}}
{{if .Rollback}}<span class="badge rollback">rollback</span>{{end}}
<span class="muted">by {{.User}}{{with .Host}}@{{.}}{{end}}</span></div>
{{with .Error}}<p class="error">{{.}}</p>{{end}}
{{with .CheckOutput}}<pre class="check-output">{{.}}</pre>{{end}}
{{if .Note}}<p class="muted">{{.Note}}{{with .DiffJSON}} <a href="{{.}}">diff.json</a>{{end}}</p>{{end}}
{{with .Change}}<ul class="repos">
{{range .Repos}}<li class="repo" data-repo="{{.Name}}"><strong>{{.Name}}</strong>
{{if not .FromC}}added at {{template "commit" .To}}{{else if not .ToC}}removed (was {{template "commit" .From}}){{else}}{{if .Counted}}<span class="count">+{{.Ahead}} &minus;{{.Behind}}</span>{{else}}<span class="count">commits not counted</span>{{end}} {{template "commit" .From}}..{{template "commit" .To}}{{end}}
{{if or .Gained .Dropped}}<ul class="commits">
{{range .Gained}}<li class="gained">{{template "commit" .}} <span class="subject">{{.Subject}}</span></li>
{{end}}{{range .Dropped}}<li class="dropped">{{template "commit" .}} <span class="subject">{{.Subject}}</span></li>
{{end}}</ul>{{end}}
</li>
{{end}}</ul>
{{range .Warnings}}<p class="muted">{{.}}</p>{{end}}
{{end}}
</li>
{{end}}</ol>
{{if .More}}<p class="muted">Older deploys: <a href="{{.JSON}}?limit=0">{{.JSON}}?limit=0</a></p>{{end}}
{{template "tail"}}{{end}}
`))

func short(s string) string { return s[:min(12, len(s))] }

// age says how long ago t was, roughly.
func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	default:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

type when struct{ At, Age string }

func (s *Server) when(at *string) when {
	if at == nil {
		return when{}
	}
	w := when{At: *at}
	if t, err := time.Parse(time.RFC3339, *at); err == nil {
		w.Age = age(s.o.Now(), t)
	}
	return w
}

type commitView struct{ Commit, Subject, Link string }

func (s *Server) commit(repo, c, subject string) commitView {
	v := commitView{Commit: c, Subject: subject}
	if s.o.CommitLink != nil && c != "" {
		v.Link = s.o.CommitLink(repo, c)
	}
	return v
}

type overviewRow struct {
	Status
	When when
	Href string
}

type compareCell struct {
	commitView
	Count string
}

type compareRow struct {
	Repo    string
	Differs bool
	Cells   []compareCell
}

type compareView struct {
	Envs       []string
	Rows       []compareRow
	NeedsRepos bool
	ReposFlag  string // Options.ReposFlag, for the note NeedsRepos shows
}

func (s *Server) writeOverview(ctx context.Context, b *bytes.Buffer) error {
	sts := s.Statuses()
	var data struct {
		Rows    []overviewRow
		Compare *compareView
	}
	for _, st := range sts {
		data.Rows = append(data.Rows, overviewRow{Status: st, When: s.when(st.DeployedAt), Href: "/environments/" + url.PathEscape(st.Environment)})
	}
	if len(sts) > 1 {
		data.Compare = s.compare(ctx, sts)
	}
	return pages.ExecuteTemplate(b, "overview", data)
}

// compare lays the environments' live manifests side by side, counting
// each environment's commits against the one before it.
func (s *Server) compare(ctx context.Context, sts []Status) *compareView {
	v := &compareView{ReposFlag: s.o.ReposFlag}
	mans := make([]manifest.Manifest, len(sts))
	names := map[string]bool{}
	for i, st := range sts {
		v.Envs = append(v.Envs, st.Environment)
		if st.Tag == nil {
			continue
		}
		m, err := s.Manifest(ctx, *st.Tag, s.byName[st.Environment])
		if err != nil {
			s.logErr(err)
			continue
		}
		mans[i] = m
		for _, e := range m {
			names[e.Name] = true
		}
	}
	diffs := make([]map[string]tags.Change, len(sts))
	for i := 1; i < len(sts); i++ {
		if sts[i].Tag == nil || sts[i-1].Tag == nil || mans[i] == nil || mans[i-1] == nil {
			continue
		}
		d, err := s.Diff(ctx, *sts[i-1].Tag, *sts[i].Tag, s.byName[sts[i].Environment])
		if err != nil {
			s.logErr(err)
			continue
		}
		diffs[i] = map[string]tags.Change{}
		for _, c := range d.Repos {
			diffs[i][c.Name] = c
		}
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		row := compareRow{Repo: name}
		for i := range sts {
			var cell compareCell
			if mans[i] != nil {
				c, _ := mans[i].Lookup(name)
				cell.commitView = s.commit(name, c, "")
			}
			if c, ok := diffs[i][name]; ok {
				row.Differs = true
				switch {
				case c.From != "" && c.To != "" && c.Ahead >= 0:
					cell.Count = fmt.Sprintf("+%d \u2212%d against %s", c.Ahead, c.Behind, sts[i-1].Environment)
				case c.From != "" && c.To != "":
					cell.Count = "differs from " + sts[i-1].Environment
					v.NeedsRepos = true
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

type repoChangeView struct {
	Name, FromC, ToC string
	From, To         commitView
	Ahead, Behind    int
	Counted          bool
	Gained, Dropped  []commitView
}

type changeView struct {
	Repos    []repoChangeView
	Warnings []string
}

type deployView struct {
	Deploy
	Note     string
	DiffJSON string // the same diff for scripts
	Change   *changeView
}

func (s *Server) writeEnvironment(ctx context.Context, b *bytes.Buffer, e Env) error {
	d := s.Detail(e, PageLimit)
	data := struct {
		Status     Status
		When       when
		JSON       string
		NeedsRepos bool
		ReposFlag  string
		History    []deployView
		More       bool
	}{Status: d.Status, When: s.when(d.DeployedAt), JSON: "/environments/" + url.PathEscape(e.Name) + ".json",
		NeedsRepos: !s.HasRepos(), ReposFlag: s.o.ReposFlag, More: d.More}
	for _, dep := range d.History {
		v := deployView{Deploy: dep}
		switch {
		case dep.Outcome != place.OutcomeOK:
		case dep.Previous == nil:
			v.Note = "The first deploy recorded here."
		case *dep.Previous == dep.Tag:
			v.Note = "A redeploy of the live tag: nothing changed."
		default:
			diff, err := s.Diff(ctx, *dep.Previous, dep.Tag, e)
			if err != nil {
				v.Note = "What changed from " + *dep.Previous + " is unknown: neither release is here and no repo at hand carries the tags."
				s.logErr(err)
				break
			}
			v.Note = "Changed from " + *dep.Previous + ":"
			v.DiffJSON = "/diff.json?" + url.Values{"from": {*dep.Previous}, "to": {dep.Tag}}.Encode()
			if len(diff.Repos) == 0 {
				v.Note = "Same commits as " + *dep.Previous + "."
			}
			v.Change = s.changeView(diff)
		}
		data.History = append(data.History, v)
	}
	return pages.ExecuteTemplate(b, "environment", data)
}

func (s *Server) changeView(d *Diff) *changeView {
	v := &changeView{}
	if s.HasRepos() {
		v.Warnings = d.Warnings
	}
	for _, c := range d.Repos {
		r := repoChangeView{Name: c.Name, FromC: c.From, ToC: c.To, Ahead: c.Ahead, Behind: c.Behind, Counted: c.Ahead >= 0,
			From: s.commit(c.Name, c.From, ""), To: s.commit(c.Name, c.To, "")}
		for _, l := range c.Log {
			r.Gained = append(r.Gained, s.commit(c.Name, l.Commit, l.Subject))
		}
		for _, l := range c.Dropped {
			r.Dropped = append(r.Dropped, s.commit(c.Name, l.Commit, l.Subject))
		}
		v.Repos = append(v.Repos, r)
	}
	return v
}
