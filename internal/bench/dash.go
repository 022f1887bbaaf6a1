package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/deploytag/deploytag/pkg/place"
)

// The what-runs-where server (show_deploy_tag --all --serve): the cost of
// /environments.json must not grow with deploys.log, which it reads from
// its end. Two servers run side by side over DashEnvs environments each,
// one whose logs hold DashShort lines and one whose logs hold DashLong;
// batches of requests alternate between them.
const (
	DashCase    = "show_deploy_tag --all --serve /environments.json"
	DashEnvs    = 10
	DashShort   = 10
	DashLong    = 100_000
	DashTarget  = 2.0 // long over short
	dashBatch   = 50  // requests timed together
	dashBatches = 9
)

// dashRow is the result, reported in its own table.
type dashRow struct {
	short, long time.Duration // median time of one request
	err         string
}

// dashFixture makes basedir/deploy.toml naming envs environments, each
// root holding one release (DEPLOY_TAG, DEPLOY_MANIFEST, current) and a
// deploys.log of lines attempts, the last one the successful deploy of the
// live tag, as the deploy tool leaves it.
func (b *Bench) dashFixture(name string, envs, lines int) (string, error) {
	dir := filepath.Join(b.tmp, name)
	base := filepath.Join(dir, "base")
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", err
	}
	var cfg strings.Builder
	man := ""
	for r := range 12 {
		man += fmt.Sprintf("repo-%02d  %040x\n", r, r+1)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for e := range envs {
		env := fmt.Sprintf("env-%02d", e)
		root := filepath.Join(dir, "roots", env)
		fmt.Fprintf(&cfg, "[environments.%s]\nroot = %q\n\n", env, root)
		live := fmt.Sprintf("DEPLOY_%s_%07x", t0.Add(time.Duration(lines)*time.Minute).Format("20060102_150405"), e)
		rel := filepath.Join(root, "releases", live)
		if err := os.MkdirAll(rel, 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(rel, place.TagFile), []byte(live+"\n"), 0o644); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(rel, place.ManifestFile), []byte(man), 0o644); err != nil {
			return "", err
		}
		if err := os.Symlink(filepath.Join("releases", live), filepath.Join(root, "current")); err != nil {
			return "", err
		}
		f, err := os.Create(filepath.Join(root, place.LogFile))
		if err != nil {
			return "", err
		}
		w := bufio.NewWriter(f)
		for i := range lines {
			at := t0.Add(time.Duration(i) * time.Minute)
			tag, outcome, errKey := fmt.Sprintf("DEPLOY_%s_%07x", at.Format("20060102_150405"), i), "ok", ""
			if i == lines-1 {
				tag = live
			} else if i%10 == 7 {
				outcome, errKey = "failed", `,"error":"command ./deploy.sh failed: exit status 1 (current left at the previous release)"`
			}
			fmt.Fprintf(w, `{"time":%q,"environment":%q,"tag":%q,"user":"deployer","host":"deploy-01","outcome":%q%s}`+"\n",
				at.Format(time.RFC3339), env, tag, outcome, errKey)
		}
		if err := w.Flush(); err != nil {
			return "", err
		}
		if err := f.Close(); err != nil {
			return "", err
		}
	}
	return base, os.WriteFile(filepath.Join(base, "deploy.toml"), []byte(cfg.String()), 0o644)
}

var servingRE = regexp.MustCompile(`serving (http://[0-9.:]+/)`)

// dashServe starts the server over base on a free loopback port and
// returns its URL and a stop function.
func (b *Bench) dashServe(base string) (string, func(), error) {
	cmd := b.cmd(filepath.Join(b.bin, "show_deploy_tag"), "--all", "--basedir", base, "--quiet", "--serve", "127.0.0.1:0")
	cmd.Env = b.env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
			go func() { _, _ = io.Copy(io.Discard, stderr) }()
			return m[1], stop, nil
		}
	}
	stop()
	return "", nil, fmt.Errorf("show_deploy_tag --serve did not say where it serves")
}

// dashBench measures /environments.json over short and long logs.
func (b *Bench) dashBench() dashRow {
	fail := func(err error) dashRow { return dashRow{err: err.Error()} }
	b.logf("what runs where: %d environments with %d and with %d log lines", DashEnvs, DashShort, DashLong)
	var urls []string
	for _, lines := range []int{DashShort, DashLong} {
		base, err := b.dashFixture(fmt.Sprintf("dash-%d", lines), DashEnvs, lines)
		if err != nil {
			return fail(err)
		}
		url, stop, err := b.dashServe(base)
		if err != nil {
			return fail(err)
		}
		defer stop()
		urls = append(urls, url+"environments.json")
	}
	client := &http.Client{Timeout: 30 * time.Second}
	get := func(url string) error {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"deployed_at": "2026-`) {
			return fmt.Errorf("GET %s: %d %.200s", url, resp.StatusCode, body)
		}
		return nil
	}
	for _, u := range urls { // warm up, and check the answer
		if err := get(u); err != nil {
			return fail(err)
		}
	}
	times := make([][]time.Duration, 2)
	err := b.inTurn(2, dashBatches, 0, func(side int, _ bool) error {
		start := time.Now()
		for range dashBatch {
			if err := get(urls[side]); err != nil {
				return err
			}
		}
		times[side] = append(times[side], time.Since(start)/dashBatch)
		return nil
	})
	if err != nil {
		return fail(err)
	}
	row := dashRow{short: median(times[0]), long: median(times[1])}
	b.logf("  /environments.json: %v (%d lines) vs %v (%d lines) = %.2f", row.long, DashLong, row.short, DashShort,
		row.long.Seconds()/row.short.Seconds())
	return row
}

func (r dashRow) table() string {
	var s strings.Builder
	s.WriteString("| environments | log lines each | against | batches × requests | median per request | baseline median | ratio | target |\n")
	s.WriteString("|---:|---:|---|---:|---:|---:|---:|---|\n")
	if r.err != "" {
		fmt.Fprintf(&s, "| %d | %d | %d lines each | | | | | FAILED: %s |\n", DashEnvs, DashLong, DashShort, firstLines(r.err, 1))
		return s.String()
	}
	ratio := r.long.Seconds() / r.short.Seconds()
	fmt.Fprintf(&s, "| %d | %d | %d lines each | %d × %d | %.2f ms | %.2f ms | %.2f | %s |\n", DashEnvs, DashLong, DashShort,
		dashBatches, dashBatch, ms(r.long), ms(r.short), ratio, verdict(ratio, DashTarget))
	return s.String()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
