package live_test

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/scripttest"
	"github.com/deploytag/deploytag/pkg/live"
)

// parsed is what Prometheus' own text-format parser reads of body.
func parsed(t *testing.T, body string) string {
	t.Helper()
	text, err := scripttest.MetricsText(strings.NewReader(body))
	if err != nil {
		t.Fatalf("Prometheus' parser rejects /metrics: %v\n%s", err, body)
	}
	return text
}

// TestMetrics: /metrics, from NewHandler and from MetricsHandler alone,
// tells the live tag, when it was deployed and the deploys of deploys.log
// by outcome (ok, failed and rolled_back), as Prometheus' parser reads them; with nothing deployed it
// still answers, without the tag.
func TestMetrics(t *testing.T) {
	root := t.TempDir()
	install(t, root, tag1, nil)
	install(t, root, tag2, nil)
	f, err := os.OpenFile(filepath.Join(root, "deploys.log"), os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteString(`{"time":"2026-11-25T15:10:00Z","environment":"production","tag":"` + tag1 + `","user":"u","host":"h","outcome":"failed","error":"boom"}` + "\n" +
		`{"time":"2026-11-25T15:11:00Z","environment":"production","tag":"` + tag1 + `","user":"u","host":"h","outcome":"rolled_back","error":"check ./up failed","check_output":"down"}` + "\n")
	must(t, err)
	must(t, f.Close())

	want := `# TYPE deploytag_deploy_timestamp_seconds gauge
deploytag_deploy_timestamp_seconds{environment="production"} 1795617000
# TYPE deploytag_deploys_total counter
deploytag_deploys_total{environment="production",outcome="ok"} 2
deploytag_deploys_total{environment="production",outcome="failed"} 1
deploytag_deploys_total{environment="production",outcome="rolled_back"} 1
# TYPE deploytag_info gauge
deploytag_info{environment="production",tag="` + tag2 + `"} 1
`
	for name, h := range map[string]*httptest.Server{
		"NewHandler, root":           httptest.NewServer(live.NewHandler(live.HandlerOptions{Source: live.Source{Root: root}})),
		"MetricsHandler, root":       httptest.NewServer(live.MetricsHandler(live.HandlerOptions{Source: live.Source{Root: root}})),
		"NewHandler, inside release": httptest.NewServer(live.NewHandler(live.HandlerOptions{Source: live.Source{Path: filepath.Join(root, "current", "tutor-js")}})),
	} {
		t.Run(name, func(t *testing.T) {
			defer h.Close()
			code, hd, body := get(t, h.URL+"/metrics")
			if code != 200 || hd.Get("Content-Type") != live.MetricsContentType {
				t.Fatalf("GET /metrics: %d %s\n%s", code, hd.Get("Content-Type"), body)
			}
			if got := parsed(t, body); got != want {
				t.Errorf("/metrics reads as\n%s\nwant\n%s", got, want)
			}
		})
	}

	// Nothing deployed: no tag, no time, the attempts still counted.
	must(t, os.Remove(filepath.Join(root, "current")))
	srv := httptest.NewServer(live.NewHandler(live.HandlerOptions{Source: live.Source{Root: root, Environment: "production"}}))
	defer srv.Close()
	code, _, body := get(t, srv.URL+"/metrics")
	if code != 200 {
		t.Fatalf("GET /metrics with nothing deployed: %d\n%s", code, body)
	}
	if got, want := parsed(t, body), `# TYPE deploytag_deploys_total counter
deploytag_deploys_total{environment="production",outcome="ok"} 2
deploytag_deploys_total{environment="production",outcome="failed"} 1
deploytag_deploys_total{environment="production",outcome="rolled_back"} 1
`; got != want {
		t.Errorf("/metrics with nothing deployed reads as\n%s\nwant\n%s", got, want)
	}
}

// TestMetricsEscape: label values reach Prometheus as they were, whatever
// they hold (backslashes, quotes, newlines), though tags and environment
// names never hold them today.
func TestMetricsEscape(t *testing.T) {
	odd := "a\\b\"c\nd}e,f=\"g"
	at := time.Date(2026, 11, 25, 14, 30, 0, 500_000_000, time.UTC)
	var b bytes.Buffer
	must(t, live.WriteMetrics(&b, []live.Metrics{
		{Environment: odd, Tag: odd + "tag", DeployedAt: &at, Deploys: map[string]int{"ok": 1, "failed": 0}},
		{Environment: "qa"},
	}))
	fams, err := scripttest.ParseMetrics(&b)
	if err != nil {
		t.Fatalf("Prometheus' parser rejects the text: %v\n%s", err, b.String())
	}
	info := fams["deploytag_info"].GetMetric()
	if len(info) != 1 {
		t.Fatalf("deploytag_info has %d samples, want 1 (qa has no tag)", len(info))
	}
	labels := map[string]string{}
	for _, l := range info[0].GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	if labels["environment"] != odd || labels["tag"] != odd+"tag" {
		t.Errorf("labels read back as %q, want environment %q and tag %q", labels, odd, odd+"tag")
	}
	ts := fams["deploytag_deploy_timestamp_seconds"].GetMetric()
	if len(ts) != 1 || ts[0].GetGauge().GetValue() != 1795617000.5 {
		t.Errorf("deploy time read back as %v, want 1795617000.5", ts)
	}
	if n := len(fams["deploytag_deploys_total"].GetMetric()); n != 2 {
		t.Errorf("deploytag_deploys_total has %d samples, want ok and failed of the first environment", n)
	}
}
