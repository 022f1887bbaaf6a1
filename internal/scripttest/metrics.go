package scripttest

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/rogpeppe/go-internal/testscript"
)

// ParseMetrics reads Prometheus' text exposition format with Prometheus'
// own parser (github.com/prometheus/common/expfmt, a dependency of the
// tests only) and returns its families by name.
func ParseMetrics(r io.Reader) (map[string]*dto.MetricFamily, error) {
	var p expfmt.TextParser
	return p.TextToMetricFamilies(r)
}

// MetricsText is what ParseMetrics understood of r, one line per family
// ("# TYPE name type") and per sample ("name{label="value",...} value",
// labels sorted by name, values quoted as Go quotes them), families by
// name: what a test compares, instead of the text served.
func MetricsText(r io.Reader) (string, error) {
	fams, err := ParseMetrics(r)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(fams)) {
		f := fams[name]
		fmt.Fprintf(&b, "# TYPE %s %s\n", name, strings.ToLower(f.GetType().String()))
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			slices.Sort(labels)
			var v float64
			switch f.GetType() {
			case dto.MetricType_GAUGE:
				v = m.GetGauge().GetValue()
			case dto.MetricType_COUNTER:
				v = m.GetCounter().GetValue()
			default:
				v = m.GetUntyped().GetValue()
			}
			fmt.Fprintf(&b, "%s{%s} %s\n", name, strings.Join(labels, ","), strconv.FormatFloat(v, 'f', -1, 64))
		}
	}
	return b.String(), nil
}

// metrics FILE: parses FILE (stdout: the last command's output) as
// Prometheus' text format and prints MetricsText of it; a file the parser
// rejects fails the script.
func metricsCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: metrics FILE")
	}
	text, err := MetricsText(strings.NewReader(ts.ReadFile(args[0])))
	ts.Check(err)
	_, _ = io.WriteString(ts.Stdout(), text)
}
