// A display screen: shows one panel at a time and, after each round, refreshes
// every panel from /screen/{id}/data. It runs for days in a hall, so nothing may
// grow: one timer for the life of the page (a one-second tick that also drives the
// clock), panels' children replaced rather than appended, one request at a time
// (aborted after 10 s), and no listeners added after start. A flowchart panel is
// left as drawn; a new chart reloads the page.
(function () {
  "use strict";
  var body = document.getElementById("screen");
  var main = document.getElementById("screen-panels");
  if (!body || !main) { return; }
  var id = body.getAttribute("data-id");
  var seconds = Math.max(5, parseInt(body.getAttribute("data-seconds"), 10) || 15);
  var clock = document.getElementById("screen-clock");
  var updated = document.getElementById("screen-updated");
  var shown = 0;
  var elapsed = 0;
  var round = 1;
  var busy = false;

  function panels() { return main.querySelectorAll(".screen-panel"); }

  function show(index) {
    var all = panels();
    for (var i = 0; i < all.length; i++) { all[i].hidden = i !== index; }
  }

  function two(n) { return (n < 10 ? "0" : "") + n; }

  // China time (UTC+8, no daylight saving) whatever the device's zone is set to.
  function tickClock() {
    if (!clock) { return; }
    var t = new Date(Date.now() + 8 * 3600 * 1000);
    clock.textContent = two(t.getUTCHours()) + ":" + two(t.getUTCMinutes()) + ":" + two(t.getUTCSeconds());
  }

  function cell(tag, text) {
    var node = document.createElement(tag);
    node.textContent = text;
    return node;
  }

  function fill(section, panel) {
    // A flowchart panel keeps its server-drawn chart; when the chart to show has
    // turned (hourly), the page is reloaded rather than markup parsed here.
    if (panel.chart || section.hasAttribute("data-chart")) {
      if (panel.chart !== section.getAttribute("data-chart")) { window.location.reload(); }
      return;
    }
    var tbody = document.createElement("tbody");
    panel.rows.forEach(function (row) {
      var tr = document.createElement("tr");
      if (row[2]) { tr.className = row[2]; }
      var th = cell("th", row[0]);
      th.setAttribute("scope", "row");
      tr.appendChild(th);
      tr.appendChild(cell("td", row[1]));
      tbody.appendChild(tr);
    });
    var table = document.createElement("table");
    table.appendChild(tbody);
    var note = cell("p", panel.note);
    note.className = "screen-note";
    section.replaceChildren(cell("h2", panel.title), table, note);
  }

  function refresh() {
    if (busy) { return; }
    busy = true;
    round += 1;
    var controller = new AbortController();
    var timeout = setTimeout(function () { controller.abort(); }, 10000);
    fetch("/screen/" + encodeURIComponent(id) + "/data?page=" + round, {
      signal: controller.signal, credentials: "same-origin", cache: "no-store"
    }).then(function (response) {
      if (response.status === 404) { window.location.reload(); return null; }
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data) { return; }
      var all = panels();
      if (data.panels.length !== all.length || data.seconds !== seconds) { window.location.reload(); return; }
      data.panels.forEach(function (panel, i) { fill(all[i], panel); });
      if (updated) { updated.textContent = data.updated; }
    }).catch(function () {
      // Offline for a moment: keep showing what we have and try next round.
    }).then(function () {
      clearTimeout(timeout);
      busy = false;
    });
  }

  tickClock();
  setInterval(function () {
    tickClock();
    elapsed += 1;
    if (elapsed < seconds) { return; }
    elapsed = 0;
    var count = panels().length;
    shown = (shown + 1) % Math.max(1, count);
    if (shown === 0) { refresh(); }
    show(shown);
  }, 1000);
})();
