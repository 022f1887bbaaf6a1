package dashboard

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/deploytag/deploytag/pkg/live"
	"github.com/deploytag/deploytag/pkg/names"
)

// DefaultLimit is how many attempts /environments/NAME.json lists without
// ?limit=; PageLimit how many the page for people shows.
const (
	DefaultLimit = 100
	PageLimit    = 30
)

// ServeHTTP serves, for GET and HEAD:
//
//	/                          the page for people: every environment
//	/environments/NAME         one environment's history, what each deploy changed
//	/environments.json         [{"environment", "root", "tag", "deployed_at", "user", "host"}]
//	/environments/NAME.json    the same for NAME, with "history" (?limit=N, 0 for all)
//	/diff.json?from=TAG&to=TAG what changed between two deploys
//	/metrics                   every environment's live tag, deploy time and
//	                           deploys, for Prometheus (live.WriteMetrics)
//
// Anything else is 404. It reads the roots on every request and serves
// nothing else from the disk.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !live.ReadOnly(w, r) {
		return
	}
	hd := w.Header()
	var (
		body bytes.Buffer
		err  error
		path = r.URL.Path
	)
	switch {
	case path == "/metrics":
		live.ServeMetrics(w, r, s.Metrics())
		return
	case path == "/":
		err = s.writeOverview(r.Context(), &body)
		live.SetPageHeaders(hd, pagePolicy)
	case path == "/environments.json":
		err = writeJSON(&body, s.Statuses())
		hd.Set("Content-Type", "application/json")
	case path == "/diff.json":
		q := r.URL.Query()
		from, to := q.Get("from"), q.Get("to")
		for _, t := range []string{from, to} {
			if e := names.ValidTagName(t); e != nil {
				http.Error(w, "want ?from=TAG&to=TAG: "+e.Error(), http.StatusBadRequest)
				return
			}
		}
		d, e := s.Diff(r.Context(), from, to)
		if errors.Is(e, ErrUnknownTag) {
			http.Error(w, e.Error(), http.StatusNotFound)
			return
		}
		err = e
		if err == nil {
			err = writeJSON(&body, d)
		}
		hd.Set("Content-Type", "application/json")
	case strings.HasPrefix(path, "/environments/"):
		name := strings.TrimPrefix(path, "/environments/")
		name, asJSON := strings.CutSuffix(name, ".json")
		e, ok := s.byName[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if !asJSON {
			err = s.writeEnvironment(r.Context(), &body, e)
			live.SetPageHeaders(hd, pagePolicy)
			break
		}
		limit := DefaultLimit
		if v := r.URL.Query().Get("limit"); v != "" {
			n, e := strconv.Atoi(v)
			if e != nil || n < 0 {
				http.Error(w, "limit: want a number, 0 for all", http.StatusBadRequest)
				return
			}
			limit = n
		}
		err = writeJSON(&body, s.Detail(e, limit))
		hd.Set("Content-Type", "application/json")
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.logErr(err)
		hd.Del("Content-Type")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body.Bytes())
	}
}

func writeJSON(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
