package live_test

import (
	"testing"

	"github.com/deploytag/deploytag/internal/browsertest"
	"github.com/deploytag/deploytag/pkg/live"
)

// harness is served beside the page, on the same origin, only in this
// test: it loads the page in a frame, checks that the tag is visible,
// clicks the copy button and writes what it saw into #result, which
// chromium's --dump-dom then prints.
const harness = `<!DOCTYPE html><html><body><pre id="result">pending</pre>
<iframe id="f" src="/" width="900" height="600"></iframe>
<script>
var frame = document.getElementById('f');
function report(o) { document.getElementById('result').textContent = JSON.stringify(o); }
frame.addEventListener('load', function () {
  var doc = frame.contentDocument, win = frame.contentWindow;
  var tag = doc.getElementById('tag'), button = doc.getElementById('copy'), status = doc.getElementById('status');
  var r = tag.getBoundingClientRect(), cs = win.getComputedStyle(tag);
  var seen = {
    text: tag.textContent,
    visible: r.width > 0 && r.height > 0 && cs.visibility === 'visible' && cs.display !== 'none' && cs.opacity !== '0',
    button: button ? button.textContent : null
  };
  button.click();
  var tries = 0;
  (function wait() {
    if (!status.getAttribute('data-copied') && tries++ < 100) { setTimeout(wait, 20); return; }
    seen.selection = win.getSelection().toString();
    seen.copied = status.getAttribute('data-copied');
    seen.status = status.textContent;
    report(seen);
  })();
});
</script></body></html>`

// The page, checked in a real headless browser: the tag is visible and the
// copy button selects it (and copies it where the browser allows).
func TestPageInHeadlessChromium(t *testing.T) {
	bin := browsertest.Chromium(t)
	root := t.TempDir()
	install(t, root, tag1, nil)
	url := browsertest.Serve(t, live.NewHandler(live.HandlerOptions{Source: live.Source{Root: root}}), harness)
	var seen struct {
		Text, Button, Selection, Copied, Status string
		Visible                                 bool
	}
	browsertest.Result(t, bin, url, &seen)
	if seen.Text != tag1 || !seen.Visible {
		t.Errorf("tag shown as %q, visible=%v; want %s visible", seen.Text, seen.Visible, tag1)
	}
	if seen.Selection != tag1 {
		t.Errorf("after the copy button the selection is %q, want the tag", seen.Selection)
	}
	if seen.Copied != "yes" && seen.Copied != "no" || seen.Status == "" {
		t.Errorf("the copy button reported nothing: copied=%q status=%q", seen.Copied, seen.Status)
	}
}
