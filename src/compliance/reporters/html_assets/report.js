/* The findings table of the HTML report: filters, sorting, paging and per-finding details.
   Every value from the report is put in the page with textContent, never as markup. */
(function () {
  "use strict";
  var errors = document.getElementById("js-errors");
  window.addEventListener("error", function (event) {
    errors.textContent += String(event.message) + "\n";
  });
  var W = JSON.parse(document.getElementById("report-words").textContent);
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var F = D.f;
  var PAGE = 200;
  var SEV_RANK = {critical: 4, high: 3, medium: 2, low: 1, info: 0};
  // A finding row: see `_finding_row` in reporters/html.py for the positions.
  var columns = [
    {key: "n", label: W.col.n, num: true, get: function (f, i) { return i; }},
    {key: "rule", label: W.col.rule, get: function (f) { return D.rules[f[0]][0]; }},
    {key: "severity", label: W.col.severity,
      get: function (f) { return -SEV_RANK[D.rules[f[0]][2]]; },
      show: function (f) { return W.sev[D.rules[f[0]][2]]; }},
    {key: "outcome", label: W.col.outcome, get: function (f) { return f[1]; },
      show: function (f) { return W.outcome[D.outcomes[f[1]]]; }},
    {key: "subject", label: W.col.subject, get: function (f) { return f[2]; }},
    {key: "site", label: W.col.site, get: function (f) { return f[3] < 0 ? "" : D.sites[f[3]]; }},
    {key: "staff", label: W.col.staff,
      get: function (f) { return f[4] < 0 ? "" : D.staff[f[4]]; }},
    {key: "start", label: W.col.start, time: true, get: function (f) { return f[6] || ""; }},
    {key: "due", label: W.col.due, time: true, get: function (f) { return f[9] || ""; }},
    {key: "stop", label: W.col.stop, time: true, get: function (f) { return f[8] || ""; }},
    {key: "late", label: W.col.late, num: true,
      get: function (f) { return f[10] === null ? -1 : f[10]; },
      show: function (f) { return f[11] || ""; }}
  ];
  // `open`: the number (1-based, in report order) of a finding shown with its details, so that
  // an address can point at one finding.
  var state = {rule: "", outcome: "", site: "", staff: "", q: "", sort: "n", dir: "asc", page: 0,
    open: ""};
  var open = {};
  var jump = false;
  var haystack = null;
  var view = [];

  function byId(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function shortTime(t) { return t ? t.slice(0, 16).replace("T", " ") : ""; }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return String(values[k]); });
  }
  function option(select, value, label) {
    var o = el("option", null, label);
    o.value = value;
    select.appendChild(o);
  }

  function readHash() {
    var hash = window.location.hash.replace(/^#/, "");
    if (!hash) { return; }
    hash.split("&").forEach(function (part) {
      var eq = part.indexOf("=");
      if (eq < 0) { return; }
      var key = decodeURIComponent(part.slice(0, eq));
      var value = decodeURIComponent(part.slice(eq + 1).replace(/\+/g, " "));
      if (Object.prototype.hasOwnProperty.call(state, key)) {
        state[key] = key === "page" ? Math.max(0, (parseInt(value, 10) || 1) - 1) : value;
      }
    });
    var n = parseInt(state.open, 10);
    if (n >= 1 && n <= F.length) {
      open[n - 1] = true;
      jump = true;
    } else {
      state.open = "";
    }
  }
  function writeHash() {
    var parts = [];
    Object.keys(state).forEach(function (key) {
      var value = key === "page" ? state.page + 1 : state[key];
      var dflt = {sort: "n", dir: "asc", page: 1}[key];
      if (value !== "" && value !== dflt) {
        parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(value));
      }
    });
    try {
      history.replaceState(null, "", parts.length ? "#" + parts.join("&") : "#");
    } catch (e) { /* some viewers forbid history on file: pages; the state still applies */ }
  }

  function buildHaystack() {
    haystack = new Array(F.length);
    for (var i = 0; i < F.length; i++) {
      var f = F[i];
      var rule = D.rules[f[0]];
      var parts = [rule[0], rule[1], rule[3], f[2], f[15], f[5] || "", f[7] || "",
        f[3] < 0 ? "" : D.sites[f[3]], f[4] < 0 ? "" : D.staff[f[4]], f[16] || "", f[17] || ""];
      var ev = f[19];
      for (var j = 0; j < ev.length; j++) { parts.push(ev[j][0]); }
      haystack[i] = parts.join("\u0001").toLowerCase();
    }
  }

  function compute() {
    var ruleIx = -1, outcomeIx = -1, siteIx = -2, staffIx = -2;
    if (state.rule) { ruleIx = D.rules.findIndex(function (r) { return r[0] === state.rule; }); }
    if (state.outcome) { outcomeIx = D.outcomes.indexOf(state.outcome); }
    if (state.site) { siteIx = state.site === "-" ? -1 : D.sites.indexOf(state.site); }
    if (state.staff) { staffIx = state.staff === "-" ? -1 : D.staff.indexOf(state.staff); }
    var q = state.q.trim().toLowerCase();
    if (q && haystack === null) { buildHaystack(); }
    var none = (state.rule && ruleIx < 0) || (state.outcome && outcomeIx < 0) ||
      (state.site && siteIx === -2) || (state.staff && staffIx === -2);
    view = [];
    if (!none) {
      for (var i = 0; i < F.length; i++) {
        var f = F[i];
        if (ruleIx >= 0 && f[0] !== ruleIx) { continue; }
        if (outcomeIx >= 0 && f[1] !== outcomeIx) { continue; }
        if (siteIx !== -2 && f[3] !== siteIx) { continue; }
        if (staffIx !== -2 && f[4] !== staffIx) { continue; }
        if (q && haystack[i].indexOf(q) < 0) { continue; }
        view.push(i);
      }
    }
    var col = columns.find(function (c) { return c.key === state.sort; }) || columns[0];
    var sign = state.dir === "desc" ? -1 : 1;
    if (col.key !== "n" || sign < 0) {
      var keys = new Array(F.length);
      view.forEach(function (i) { keys[i] = col.get(F[i], i); });
      view.sort(function (a, b) {
        var x = keys[a], y = keys[b];
        if (x < y) { return -sign; }
        if (x > y) { return sign; }
        return a - b;
      });
    }
  }

  function renderTally() {
    var counts = D.outcomes.map(function () { return 0; });
    view.forEach(function (i) { counts[F[i][1]] += 1; });
    var tally = byId("f-tally");
    tally.replaceChildren();
    D.outcomes.forEach(function (code, k) {
      var item = el("span", "o-" + code);
      item.setAttribute("data-outcome", code);
      item.appendChild(document.createTextNode(W.outcome[code] + " "));
      item.appendChild(el("b", "n", counts[k]));
      tally.appendChild(item);
    });
  }

  function cell(tr, text, cls) { tr.appendChild(el("td", cls, text)); }

  function detail(i) {
    var f = F[i];
    var rule = D.rules[f[0]];
    var box = el("div");
    box.appendChild(el("p", null, f[15]));
    var facts = [];
    if (f[16]) { facts.push(W.period + ": " + f[16]); }
    if (f[18]) { facts.push(W.due_basis + ": " + f[18]); }
    if (f[17]) { facts.push(W.reason + ": " + f[17]); }
    if (f[20]) { facts.push(W.waiver + ": " + f[20]); }
    if (f[21] === true) { facts.push(W.new); } else if (f[21] === false) { facts.push(W.known); }
    facts.forEach(function (t) { box.appendChild(el("p", "note", t)); });
    box.appendChild(el("h3", null, W.timeline));
    var steps = [];
    var known = {};
    if (f[5]) { steps.push({t: f[6], label: W.start, id: f[5]}); known[f[5]] = 1; }
    if (f[7]) { known[f[7]] = 1; }
    f[19].forEach(function (ev) {
      if (!known[ev[0]]) {
        known[ev[0]] = 1;
        steps.push({t: ev[4], label: D.types[ev[3]], id: ev[0]});
      }
    });
    if (f[9]) { steps.push({t: f[9], label: f[14] ? W.earliest : W.due, cls: "due"}); }
    if (f[7]) {
      steps.push({t: f[8], label: W.stop, id: f[7], cls: f[10] ? "late" : ""});
    } else if (f[5] && (D.outcomes[f[1]] === "violated" || D.outcomes[f[1]] === "pending" ||
               D.outcomes[f[1]] === "waived")) {
      steps.push({t: D.as_of, label: W.open_at_as_of, cls: f[10] ? "late" : ""});
    }
    steps.forEach(function (s, k) { s.k = k; s.ms = Date.parse(s.t); });
    steps.sort(function (a, b) { return (a.ms - b.ms) || (a.k - b.k); });
    var ol = el("ol", "timeline");
    steps.forEach(function (s) {
      var li = el("li", s.cls || null);
      li.appendChild(el("span", "time", shortTime(s.t)));
      li.appendChild(document.createTextNode(s.label + (s.id ? " (" + s.id + ")" : "")));
      ol.appendChild(li);
    });
    box.appendChild(ol);
    var sums = [];
    if (f[12]) { sums.push(W.elapsed + " " + f[12]); }
    if (f[13]) { sums.push(W.paused + " " + f[13]); }
    if (f[11]) { sums.push(W.late + " " + f[11]); }
    if (f[14]) { sums.push(W.short + " " + f[14]); }
    if (sums.length) { box.appendChild(el("p", "how-late", sums.join(" · "))); }
    box.appendChild(el("h3", null, W.evidence + " (" + rule[0] + ")"));
    var table = el("table", "evidence");
    var head = el("tr");
    [W.ev_id, W.ev_where, W.ev_type, W.ev_time].forEach(function (h) {
      head.appendChild(el("th", null, h));
    });
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    f[19].forEach(function (ev) {
      var tr = el("tr");
      cell(tr, ev[0]);
      cell(tr, D.files[ev[1]] + ":" + ev[2]);
      cell(tr, D.types[ev[3]]);
      cell(tr, ev[4], "t");
      body.appendChild(tr);
    });
    table.appendChild(body);
    box.appendChild(table);
    return box;
  }

  function renderRows() {
    var tbody = byId("f-rows");
    tbody.replaceChildren();
    var pages = Math.max(1, Math.ceil(view.length / PAGE));
    if (state.page >= pages) { state.page = pages - 1; }
    var from = state.page * PAGE;
    var to = Math.min(view.length, from + PAGE);
    var frag = document.createDocumentFragment();
    for (var k = from; k < to; k++) {
      var i = view[k];
      var f = F[i];
      var tr = el("tr", "row");
      tr.setAttribute("data-i", String(i));
      columns.forEach(function (c) {
        var text = c.key === "n" ? i + 1 : (c.show ? c.show(f) : c.get(f, i));
        if (c.time) { text = shortTime(text); }
        var td = el("td", c.num ? "n" : (c.time ? "t" : null), text);
        if (c.key === "outcome") { td.className = "o-" + D.outcomes[f[1]]; }
        tr.appendChild(td);
      });
      frag.appendChild(tr);
      if (open[i]) { frag.appendChild(detailRow(i)); }
    }
    tbody.appendChild(frag);
    byId("f-from").textContent = String(view.length ? from + 1 : 0);
    byId("f-to").textContent = String(to);
    byId("f-matched").textContent = String(view.length);
    byId("f-page").textContent = String(state.page + 1);
    byId("f-pages").textContent = String(pages);
    byId("f-prev").disabled = state.page === 0;
    byId("f-next").disabled = state.page >= pages - 1;
    byId("f-empty").hidden = view.length > 0;
  }

  function detailRow(i) {
    var tr = el("tr", "detail");
    tr.id = "finding-" + (i + 1);
    var td = el("td");
    td.colSpan = columns.length;
    td.appendChild(detail(i));
    tr.appendChild(td);
    return tr;
  }

  function renderHead() {
    var head = byId("f-head");
    head.replaceChildren();
    columns.forEach(function (c) {
      var th = el("th", c.num ? "n" : null);
      var button = el("button", null, c.label);
      button.type = "button";
      button.addEventListener("click", function () {
        if (state.sort === c.key) {
          state.dir = state.dir === "asc" ? "desc" : "asc";
        } else {
          state.sort = c.key;
          state.dir = c.key === "late" ? "desc" : "asc";
        }
        state.page = 0;
        update();
      });
      th.appendChild(button);
      if (state.sort === c.key) {
        th.setAttribute("aria-sort", state.dir === "asc" ? "ascending" : "descending");
      }
      head.appendChild(th);
    });
  }

  function update() {
    compute();
    if (jump) {
      var at = view.indexOf(Number(state.open) - 1);
      if (at >= 0) { state.page = Math.floor(at / PAGE); }
      jump = false;
    }
    renderHead();
    renderTally();
    renderRows();
    writeHash();
  }

  function setupControls() {
    var rule = byId("f-rule"), outcome = byId("f-outcome"), site = byId("f-site");
    var staff = byId("f-staff"), q = byId("f-q");
    option(rule, "", W.all);
    D.rules.forEach(function (r) { option(rule, r[0], r[0] + " " + r[3]); });
    option(outcome, "", W.all);
    D.outcomes.forEach(function (o) { option(outcome, o, W.outcome[o]); });
    [[site, D.sites], [staff, D.staff]].forEach(function (pair) {
      option(pair[0], "", W.all);
      pair[1].forEach(function (v) { option(pair[0], v, v); });
      option(pair[0], "-", W.none);
    });
    rule.value = state.rule; outcome.value = state.outcome; site.value = state.site;
    staff.value = state.staff; q.value = state.q;
    [[rule, "rule"], [outcome, "outcome"], [site, "site"], [staff, "staff"]].forEach(
      function (pair) {
        pair[0].addEventListener("change", function () {
          state[pair[1]] = pair[0].value;
          state.page = 0;
          update();
        });
      });
    var timer = null;
    q.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { state.q = q.value; state.page = 0; update(); }, 150);
    });
    byId("f-prev").addEventListener("click", function () {
      state.page = Math.max(0, state.page - 1); renderRows(); writeHash();
    });
    byId("f-next").addEventListener("click", function () {
      state.page += 1; renderRows(); writeHash();
    });
    byId("f-rows").addEventListener("click", function (event) {
      var tr = event.target.closest("tr.row");
      if (!tr) { return; }
      var i = Number(tr.getAttribute("data-i"));
      if (open[i]) {
        delete open[i];
        if (tr.nextSibling && tr.nextSibling.className === "detail") { tr.nextSibling.remove(); }
        if (state.open === String(i + 1)) { state.open = ""; }
      } else {
        open[i] = true;
        tr.after(detailRow(i));
        state.open = String(i + 1);
      }
      writeHash();
    });
  }

  readHash();
  setupControls();
  update();
  byId("f-total").textContent = String(F.length);
  var target = state.open && byId("finding-" + state.open);
  if (target && target.previousSibling) { target.previousSibling.scrollIntoView(); }
  document.body.setAttribute("data-render-ms", String(Math.round(performance.now())));
  document.body.setAttribute("data-ready", "1");
}());
