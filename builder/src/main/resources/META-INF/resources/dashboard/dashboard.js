// Live parts of a release page (docs/dashboard.md): the page reads without this script; with it,
// progress events arrive by server-sent events and the timeline is redrawn from the server.
(function () {
  var el = document.getElementById("release");
  var url = el && el.getAttribute("data-events");
  if (!url || !window.EventSource) return;
  var list = document.getElementById("events");
  var pending = false;
  function refresh() {
    if (pending) return;
    pending = true;
    setTimeout(function () {
      fetch(location.href, { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          ["release", "chart", "transfers"].forEach(function (id) {
            var now = document.getElementById(id), next = doc.getElementById(id);
            if (now && next) now.replaceWith(next);
          });
        })
        .finally(function () { pending = false; });
    }, 500);
  }
  var source = new EventSource(url);
  source.onmessage = function (m) {
    var e = JSON.parse(m.data);
    var li = document.createElement("li");
    li.textContent = (e.host || "*") + " " + e.task + " " + e.kind +
      (e.bytes != null ? " " + e.bytes + (e.total ? "/" + e.total : "") + " B" : "") +
      (e.message ? ": " + e.message : "");
    list.appendChild(li);
    refresh();
  };
  source.onerror = function () { source.close(); refresh(); };
})();
