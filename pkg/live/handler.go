package live

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"time"
)

// Source says where a Handler finds the release, read afresh on every
// request so that a new deploy shows at once.
type Source struct {
	// Root, when set, is the root whose live release (Root/current) is read.
	Root string
	// Path, when Root is empty, is a folder inside a release (as for Read).
	Path string
	// Environment is reported when deploys.log does not name one.
	Environment string
}

// Load reads the release s points at.
func (s Source) Load() (*Info, error) {
	var info *Info
	var err error
	if s.Root != "" {
		info, err = ReadRoot(s.Root)
	} else {
		info, err = Read(s.Path)
	}
	if err != nil {
		return nil, err
	}
	if info.Environment == nil && s.Environment != "" {
		env := s.Environment
		info.Environment = &env
	}
	return info, nil
}

// HandlerOptions configure NewHandler.
type HandlerOptions struct {
	Source Source
	// Enrich, when set, may add to the Info before it is served, e.g. the
	// repos' versions.
	Enrich func(ctx context.Context, info *Info)
	// ErrorLog, when set, receives errors reading the release; the client
	// only learns that no tag could be read.
	ErrorLog func(error)
}

// NewHandler returns an http.Handler that serves, for GET and HEAD:
//
//	/deploy_tag       the tag and a newline, as text/plain
//	/deploy_tag.json  the Info as JSON
//	/                 a small HTML page for people, with a copy button
//	/metrics          the tag, its deploy time and the deploys counted, for
//	                  Prometheus (WriteMetrics, MetricsHandler)
//
// Any other path is 404. It reads the release on every request and serves
// nothing else from the disk. When no release can be read it answers 503,
// except /metrics, which then has no deploytag_info sample.
func NewHandler(o HandlerOptions) http.Handler { return &handler{o: o} }

type handler struct{ o HandlerOptions }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if path == "/metrics" {
		MetricsHandler(h.o).ServeHTTP(w, r)
		return
	}
	if path != "/" && path != "/deploy_tag" && path != "/deploy_tag.json" {
		http.NotFound(w, r)
		return
	}
	if !ReadOnly(w, r) {
		return
	}
	hd := w.Header()
	info, err := h.o.Source.Load()
	if err != nil {
		if h.o.ErrorLog != nil {
			h.o.ErrorLog(err)
		}
		http.Error(w, "no deploy tag found", http.StatusServiceUnavailable)
		return
	}
	if h.o.Enrich != nil {
		h.o.Enrich(r.Context(), info)
	}
	var body bytes.Buffer
	switch path {
	case "/deploy_tag":
		hd.Set("Content-Type", "text/plain; charset=utf-8")
		body.WriteString(info.Tag + "\n")
	case "/deploy_tag.json":
		hd.Set("Content-Type", "application/json")
		enc := json.NewEncoder(&body)
		enc.SetIndent("", "  ")
		if err := enc.Encode(info); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	default:
		SetPageHeaders(hd, pagePolicy)
		if err := WritePage(&body, info); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body.Bytes())
	}
}

// The page's style is a constant, allowed by its hash (PagePolicy); its
// one script is CopyScript.
const pageStyle = `
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; background: #fff; }
h1 { font-size: 1.1rem; font-weight: normal; color: #555; margin: 0 0 .5rem; }
.tag { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
#tag { font-size: 1.4rem; padding: .3rem .5rem; background: #f3f3f3; border-radius: 4px; user-select: all; }
button { font-size: 1rem; padding: .3rem .8rem; cursor: pointer; }
#status { color: #276; min-height: 1.2em; }
table { border-collapse: collapse; margin-top: 1.5rem; }
th, td { text-align: left; padding: .25rem 1rem .25rem 0; border-bottom: 1px solid #eee; }
td code { font-size: .9rem; }
p.meta { color: #555; }
`

var pagePolicy = PagePolicy(CopyScript, pageStyle)

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"short":   func(s string) string { return s[:min(12, len(s))] },
	"rfc3339": func(t *time.Time) string { return t.UTC().Format(time.RFC3339) },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Info.Tag}}</title>
<style>{{.Style}}</style>
</head>
<body>
<h1>Deploy tag{{with .Info.Environment}} of <strong>{{.}}</strong>{{end}}</h1>
<div class="tag"><code id="tag">{{.Info.Tag}}</code><button id="copy" class="copy" type="button" data-for="tag">Copy</button><span id="status" role="status" aria-live="polite"></span></div>
<p class="meta">{{with .Info.DeployedAt}}Deployed <time id="deployed" datetime="{{rfc3339 .}}">{{rfc3339 .}}</time>.{{else}}Deploy time unknown.{{end}} Put the tag in bug reports: it names the exact commit of every repo below.</p>
<table>
<thead><tr><th>repo</th><th>commit</th><th>version</th></tr></thead>
<tbody>
{{range .Info.Repos}}<tr><td>{{.Name}}</td><td><code title="{{.Commit}}">{{short .Commit}}</code></td><td>{{with .Version}}{{.}}{{end}}</td></tr>
{{end}}</tbody>
</table>
<script>{{.Script}}</script>
</body>
</html>
`))

// WritePage writes the HTML page for info, every value escaped.
func WritePage(w *bytes.Buffer, info *Info) error {
	return page.Execute(w, struct {
		Info   *Info
		Style  template.CSS
		Script template.JS
	}{info, template.CSS(pageStyle), template.JS(CopyScript)})
}

// Load reads the release of o.Source and enriches it as the handler does
// before serving it.
func (o HandlerOptions) Load(ctx context.Context) (*Info, error) {
	info, err := o.Source.Load()
	if err != nil {
		return nil, err
	}
	if o.Enrich != nil {
		o.Enrich(ctx, info)
	}
	return info, nil
}
