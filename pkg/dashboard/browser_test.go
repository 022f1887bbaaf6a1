package dashboard_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/browsertest"
	"github.com/deploytag/deploytag/pkg/dashboard"
)

// harness is served beside the pages, on the same origin, only in this
// test. It loads / in a frame and reads the overview as a person sees it,
// clicks a copy button, follows the link to production and reads its
// history, then writes what it saw into #result, which chromium's
// --dump-dom prints.
const harness = `<!DOCTYPE html><html><body><pre id="result">pending</pre>
<iframe id="f" src="/" width="1200" height="900"></iframe>
<script>
var frame = document.getElementById('f'), seen = {}, step = 0;
function report() { document.getElementById('result').textContent = JSON.stringify(seen); }
function visible(win, el) {
  var r = el.getBoundingClientRect(), cs = win.getComputedStyle(el);
  return r.width > 0 && r.height > 0 && cs.visibility === 'visible' && cs.display !== 'none';
}
frame.addEventListener('load', function () {
  var doc = frame.contentDocument, win = frame.contentWindow;
  try {
    if (step++ === 0) {
      seen.overview = Array.prototype.map.call(doc.querySelectorAll('#overview tr.env'), function (tr) {
        var tag = tr.querySelector('code.tag');
        return { env: tr.querySelector('a.env-link').textContent, tag: tag ? tag.textContent : null, visible: tag ? visible(win, tag) : false };
      });
      seen.compare = Array.prototype.map.call(doc.querySelectorAll('#compare tr.differs'), function (tr) { return tr.getAttribute('data-repo'); });
      var button = doc.querySelector('button.copy');
      button.click();
      seen.selection = win.getSelection().toString();
      var links = doc.querySelectorAll('a.env-link');
      for (var i = 0; i < links.length; i++) {
        if (links[i].textContent === 'production') { links[i].click(); return; }
      }
      seen.error = 'no link to production';
      report();
      return;
    }
    seen.page = doc.querySelector('h1').textContent;
    seen.history = Array.prototype.map.call(doc.querySelectorAll('#history li.deploy'), function (li) {
      var badges = Array.prototype.map.call(li.querySelectorAll('.badge'), function (b) {
        return b.textContent + (visible(win, b) ? '' : ' (hidden)');
      });
      return { tag: li.getAttribute('data-tag'), badges: badges };
    });
    seen.subjects = Array.prototype.map.call(doc.querySelectorAll('.subject'), function (s) { return s.textContent; });
    seen.scripts = doc.querySelectorAll('script').length;
  } catch (e) {
    seen.error = String(e);
  }
  report();
});
</script></body></html>`

// The pages in a real headless browser: the overview lists the three
// environments with their live tags, its copy button selects a tag, and
// production's history, reached by its link, marks the rollback.
func TestPagesInHeadlessChromium(t *testing.T) {
	bin := browsertest.Chromium(t)
	s := newSystem(t)
	srv, err := dashboard.New(dashboard.Options{Envs: s.envs, Git: s.g, Repos: s.repos, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	url := browsertest.Serve(t, srv, harness)
	defer func() {
		if !t.Failed() {
			return
		}
		// What the browser showed, for whoever reads the failure.
		dir := t.ArtifactDir()
		for name, path := range map[string]string{"overview.png": "/", "production.png": "/environments/production"} {
			if _, err := browsertest.Run(t, bin, "--window-size=1200,1000", "--screenshot="+filepath.Join(dir, name), url+path); err != nil {
				t.Logf("screenshot %s: %v", name, err)
			}
		}
		t.Logf("screenshots in %s (kept with go test -artifacts)", dir)
	}()

	var seen struct {
		Overview []struct {
			Env, Tag string
			Visible  bool
		}
		Compare   []string
		Selection string
		Page      string
		History   []struct {
			Tag    string
			Badges []string
		}
		Subjects []string
		Scripts  int
		Error    string
	}
	browsertest.Result(t, bin, url, &seen)
	if seen.Error != "" {
		t.Fatalf("the harness failed: %s", seen.Error)
	}
	var envs []string
	for _, o := range seen.Overview {
		envs = append(envs, o.Env+"="+o.Tag)
		if !o.Visible {
			t.Errorf("the tag of %s is not visible", o.Env)
		}
	}
	if want := []string{"production=" + s.T1, "qa=" + s.T3, "dev=" + s.T3}; !slices.Equal(envs, want) {
		t.Errorf("overview shows %v, want %v", envs, want)
	}
	if seen.Selection != s.T1 {
		t.Errorf("the first copy button selected %q, want %s", seen.Selection, s.T1)
	}
	if !slices.Equal(seen.Compare, []string{"tutor-js", "tutor-server"}) {
		t.Errorf("side by side marks %v as differing, want both repos", seen.Compare)
	}
	if seen.Page != "production" {
		t.Fatalf("the production link led to %q", seen.Page)
	}
	var hist []string
	for _, h := range seen.History {
		hist = append(hist, h.Tag+" "+strings.Join(h.Badges, ","))
	}
	want := []string{s.T1 + " ok,rollback", s.T3 + " failed", s.T2 + " ok", s.T1 + " ok"}
	if !slices.Equal(hist, want) {
		t.Errorf("production history shows\n%s\nwant\n%s", strings.Join(hist, "\n"), strings.Join(want, "\n"))
	}
	if !slices.Contains(seen.Subjects, scriptSubject) || seen.Scripts != 1 {
		t.Errorf("the subject %s is not shown as text (subjects %q, %d script elements)", scriptSubject, seen.Subjects, seen.Scripts)
	}
}
