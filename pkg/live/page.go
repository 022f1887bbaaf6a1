package live

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

// The parts every page for people shares, this package's and the
// dashboard's: the copy buttons' script, the security policy and the
// headers of a read-only answer.

// CopyScript makes each button.copy on a page select the element named by
// its data-for attribute and copy that element's text where the browser
// allows. The element after the button (its status) then says which, in
// its text and in data-copied ("yes" copied, "no" only selected).
const CopyScript = `
(function () {
  function legacyCopy() {
    try { return document.execCommand('copy'); } catch (e) { return false; }
  }
  var buttons = document.querySelectorAll('button.copy');
  Array.prototype.forEach.call(buttons, function (button) {
    var tag = document.getElementById(button.getAttribute('data-for'));
    var status = button.nextElementSibling;
    function done(ok) {
      status.textContent = ok ? 'Copied' : 'Selected: press Ctrl+C (Cmd+C)';
      status.setAttribute('data-copied', ok ? 'yes' : 'no');
    }
    button.addEventListener('click', function () {
      var range = document.createRange();
      range.selectNodeContents(tag);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      var text = tag.textContent;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(legacyCopy()); });
      } else {
        done(legacyCopy());
      }
    });
  });
})();
`

// PagePolicy is the Content-Security-Policy of a page whose script and
// style are the constants script and style: it allows those two by their
// hashes, loads nothing else from anywhere, and only its own origin may
// frame it.
func PagePolicy(script, style string) string {
	return "default-src 'none'; script-src '" + hashSource(script) + "'; style-src '" +
		hashSource(style) + "'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
}

func hashSource(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// SetPageHeaders marks an answer as an HTML page under policy (from
// PagePolicy) that sends no referrer.
func SetPageHeaders(hd http.Header, policy string) {
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", policy)
	hd.Set("Referrer-Policy", "no-referrer")
}

// ReadOnly answers a request that is neither GET nor HEAD with 405 and
// reports false. Otherwise it sets what every answer of a read-only
// handler carries (not cached, not sniffed) and reports true.
func ReadOnly(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return false
	}
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	return true
}
