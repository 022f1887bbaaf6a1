package live

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deploytag/deploytag/pkg/place"
)

// MetricsContentType is the media type of Prometheus' text exposition
// format, version 0.0.4, which WriteMetrics writes.
const MetricsContentType = "text/plain; version=0.0.4; charset=utf-8"

// Metrics is what /metrics tells of one environment.
type Metrics struct {
	Environment string
	// Tag is the live deploy tag, "" when nothing is live (no
	// deploytag_info sample then: alert on its absence).
	Tag string
	// DeployedAt is when Tag was last deployed successfully; nil when
	// deploys.log does not say.
	DeployedAt *time.Time
	// Deploys counts the attempts of deploys.log by outcome (ok and
	// failed); nil when there is no root, so no log, to count.
	Deploys map[string]int
}

// CountDeploys counts the attempts recorded in the deploys.log at path by
// outcome; place.OutcomeOK, place.OutcomeFailed and
// place.OutcomeRolledBack are always there, so a rate over them starts at
// zero. A missing log counts nothing.
func CountDeploys(path string) (map[string]int, error) {
	n := map[string]int{place.OutcomeOK: 0, place.OutcomeFailed: 0, place.OutcomeRolledBack: 0}
	for e, err := range place.Backward(path) {
		if err != nil {
			return nil, err
		}
		n[e.Outcome]++
	}
	return n, nil
}

// RootMetrics is the Metrics of the environment env whose standard place
// is root: its live tag and deploy time (info, nil when nothing can be
// read as live) and the attempts of its deploys.log.
func RootMetrics(env, root string, info *Info) (Metrics, error) {
	m := Metrics{Environment: env}
	if info != nil {
		m.Tag, m.DeployedAt = info.Tag, info.DeployedAt
	}
	if root == "" {
		return m, nil
	}
	var err error
	m.Deploys, err = CountDeploys(filepath.Join(root, place.LogFile))
	return m, err
}

// WriteMetrics writes ms in Prometheus' text exposition format:
//
//	deploytag_info{environment,tag} 1                  the live tag of each environment
//	deploytag_deploy_timestamp_seconds{environment}    when it was deployed (Unix seconds)
//	deploytag_deploys_total{environment,outcome}       deploy attempts in deploys.log: ok, failed or rolled_back
//
// Label values are escaped as the format wants (backslash, double quote,
// newline), whatever they hold.
func WriteMetrics(w io.Writer, ms []Metrics) error {
	b := bufio.NewWriter(w)
	family := func(name, typ, help string) {
		fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	family("deploytag_info", "gauge", "The deploy tag live in an environment (always 1; the tag is a label).")
	for _, m := range ms {
		if m.Tag != "" {
			fmt.Fprintf(b, "deploytag_info{environment=%s,tag=%s} 1\n", labelValue(m.Environment), labelValue(m.Tag))
		}
	}
	family("deploytag_deploy_timestamp_seconds", "gauge", "When the live deploy tag was deployed, in seconds since the Unix epoch.")
	for _, m := range ms {
		if m.Tag != "" && m.DeployedAt != nil {
			fmt.Fprintf(b, "deploytag_deploy_timestamp_seconds{environment=%s} %s\n", labelValue(m.Environment),
				strconv.FormatFloat(float64(m.DeployedAt.UnixNano())/1e9, 'f', -1, 64))
		}
	}
	family("deploytag_deploys_total", "counter", "Deploy attempts recorded in deploys.log, by outcome (ok, failed, or rolled_back: live, did not come up, switched back).")
	for _, m := range ms {
		for _, outcome := range sortedKeys(m.Deploys) {
			fmt.Fprintf(b, "deploytag_deploys_total{environment=%s,outcome=%s} %d\n", labelValue(m.Environment), labelValue(outcome), m.Deploys[outcome])
		}
	}
	return b.Flush()
}

// sortedKeys is ok, failed, rolled_back, then any other outcome by name.
func sortedKeys(m map[string]int) []string {
	rank := map[string]int{place.OutcomeOK: 0, place.OutcomeFailed: 1, place.OutcomeRolledBack: 2}
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		ra, oka := rank[a]
		rb, okb := rank[b]
		if !oka {
			ra = 3
		}
		if !okb {
			rb = 3
		}
		return cmp.Or(cmp.Compare(ra, rb), strings.Compare(a, b))
	})
	return keys
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// labelValue is v quoted as a label value of the text format.
func labelValue(v string) string { return `"` + labelEscaper.Replace(v) + `"` }

// ServeMetrics answers a request for /metrics with ms (GET and HEAD; see
// ReadOnly).
func ServeMetrics(w http.ResponseWriter, r *http.Request, ms []Metrics) {
	var body strings.Builder
	if err := WriteMetrics(&body, ms); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", MetricsContentType)
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, body.String())
	}
}

// MetricsHandler serves /metrics alone for the release of o.Source, for a
// Go service that mounts it beside its own routes (NewHandler serves it
// too). The environment label is the one deploys.log names for the live
// tag, else Source.Environment; deploys are counted when the release sits
// in a root (Source.Root, or a release under <root>/releases).
func MetricsHandler(o HandlerOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ReadOnly(w, r) {
			return
		}
		m, err := o.metrics()
		if err != nil && !errors.Is(err, ErrNoRelease) && o.ErrorLog != nil {
			o.ErrorLog(err)
		}
		ServeMetrics(w, r, []Metrics{m})
	})
}

// metrics reads what /metrics tells of o.Source: with no release to read,
// no tag, but the attempts of the root's log still count.
func (o HandlerOptions) metrics() (Metrics, error) {
	info, err := o.Source.Load()
	env, root := o.Source.Environment, o.Source.Root
	if err == nil {
		if info.Environment != nil {
			env = *info.Environment
		}
		if info.Root != nil {
			root = *info.Root
		}
	}
	m, cerr := RootMetrics(env, root, info)
	if err == nil {
		err = cerr
	}
	return m, err
}
