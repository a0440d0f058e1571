
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("report-data").textContent);
  var RISKS = ["high", "medium", "low"];
  var STATUSES = ["fail", "error", "manual", "pass", "not_applicable"];
  var STATUS_LABEL = {fail: "Fail", error: "Error", manual: "Manual", pass: "Pass", not_applicable: "Not applicable"};
  var STATUS_ORDER = {fail: 0, error: 1, manual: 2, pass: 3, not_applicable: 4};
  var RISK_ORDER = {high: 0, medium: 1, low: 2};
  var NO_WORKSPACE = "\u0001none";
  var SVG = "http://www.w3.org/2000/svg";
  var KIND_LABEL = {sql: "SQL", api: "API call", console: "Console"};
  var REVERSIBLE_LABEL = {yes: "Yes", no: "No: a one-way change", partly: "Partly"};
  unshare();
  var findings = DATA.findings.slice();
  // An organization run: one overview row per account (DATA.accounts, absent for a single account), and an
  // account filter and column when the findings span more than one account.
  var ACCOUNTS = DATA.accounts || [];
  var ACCOUNT_NAMES = {};
  ACCOUNTS.forEach(function (a) { if (a.name) { ACCOUNT_NAMES[a.account_id] = a.name; } });
  var FINDING_ACCOUNTS = uniq("account_id");
  var MULTI = FINDING_ACCOUNTS.length > 1;
  var COLUMNS = MULTI ? 9 : 8;

  // The plans' strings that repeat across findings travel once (dwdiag.report.html SHARED): a number in one of
  // the shared fields is the string met with that number earlier, in the order the findings were written.
  function unshare() {
    var shared = DATA.shared;
    if (!shared) { return; }
    var seen = [];
    var take = function (o, k) {
      if (!own(o, k)) { return; }
      var v = o[k];
      if (typeof v === "number") { o[k] = seen[v] === undefined ? "" : seen[v]; }
      else if (typeof v === "string" && seen.length < shared.cap) { seen.push(v); }
    };
    DATA.findings.forEach(function (f) {
      var plan = f && f.remediation;
      if (!isObject(plan)) { return; }
      shared.plan.forEach(function (k) { take(plan, k); });
      (Array.isArray(plan.steps) ? plan.steps : []).forEach(function (step) {
        if (isObject(step)) { shared.step.forEach(function (k) { take(step, k); }); }
      });
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    return e;
  }
  function byId(id) { return document.getElementById(id); }
  function isOpen(f) { return f.status === "fail" && !f.waived; }
  function count(list, pred) { return list.filter(pred).length; }
  function when(iso) { return iso ? String(iso).replace("T", " ").replace(/(\.\d+)?(\+00:00|Z)$/, " UTC") : "-"; }
  function catTitle(c) { return DATA.categories[c] || c; }
  function item(f) { return DATA.items[f.item_id] || {title: f.item_id, doc_url: null}; }
  function stat(cls, id, n, label) {
    var s = el("div", "stat " + cls);
    var num = el("span", "n", n);
    num.id = id;
    s.appendChild(num);
    s.appendChild(el("span", "l", label));
    return s;
  }

  function header() {
    var run = DATA.run;
    byId("run-id").textContent = run.run_id;
    byId("run-time").textContent = when(run.started_at);
    byId("run-regions").textContent = run.regions.join(", ") || "-";
    byId("run-categories").textContent = run.categories.map(catTitle).join(", ") || "-";
    byId("run-source").textContent = run.source;
    byId("run-evaluated").textContent = when(run.evaluated_at);
    var problems = byId("problems");
    (run.problems || []).forEach(function (p) { problems.appendChild(el("div", null, p)); });
  }

  function overview() {
    var open = byId("open-risks");
    RISKS.forEach(function (r) {
      open.appendChild(stat(r, "count-open-" + r,
        count(findings, function (f) { return isOpen(f) && f.risk_level === r; }),
        r.charAt(0).toUpperCase() + r.slice(1) + " risk open"));
    });
    var statuses = byId("by-status");
    STATUSES.forEach(function (s) {
      statuses.appendChild(stat("", "count-status-" + s, count(findings, function (f) { return f.status === s; }),
        STATUS_LABEL[s]));
    });
    statuses.appendChild(stat("", "count-waived", count(findings, function (f) { return !!f.waived; }), "Waived"));
    var ch = DATA.run.changes || {};
    if (Object.keys(ch).length) {
      var changes = byId("changes");
      changes.parentNode.insertBefore(el("div", "caption", "Compared with the previous run"), changes);
      [["new", "New"], ["existing", "Still open"], ["resolved", "Resolved"], ["regressions", "Regressions"]]
        .forEach(function (p) { changes.appendChild(stat("", "count-change-" + p[0], ch[p[0]] || 0, p[1])); });
    }
    var cats = byId("categories");
    DATA.run.categories.forEach(function (c) {
      var mine = findings.filter(function (f) { return f.category === c; });
      var card = el("div", "card cat");
      card.id = "cat-" + c;
      card.appendChild(el("h3", null, catTitle(c)));
      var risks = el("div", "risks");
      RISKS.forEach(function (r) {
        var n = count(mine, function (f) { return isOpen(f) && f.risk_level === r; });
        var pill = el("span", "pill risk-" + r, r + " " + n);
        pill.id = "cat-" + c + "-open-" + r;
        risks.appendChild(pill);
      });
      card.appendChild(risks);
      card.appendChild(el("div", "line", STATUSES.slice(0, 4).map(function (s) {
        return STATUS_LABEL[s] + " " + count(mine, function (f) { return f.status === s; });
      }).join(" \u00b7 ")));
      cats.appendChild(card);
    });
  }

  function accountLabel(id) {
    if (id === NO_WORKSPACE) { return "(no account)"; }
    return ACCOUNT_NAMES[id] ? ACCOUNT_NAMES[id] + " (" + id + ")" : id;
  }

  function showAccount(id) {
    var select = byId("f-account");
    if (!select) { return; }
    select.value = id;
    apply();
    var table = document.querySelector("table.findings");
    if (table && table.scrollIntoView) { table.scrollIntoView(); }
  }

  function accounts() {
    if (!ACCOUNTS.length) { return; }
    var section = el("section", "card accounts");
    section.id = "accounts";
    section.appendChild(el("h2", null, "Accounts"));
    var refused = count(ACCOUNTS, function (a) { return a.unreachable; });
    var swept = count(ACCOUNTS, function (a) { return a.swept === "yes"; });
    var caption = el("div", "caption", ACCOUNTS.length + " account" + (ACCOUNTS.length === 1 ? "" : "s") + ": " +
      swept + " swept, " + refused + " whose role could not be assumed, " +
      (ACCOUNTS.length - swept - refused) + " not swept");
    caption.id = "accounts-caption";
    section.appendChild(caption);
    var table = el("table", "accounts");
    var head = el("tr");
    ["Account", "Folder", "Directory status", "Swept", "High open", "Medium open", "Low open", "Errors", "Findings", ""]
      .forEach(function (h) { head.appendChild(el("th", null, h)); });
    var thead = el("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    var body = el("tbody");
    body.id = "accounts-body";
    var inFindings = {};
    FINDING_ACCOUNTS.forEach(function (id) { inFindings[id] = 1; });
    ACCOUNTS.forEach(function (a) {
      var tr = el("tr", "account" + (a.unreachable ? " unreachable" : (a.swept === "yes" ? "" : " not-swept")));
      tr.setAttribute("data-account", a.account_id);
      var name = el("td", "name", a.name || a.account_id);
      if (a.name) { name.appendChild(el("span", "obj-id", a.account_id)); }
      tr.appendChild(name);
      tr.appendChild(el("td", "folder", a.folder_id || "-"));
      tr.appendChild(el("td", "status", a.status || "-"));
      var sw = el("td", "swept");
      if (a.unreachable) { sw.appendChild(el("span", "pill st-error", "role not assumed")); }
      else if (a.swept === "yes") { sw.appendChild(el("span", "pill st-pass", "swept")); }
      else { sw.appendChild(el("span", "pill st-not_applicable", a.swept ? "not swept" : "-")); }
      if (a.why) { sw.appendChild(el("span", "why", a.why)); }
      tr.appendChild(sw);
      RISKS.forEach(function (r) {
        var n = a.open_by_risk[r];
        tr.appendChild(el("td", "n open-" + r + (n ? " some" : ""), a.counted ? n : "-"));
      });
      tr.appendChild(el("td", "n errors" + (a.errors ? " some" : ""), a.counted ? a.errors : "-"));
      tr.appendChild(el("td", "n findings", a.counted ? a.findings : "-"));
      var action = el("td", "action");
      if (MULTI && inFindings[a.account_id]) {
        var button = el("button", "show", "Show findings");
        button.type = "button";
        button.setAttribute("data-account", a.account_id);
        button.addEventListener("click", function () { showAccount(a.account_id); });
        action.appendChild(button);
      }
      tr.appendChild(action);
      body.appendChild(tr);
    });
    table.appendChild(body);
    section.appendChild(table);
    var main = document.querySelector("main");
    main.insertBefore(section, document.querySelector("main > .row"));
  }

  function trend() {
    var box = byId("trend");
    var runs = (DATA.history || []).slice(-30);
    if (!runs.length) { box.appendChild(el("div", "empty", "No earlier runs in the store yet.")); return; }
    var W = 640, H = 190, L = 34, R = 12, T = 10, B = 34;
    var max = 1;
    runs.forEach(function (h) { RISKS.forEach(function (r) { max = Math.max(max, (h.open_by_risk || {})[r] || 0); }); });
    var x = function (i) { return runs.length === 1 ? L + (W - L - R) / 2 : L + i * (W - L - R) / (runs.length - 1); };
    var y = function (v) { return T + (H - T - B) * (1 - v / max); };
    var chart = svg("svg", {"class": "chart", id: "trend-chart", viewBox: "0 0 " + W + " " + H,
      preserveAspectRatio: "none"});
    [0, 0.5, 1].forEach(function (q) {
      var v = Math.round(max * q);
      chart.appendChild(svg("line", {"class": q ? "grid" : "axis", x1: L, x2: W - R, y1: y(v), y2: y(v)}));
      var t = svg("text", {x: L - 6, y: y(v) + 3, "text-anchor": "end"});
      t.textContent = String(v);
      chart.appendChild(t);
    });
    runs.forEach(function (h, i) {
      if (h.run_id === DATA.run.run_id) {
        chart.appendChild(svg("line", {"class": "current", x1: x(i), x2: x(i), y1: T, y2: H - B}));
      }
      if (i === 0 || i === runs.length - 1 || runs.length <= 8) {
        var anchor = runs.length > 1 && i === 0 ? "start" : (runs.length > 1 && i === runs.length - 1 ? "end" : "middle");
        var t = svg("text", {x: x(i), y: H - B + 14, "text-anchor": anchor});
        t.textContent = String(h.started_at || "").slice(5, 16).replace("T", " ");
        chart.appendChild(t);
      }
    });
    RISKS.forEach(function (r) {
      var pts = runs.map(function (h, i) { return x(i) + "," + y((h.open_by_risk || {})[r] || 0); });
      chart.appendChild(svg("polyline", {"class": "line " + r, points: pts.join(" ")}));
      runs.forEach(function (h, i) {
        var c = svg("circle", {"class": "point " + r, cx: x(i), cy: y((h.open_by_risk || {})[r] || 0), r: 3});
        var tip = svg("title", {});
        tip.textContent = h.run_id + " (" + (h.categories || []).map(catTitle).join(", ") + "; " +
          (h.regions || []).join(", ") + "): " + r + " " + ((h.open_by_risk || {})[r] || 0);
        c.appendChild(tip);
        chart.appendChild(c);
      });
    });
    box.appendChild(chart);
    var legend = el("div", "legend");
    RISKS.forEach(function (r) {
      var s = el("span", null, r);
      s.insertBefore(el("i", r), s.firstChild);
      legend.appendChild(s);
    });
    legend.appendChild(el("span", null, runs.length + " run" + (runs.length === 1 ? "" : "s") + " (open fails by risk)"));
    box.appendChild(legend);
  }

  function options(select, values, label) {
    select.appendChild(new Option("All", ""));
    values.forEach(function (v) { select.appendChild(new Option(label ? label(v) : v, v)); });
  }
  function uniq(key) {
    var seen = {};
    findings.forEach(function (f) { seen[f[key] === null || f[key] === undefined ? NO_WORKSPACE : f[key]] = 1; });
    return Object.keys(seen).sort();
  }

  var FILTERS = {category: "f-category", risk_level: "f-risk", status: "f-status", region: "f-region",
    workspace_id: "f-workspace"};

  function filters() {
    if (MULTI) {
      var label = el("label", null, "Account");
      var select = el("select");
      select.id = "f-account";
      label.appendChild(select);
      var bar = document.querySelector(".filters");
      bar.insertBefore(label, bar.firstChild);
      options(select, FINDING_ACCOUNTS.slice().sort(function (a, b) {
        return accountLabel(a).localeCompare(accountLabel(b)) || (a < b ? -1 : a > b ? 1 : 0);
      }), accountLabel);
      FILTERS.account_id = "f-account";
    }
    options(byId("f-category"), DATA.run.categories, catTitle);
    options(byId("f-risk"), RISKS);
    options(byId("f-status"), STATUSES, function (s) { return STATUS_LABEL[s]; });
    options(byId("f-region"), uniq("region"));
    options(byId("f-workspace"), uniq("workspace_id"), function (w) { return w === NO_WORKSPACE ? "(no workspace)" : w; });
    Object.keys(FILTERS).forEach(function (k) { byId(FILTERS[k]).addEventListener("change", apply); });
    byId("f-text").addEventListener("input", apply);
    byId("f-reset").addEventListener("click", function () {
      Object.keys(FILTERS).forEach(function (k) { byId(FILTERS[k]).value = ""; });
      byId("f-text").value = "";
      apply();
    });
  }

  function matches(f) {
    var ok = Object.keys(FILTERS).every(function (k) {
      var want = byId(FILTERS[k]).value;
      var have = f[k] === null || f[k] === undefined ? NO_WORKSPACE : f[k];
      return want === "" || have === want;
    });
    var text = byId("f-text").value.trim().toLowerCase();
    if (ok && text) {
      var hay = [f.object_name, f.object_id, f.result, f.item_id, item(f).title, f.workspace_id || ""];
      if (MULTI) { hay.push(f.account_id || "", ACCOUNT_NAMES[f.account_id] || ""); }
      ok = hay.join("\n").toLowerCase().indexOf(text) >= 0;
    }
    return ok;
  }

  function apply() {
    var shown = 0;
    rows.forEach(function (pair) {
      var show = matches(pair.f);
      pair.tr.hidden = !show;
      if (pair.detail) { pair.detail.hidden = !show || !pair.tr.classList.contains("open"); }
      if (show) { shown++; }
    });
    byId("shown").textContent = shown + " of " + findings.length + " findings";
  }

  function suggestion(f) {
    var doc = item(f).doc_url;
    var text = f.suggestion;
    var tail = " See " + doc;
    if (doc && text.slice(-tail.length) === tail) { text = text.slice(0, -tail.length); }
    var td = el("td", "suggestion", text + " ");
    if (doc && /^https:\/\//.test(doc)) {
      var a = el("a", "doc", "Documentation");
      a.href = doc;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      td.appendChild(a);
    }
    return td;
  }

  // Copy `text` to the clipboard; where the clipboard cannot be written (no permission, an old browser), select
  // the text shown in `shown` so that Ctrl+C copies it.
  function copyButton(text, shown, what) {
    var b = el("button", "copy", "Copy");
    b.type = "button";
    b.title = "Copy " + what;
    var said = function (msg) {
      b.textContent = msg;
      setTimeout(function () { b.textContent = "Copy"; }, 2000);
    };
    var select = function () {
      var range = document.createRange();
      range.selectNodeContents(shown);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      said(copied ? "Copied" : "Selected: press Ctrl+C");
    };
    b.addEventListener("click", function (ev) {
      ev.stopPropagation();
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { said("Copied"); }, select);
      } else {
        select();
      }
    });
    return b;
  }

  function code(cls, text, what) {
    var box = el("div", "code " + cls);
    var pre = el("pre", null, text);
    box.appendChild(pre);
    box.appendChild(copyButton(text, pre, what));
    return box;
  }

  function own(o, k) { return typeof k === "string" && Object.prototype.hasOwnProperty.call(o, k); }
  function isObject(v) { return !!v && typeof v === "object" && !Array.isArray(v); }

  function fixSection(f) {
    var plan = f.remediation;
    var steps = (Array.isArray(plan.steps) ? plan.steps : []).filter(isObject);
    var box = el("section", "fix");
    box.appendChild(el("h3", null, "How to fix"));
    if (plan.summary) { box.appendChild(el("p", "fix-summary", plan.summary)); }
    if (steps.length && steps.every(function (s) { return s.automatable === true; })) {
      var auto = el("div", "fix-auto");
      auto.appendChild(el("span", "pill auto", "dwdiag fix apply can run this"));
      auto.appendChild(code("fix-command", "dwdiag fix apply --finding " + String(f.fingerprint), "the command"));
      box.appendChild(auto);
    }
    var list = el("ol", "fix-steps");
    steps.forEach(function (s, i) {
      var known = own(KIND_LABEL, s.kind);
      var text = s.text === null || s.text === undefined ? "" : String(s.text);
      var li = el("li", "fix-step");
      li.setAttribute("data-kind", known ? s.kind : "");
      var head = el("div", "step-head");
      head.appendChild(el("span", "step-n", (i + 1) + "."));
      head.appendChild(el("span", "pill kind" + (known ? " kind-" + s.kind : ""), known ? KIND_LABEL[s.kind] : s.kind));
      if (s.automatable === true) { head.appendChild(el("span", "pill auto", "automatable")); }
      li.appendChild(head);
      li.appendChild(code("fix-text", text, "step " + (i + 1)));
      var dl = el("dl");
      var add = function (k, v) {
        if (v === null || v === undefined || v === "") { return null; }
        dl.appendChild(el("dt", null, k));
        var node = v instanceof Node;
        var dd = el("dd", null, node ? null : v);
        if (node) { dd.appendChild(v); }
        dl.appendChild(dd);
        return dd;
      };
      add("Who may run it", s.who);
      var rev = add("Reversible", own(REVERSIBLE_LABEL, s.reversible) ? REVERSIBLE_LABEL[s.reversible] : s.reversible);
      if (s.undo) {
        var undo = el("div", "undo", "Undo:");
        undo.appendChild(code("fix-undo", String(s.undo), "the undo of step " + (i + 1)));
        if (rev) { rev.appendChild(undo); } else { add("Undo", undo); }
      }
      add("May break", s.breaks);
      if (s.doc !== null && s.doc !== undefined && s.doc !== "") {
        var doc = String(s.doc);
        if (/^https?:\/\//i.test(doc)) {
          var a = el("a", "doc", doc);
          a.href = doc;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          add("Documentation", a);
        } else {
          add("Documentation", doc);
        }
      }
      li.appendChild(dl);
      list.appendChild(li);
    });
    box.appendChild(list);
    if (plan.note) { box.appendChild(el("p", "fix-note", "Note: " + plan.note)); }
    return box;
  }

  function detailRow(f) {
    var tr = el("tr", "detail");
    var td = el("td");
    td.colSpan = COLUMNS;
    var dl = el("dl");
    var add = function (k, v) {
      if (v === null || v === undefined || v === "") { return; }
      dl.appendChild(el("dt", null, k));
      dl.appendChild(el("dd", null, v));
    };
    if (MULTI) { add("Account", f.account_id ? accountLabel(f.account_id) : null); }
    add("Item", f.item_id);
    add("Object", f.object_type + " " + f.object_id);
    add("Fingerprint", f.fingerprint);
    add("State", f.state);
    add("First seen", f.first_seen);
    if (f.regression) { add("Regression", "passed in the previous run"); }
    if (f.waiver) { add("Waiver", f.waiver.reason + " (owner " + f.waiver.owner + ", expires " + f.waiver.expires + ")"); }
    td.appendChild(dl);
    if (f.status === "fail" && isObject(f.remediation)) { td.appendChild(fixSection(f)); }
    td.appendChild(el("div", "evidence-title", "Evidence"));
    td.appendChild(el("pre", "evidence", JSON.stringify(f.evidence, null, 2)));
    tr.appendChild(td);
    return tr;
  }

  var rows = [];
  function table() {
    findings.sort(function (a, b) {
      return (STATUS_ORDER[a.status] - STATUS_ORDER[b.status]) || (RISK_ORDER[a.risk_level] - RISK_ORDER[b.risk_level]) ||
        (a.category < b.category ? -1 : a.category > b.category ? 1 : 0) ||
        item(a).title.localeCompare(item(b).title) || a.region.localeCompare(b.region) ||
        String(a.object_name).localeCompare(String(b.object_name));
    });
    var body = byId("findings-body");
    if (MULTI) {
      var col = el("col", "c-account");
      var ws = document.querySelector("table.findings col.c-ws");
      ws.parentNode.insertBefore(col, ws);
      var wsHead = document.querySelector("table.findings thead th:nth-child(5)");
      var th = el("th", null, "Account");
      th.id = "findings-account-column";
      wsHead.parentNode.insertBefore(th, wsHead);
    }
    findings.forEach(function (f) {
      var tr = el("tr", "finding");
      tr.tabIndex = 0;
      tr.setAttribute("data-fingerprint", f.fingerprint);
      ["category", "risk_level", "status", "region"].forEach(function (k) { tr.setAttribute("data-" + k.replace("_", "-"), f[k]); });
      tr.setAttribute("data-workspace", f.workspace_id === null || f.workspace_id === undefined ? "" : f.workspace_id);
      var risk = el("td");
      risk.appendChild(el("span", "pill risk-" + f.risk_level, f.risk_level));
      tr.appendChild(risk);
      var st = el("td");
      st.appendChild(el("span", "pill st-" + f.status, STATUS_LABEL[f.status] || f.status));
      if (f.regression) { st.appendChild(el("span", "pill tag regression", "regression")); }
      else if (f.state === "new") { st.appendChild(el("span", "pill tag", "new")); }
      if (f.waived) { st.appendChild(el("span", "pill tag waived", "waived")); }
      tr.appendChild(st);
      var it = el("td", null, item(f).title);
      it.appendChild(el("span", "item-id", catTitle(f.category)));
      tr.appendChild(it);
      var obj = el("td", "object", f.object_name || f.object_id);
      obj.appendChild(el("span", "obj-id", f.object_type + (f.object_id !== f.object_name ? " " + f.object_id : "")));
      tr.appendChild(obj);
      if (MULTI) {
        var has = f.account_id !== null && f.account_id !== undefined;
        tr.setAttribute("data-account", has ? f.account_id : "");
        var acc = el("td", "account", has ? (ACCOUNT_NAMES[f.account_id] || f.account_id) : "-");
        if (has && ACCOUNT_NAMES[f.account_id]) { acc.appendChild(el("span", "obj-id", f.account_id)); }
        tr.appendChild(acc);
      }
      tr.appendChild(el("td", "workspace", f.workspace_id || "-"));
      tr.appendChild(el("td", "region", f.region));
      tr.appendChild(el("td", "result", f.result));
      tr.appendChild(suggestion(f));
      var pair = {f: f, tr: tr, detail: null};
      var toggle = function (ev) {
        if (ev.target && ev.target.tagName === "A") { return; }
        if (!pair.detail) { pair.detail = detailRow(f); tr.parentNode.insertBefore(pair.detail, tr.nextSibling); }
        var open = !tr.classList.contains("open");
        tr.classList.toggle("open", open);
        pair.detail.hidden = !open;
      };
      tr.addEventListener("click", toggle);
      tr.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); toggle(ev); }
      });
      rows.push(pair);
      body.appendChild(tr);
    });
  }

  header();
  accounts();
  overview();
  trend();
  filters();
  table();
  apply();
  document.body.setAttribute("data-ready", "1");
})();
