// panelsim dashboard: live updates over server-sent events. The journal
// page prepends each new entry the server renders; every other page
// re-reads its live section when the world changes. Nothing else needs JS.
(function () {
  "use strict";
  var body = document.body;
  var base = body.dataset.base || "";
  var self = base + "/_panelsim/ui/" + body.dataset.page;
  var entries = document.getElementById("entries");
  var dot = document.getElementById("live-dot");
  if (!window.EventSource) return;

  var url = base + "/_panelsim/ui/events";
  if (entries) {
    url += "?after=" + entries.dataset.after + (entries.dataset.query ? "&" + entries.dataset.query : "");
  }
  var events = new EventSource(url);
  events.onopen = function () { dot && (dot.className = "on"); body.dataset.live = "on"; };
  events.onerror = function () { dot && (dot.className = "off"); };

  events.addEventListener("entry", function (ev) {
    if (!entries) return;
    var t = document.createElement("template");
    t.innerHTML = ev.data.trim();
    entries.insertBefore(t.content.firstElementChild, entries.firstElementChild);
    var none = document.getElementById("no-entries");
    if (none) none.remove();
    while (entries.children.length > 200) entries.lastElementChild.remove();
  });
  events.addEventListener("reset", function () { if (entries) entries.textContent = ""; });

  // Refreshes are coalesced: a burst of requests costs one re-read.
  var waiting = false;
  events.addEventListener("change", function () {
    if (entries || waiting) return;
    waiting = true;
    setTimeout(refresh, 200);
  });

  function refresh() {
    waiting = false;
    var live = document.getElementById("live");
    var typing = document.activeElement && document.activeElement.tagName === "INPUT";
    if (!live || (typing && live.contains(document.activeElement))) return;
    var at = location.pathname === self ? self + location.search : self;
    fetch(at, { headers: { Accept: "text/html" } }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (!html) return;
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live");
      if (fresh) live.replaceWith(fresh);
      body.dataset.refreshed = String(Number(body.dataset.refreshed || 0) + 1);
    }).catch(function () {});
  }
})();
