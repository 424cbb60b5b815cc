// Live parts of a release page (docs/dashboard.md, "Following a release"). The page reads without
// this script (it then reloads itself); with it, each event of the release (server-sent events)
// makes the page fetch itself again, at most twice a second, and put in the new status, timeline
// and hosts table: the server draws the picture from every event so far, the same one it draws
// after the release. When the release ends, its events end, and the page is redrawn once more in
// its final state.
(function () {
  var el = document.getElementById("release");
  var url = el && el.getAttribute("data-events");
  if (!url || !window.EventSource || !window.fetch) return;
  var parts = ["release", "chart", "transfers"];
  var pending = false, again = false, ended = false;
  function redraw() {
    if (pending) { again = true; return; }
    pending = true;
    setTimeout(function () {
      fetch(location.href, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          // a host's details or a task's output the reader opened (or closed) stays so
          document.querySelectorAll("details").forEach(function (d) {
            var same = doc.querySelector(key(d));
            if (same && key(d) !== "details") same.open = d.open;
          });
          parts.forEach(function (id) {
            var now = document.getElementById(id), next = doc.getElementById(id);
            if (now && next) now.replaceWith(document.importNode(next, true));
          });
          var title = doc.querySelector("title");
          if (title) document.title = title.textContent;
        })
        .catch(function () {})
        .finally(function () {
          pending = false;
          if (again) { again = false; redraw(); }
        });
    }, 500);
  }
  function key(d) {
    var host = d.closest("[data-host]"), sel = "";
    if (d.id) return "details#" + CSS.escape(d.id);
    if (host) sel = "details[data-host=\"" + CSS.escape(host.getAttribute("data-host")) + "\"]";
    if (d.hasAttribute("data-task")) sel += " details[data-task=\"" + CSS.escape(d.getAttribute("data-task")) + "\"]";
    return sel || "details";
  }
  var source = new EventSource(url);
  source.onmessage = redraw;
  // the stream ends with the release (or the session): draw the final state once, stop
  source.onerror = function () {
    if (ended) return;
    ended = true;
    source.close();
    redraw();
  };
})();
