// The data tab: a scenario's datasets as sortable, filterable tables, grouped with counts and sums.
// The rows are fetched once, the first time the tab is shown (so the workspace page stays light),
// and only the rows in view are drawn, so 10 000 rows scroll, sort and filter at once.
// Texts come from data-text-* attributes (translated by the server); nothing here is English.
// Other scripts read the ticked rows through window.TrainerData.selected(datasetId); "Add to the
// chart" sends the ticked rows' numbers, accounts and plates to the link chart task's panel as a
// trainer:add-to-chart event (static/js/workspace.js).
(function () {
  "use strict";
  var root = document.querySelector("[data-datasets]");
  if (!root) { return; }
  var ROW_HEIGHT = 30, BUFFER = 20;
  var HEAD_HEIGHT = 67;     // the column names and the filters above the rows (data.css)
  var BAR_GROUPS = 15;      // the largest groups drawn as bars; grouped by day alone, every day
  var MAX_TO_CHART = 100;   // distinct entities one "add to chart" may bring (the answer stays small)
  // The entity each kind of column names, and the link two such columns in one row make.
  var ENTITY_TYPES = { phone: "phone", account: "bank_account", plate: "vehicle", entity: null };
  var ROW_LINKS = { "phone phone": "called", "account account": "paid" };
  var SVG = "http://www.w3.org/2000/svg";
  var tables = {}, current = null, loaded = false;
  var state = { sort: null, desc: false, filters: {}, search: "", group: "", group2: "", sum: "", selected: {} };
  var view = [];  // indexes of the rows shown, in order

  function t(name) { return root.dataset["text" + name] || ""; }
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key] === undefined ? "" : values[key]; });
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function norm(value) { return String(value).replace(/[\s\-()./]+/g, "").toLowerCase(); }
  function isNumeric(column) { return column.type === "integer" || column.type === "decimal"; }
  function shown(value, column) {
    if (value === null || value === undefined) { return ""; }
    if (column.type === "decimal") { return Number(value).toFixed(2); }
    return String(value);
  }

  // The rows come only once the widget is seen: until then the table's room is kept (the first
  // table's rows and the scroller's border, as far as its 65vh), so that what is below the
  // widget does not move away from under the reader's pointer when they arrive.
  var firstRows = Number(root.dataset.firstRows) || 0;
  if (firstRows) {
    root.querySelector("[data-data-table]").style.minHeight =
      "min(" + (HEAD_HEIGHT + firstRows * ROW_HEIGHT + 2) + "px, 65vh)";
  }

  // -- loading -------------------------------------------------------------------------------
  function load() {
    if (loaded) { return; }
    loaded = true;
    var status = root.querySelector("[data-data-status]");
    status.textContent = t("Loading");
    fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        data.datasets.forEach(function (d) { tables[d.id] = d; });
        status.textContent = "";
        build();
        choose(data.datasets.length ? data.datasets[0].id : null);
      }, function () { loaded = false; status.textContent = t("Failed"); });
  }
  // Loaded when first seen: a tab, a details element or a phone view becoming visible.
  if ("IntersectionObserver" in window) {
    var watch = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) { watch.disconnect(); load(); }
    });
    watch.observe(root);
  } else { load(); }

  // -- building ------------------------------------------------------------------------------
  var parts = {};
  function build() {
    var box = root.querySelector("[data-data-table]");
    parts.picker = root.querySelector("[data-data-picker]");
    parts.search = root.querySelector("[data-data-search]");
    parts.group = root.querySelector("[data-data-group]");
    parts.group2 = root.querySelector("[data-data-group2]");
    parts.sum = root.querySelector("[data-data-sum]");
    parts.count = root.querySelector("[data-data-count]");
    parts.selection = root.querySelector("[data-data-selection]");
    parts.toChart = root.querySelector("[data-data-to-chart]");
    parts.chartNote = root.querySelector("[data-data-chart-note]");
    parts.scroller = el("div", { "class": "data-scroller", tabindex: "0", role: "region", "aria-label": t("Table") });
    parts.table = el("table", { "class": "data-table" });
    parts.head = el("thead");
    parts.body = el("tbody");
    parts.table.appendChild(parts.head);
    parts.table.appendChild(parts.body);
    parts.scroller.appendChild(parts.table);
    box.appendChild(parts.scroller);
    parts.groups = el("div", { "class": "data-groups", hidden: "" });
    parts.barChart = el("figure", { "class": "data-chart", hidden: "" });
    box.appendChild(parts.barChart);
    box.appendChild(parts.groups);
    box.style.minHeight = "";
    Object.keys(tables).forEach(function (id) {
      parts.picker.appendChild(el("option", { value: id }, tables[id].title));
    });
    parts.picker.closest("label").hidden = Object.keys(tables).length < 2;
    parts.picker.addEventListener("change", function () { choose(parts.picker.value); });
    parts.search.addEventListener("input", function () { state.search = parts.search.value; refresh(); });
    [parts.group, parts.group2, parts.sum].forEach(function (select) {
      select.addEventListener("change", function () {
        state.group = parts.group.value; state.group2 = parts.group2.value; state.sum = parts.sum.value; refresh();
      });
    });
    root.querySelector("[data-data-clear]").addEventListener("click", function () {
      state.filters = {}; state.search = ""; parts.search.value = "";
      parts.head.querySelectorAll("input[data-filter]").forEach(function (i) { i.value = ""; });
      refresh();
    });
    if (parts.toChart) { parts.toChart.addEventListener("click", toChart); }
    root.querySelector("[data-data-unselect]").addEventListener("click", function () {
      state.selected[current.id] = {}; drawRows(); showSelection();
    });
    parts.scroller.addEventListener("scroll", drawRows);
    parts.groups.addEventListener("scroll", drawGroupRows);
    parts.body.addEventListener("change", function (event) {
      var box = event.target;
      if (!box.matches("input[data-row]")) { return; }
      var picked = state.selected[current.id] = state.selected[current.id] || {};
      if (box.checked) { picked[box.dataset.row] = true; } else { delete picked[box.dataset.row]; }
      showSelection();
    });
  }

  function choose(id) {
    current = id ? tables[id] : null;
    if (!current) { return; }
    parts.picker.value = id;
    state.sort = null; state.desc = false; state.filters = {}; state.search = ""; parts.search.value = "";
    state.group = state.group2 = state.sum = "";
    var options = [el("option", { value: "" }, t("NoGrouping"))];
    current.columns.forEach(function (c, i) {
      options.push(el("option", { value: String(i) }, c.label));
      if (c.type === "datetime") { options.push(el("option", { value: "day:" + i }, fill(t("Day"), { column: c.label }))); }
    });
    [parts.group, parts.group2].forEach(function (select) {
      select.textContent = "";
      options.forEach(function (o) { select.appendChild(o.cloneNode(true)); });
    });
    parts.sum.textContent = "";
    parts.sum.appendChild(el("option", { value: "" }, "—"));
    current.columns.forEach(function (c, i) {
      if (isNumeric(c)) { parts.sum.appendChild(el("option", { value: String(i) }, c.label)); }
    });
    parts.sum.closest("label").hidden = parts.sum.options.length < 2;
    drawHead();
    refresh();
  }

  function drawHead() {
    parts.head.textContent = "";
    var titles = el("tr"), filters = el("tr", { "class": "data-filters" });
    titles.appendChild(el("th", { scope: "col", "class": "data-number" }, t("Row")));
    filters.appendChild(el("td"));
    current.columns.forEach(function (c, i) {
      var th = el("th", { scope: "col", "aria-sort": "none" });
      var button = el("button", { type: "button", "class": "data-sort", "data-sort": String(i) }, c.label);
      button.addEventListener("click", function () {
        state.desc = state.sort === i ? !state.desc : false;
        state.sort = i;
        refresh();
      });
      th.appendChild(button);
      titles.appendChild(th);
      var cell = el("td");
      var input = el("input", { type: "search", "data-filter": String(i), "class": "compact",
                                "aria-label": fill(t("FilterColumn"), { column: c.label }),
                                placeholder: isNumeric(c) ? t("NumberHint") : (c.type === "datetime" ? t("TimeHint") : "") });
      input.addEventListener("input", function () { state.filters[i] = input.value; refresh(); });
      cell.appendChild(input);
      filters.appendChild(cell);
    });
    parts.head.appendChild(titles);
    parts.head.appendChild(filters);
  }

  // -- filtering, sorting, grouping ------------------------------------------------------------
  // A number filter: "100", ">100", "<50", ">=10", "10-20"; text and times: the cell contains it.
  function numberTest(text) {
    var m = text.replace(/\s/g, "").replace(",", ".").match(/^(>=|<=|>|<|=)?(-?\d+(?:\.\d+)?)(?:-(-?\d+(?:\.\d+)?))?$/);
    if (!m) { return null; }
    var a = Number(m[2]), b = m[3] === undefined ? null : Number(m[3]);
    if (b !== null) { return function (v) { return v >= a && v <= b; }; }
    return { ">": function (v) { return v > a; }, "<": function (v) { return v < a; },
             ">=": function (v) { return v >= a; }, "<=": function (v) { return v <= a; } }[m[1]] ||
      function (v) { return v === a; };
  }

  function tests() {
    var found = [];
    Object.keys(state.filters).forEach(function (key) {
      var text = (state.filters[key] || "").trim(), i = Number(key), column = current.columns[i];
      if (!text) { return; }
      var test = isNumeric(column) ? numberTest(text) : null;
      if (test) {
        found.push(function (row) { return row[i] !== null && test(row[i]); });
      } else {
        var wanted = norm(text);
        found.push(function (row) { return row[i] !== null && norm(shown(row[i], column)).indexOf(wanted) >= 0; });
      }
    });
    var search = norm(state.search.trim());
    if (search) {
      found.push(function (row) {
        for (var i = 0; i < row.length; i++) {
          if (row[i] !== null && norm(shown(row[i], current.columns[i])).indexOf(search) >= 0) { return true; }
        }
        return false;
      });
    }
    return found;
  }

  function refresh() {
    var rows = current.rows, checks = tests();
    view = [];
    for (var n = 0; n < rows.length; n++) {
      var ok = true;
      for (var k = 0; k < checks.length && ok; k++) { ok = checks[k](rows[n]); }
      if (ok) { view.push(n); }
    }
    if (state.sort !== null) {
      var i = state.sort, sign = state.desc ? -1 : 1;
      view.sort(function (a, b) {
        var x = rows[a][i], y = rows[b][i];
        if (x === y) { return a - b; }
        if (x === null) { return 1; }
        if (y === null) { return -1; }
        return (x < y ? -1 : 1) * sign;
      });
    }
    parts.head.querySelectorAll("th[aria-sort]").forEach(function (th, index) {
      th.setAttribute("aria-sort", index === state.sort ? (state.desc ? "descending" : "ascending") : "none");
    });
    parts.count.textContent = fill(t("Rows"), { shown: view.length, total: rows.length });
    var grouped = state.group !== "" || state.group2 !== "";
    parts.groups.hidden = !grouped;
    parts.barChart.hidden = !grouped;
    parts.scroller.hidden = grouped;
    if (grouped) { drawGroups(); } else { parts.scroller.scrollTop = 0; drawRows(); }
    showSelection();
  }

  function keyOf(spec, row) {
    if (spec === "") { return null; }
    if (spec.indexOf("day:") === 0) { var v = row[Number(spec.slice(4))]; return v ? v.slice(0, 10) : ""; }
    var column = current.columns[Number(spec)];
    return shown(row[Number(spec)], column);
  }

  function labelOf(spec) {
    if (spec.indexOf("day:") === 0) { return fill(t("Day"), { column: current.columns[Number(spec.slice(4))].label }); }
    return current.columns[Number(spec)].label;
  }

  function drawGroups() {
    var specs = [state.group, state.group2].filter(function (s) { return s !== ""; });
    var sumAt = state.sum === "" ? null : Number(state.sum);
    var groups = {}, order = [];
    view.forEach(function (n) {
      var row = current.rows[n];
      var keys = specs.map(function (s) { return keyOf(s, row); });
      var id = keys.join("\u241f");
      if (!groups[id]) { groups[id] = { keys: keys, count: 0, sum: 0 }; order.push(id); }
      groups[id].count += 1;
      if (sumAt !== null && typeof row[sumAt] === "number") { groups[id].sum += row[sumAt]; }
    });
    order.sort(function (a, b) { return groups[b].count - groups[a].count || (a < b ? -1 : 1); });
    parts.groups.textContent = "";
    var table = el("table", { "class": "data-table data-grouped" }), head = el("tr"), body = el("tbody");
    specs.forEach(function (s) { head.appendChild(el("th", { scope: "col" }, labelOf(s))); });
    head.appendChild(el("th", { scope: "col", "class": "data-number" }, t("Count")));
    if (sumAt !== null) {
      head.appendChild(el("th", { scope: "col", "class": "data-number" },
                          fill(t("Sum"), { column: current.columns[sumAt].label })));
    }
    var thead = el("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    table.appendChild(body);
    parts.groups.appendChild(el("p", { "class": "muted" }, fill(t("AllGroups"), { num: order.length })));
    parts.groups.appendChild(table);
    parts.groups.scrollTop = 0;
    grouping = { groups: groups, order: order, sumAt: sumAt, body: body,
                 top: order[0] ? groups[order[0]].count : 0,
                 offset: body.getBoundingClientRect().top - parts.groups.getBoundingClientRect().top };
    drawGroupRows();
    drawBars(specs, groups, order);
  }

  // Like the rows, only the groups in view are drawn (grouping by pairs of numbers makes thousands).
  var grouping = null;
  function drawGroupRows() {
    if (!grouping || parts.groups.hidden) { return; }
    var g = grouping, top = Math.max(0, parts.groups.scrollTop - g.offset), height = parts.groups.clientHeight || 400;
    var first = Math.max(0, Math.floor(top / ROW_HEIGHT) - BUFFER);
    var last = Math.min(g.order.length, Math.ceil((top + height) / ROW_HEIGHT) + BUFFER);
    var body = document.createDocumentFragment();
    function spacer(rows) {
      if (!rows) { return; }
      var tr = el("tr", { "class": "data-spacer", "aria-hidden": "true" });
      tr.style.height = (rows * ROW_HEIGHT) + "px";
      body.appendChild(tr);
    }
    spacer(first);
    for (var k = first; k < last; k++) {
      var group = g.groups[g.order[k]], tr = el("tr");
      group.keys.forEach(function (key) { tr.appendChild(el("td", {}, key)); });
      var count = el("td", { "class": "data-number" });
      var bar = el("span", { "class": "data-bar", "aria-hidden": "true" });
      bar.style.width = (g.top ? Math.max(2, Math.round(100 * group.count / g.top)) : 0) + "%";
      count.appendChild(bar);
      count.appendChild(document.createTextNode(String(group.count)));
      tr.appendChild(count);
      if (g.sumAt !== null) {
        tr.appendChild(el("td", { "class": "data-number" }, group.sum.toFixed(current.columns[g.sumAt].type === "decimal" ? 2 : 0)));
      }
      body.appendChild(tr);
    }
    spacer(g.order.length - last);
    g.body.textContent = "";
    g.body.appendChild(body);
  }

  // The grouping as a bar chart (hand-drawn SVG): grouped by a day alone, every day in order, a
  // histogram over time; otherwise the largest groups, longest bar first.
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function drawBars(specs, groups, order) {
    parts.barChart.textContent = "";
    if (!order.length) { return; }
    var byDay = specs.length === 1 && specs[0].indexOf("day:") === 0;
    var ids = byDay ? order.slice().sort() : order.slice(0, BAR_GROUPS);
    var top = Math.max.apply(null, ids.map(function (id) { return groups[id].count; }));
    var name = function (id) { return groups[id].keys.join(" · "); };
    var width = 640, picture;
    if (byDay) {
      var height = 170, base = 140, step = (width - 40) / ids.length;
      picture = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "data-bars": String(ids.length),
                             "aria-label": fill(t("BarsByDay"), { column: labelOf(specs[0]), num: ids.length, top: top }) });
      ids.forEach(function (id, i) {
        var h = Math.max(1, Math.round(120 * groups[id].count / top));
        var bar = svg("rect", { x: (30 + i * step).toFixed(1), y: base - h, width: Math.max(1, step - 1).toFixed(1), height: h, "class": "data-chart-bar" });
        bar.appendChild(svg("title", {}, name(id) + ": " + groups[id].count));
        picture.appendChild(bar);
      });
      picture.appendChild(svg("line", { x1: 30, y1: base, x2: width - 10, y2: base, "class": "data-chart-axis" }));
      picture.appendChild(svg("text", { x: 26, y: 24, "text-anchor": "end" }, String(top)));
      picture.appendChild(svg("text", { x: 30, y: base + 16 }, name(ids[0])));
      picture.appendChild(svg("text", { x: width - 10, y: base + 16, "text-anchor": "end" }, name(ids[ids.length - 1])));
    } else {
      var row = 22, labelWidth = 230, barWidth = width - labelWidth - 60;
      picture = svg("svg", { viewBox: "0 0 " + width + " " + (ids.length * row + 6), role: "img", "data-bars": String(ids.length),
                             "aria-label": fill(t("BarsLargest"), { num: ids.length }) });
      ids.forEach(function (id, i) {
        var y = 4 + i * row, w = Math.max(1, Math.round(barWidth * groups[id].count / top));
        var label = name(id);
        picture.appendChild(svg("text", { x: labelWidth - 6, y: y + 14, "text-anchor": "end" },
                                label.length > 32 ? label.slice(0, 31) + "…" : label));
        var bar = svg("rect", { x: labelWidth, y: y + 2, width: w, height: row - 6, "class": "data-chart-bar" });
        bar.appendChild(svg("title", {}, label + ": " + groups[id].count));
        picture.appendChild(bar);
        picture.appendChild(svg("text", { x: labelWidth + w + 4, y: y + 14 }, String(groups[id].count)));
      });
    }
    parts.barChart.appendChild(picture);
  }

  // Only the rows in view (and a few either side) are in the page; two spacer rows keep the
  // scroll bar the height of the whole table.
  function drawRows() {
    var top = parts.scroller.scrollTop, height = parts.scroller.clientHeight || 400;
    var first = Math.max(0, Math.floor(top / ROW_HEIGHT) - BUFFER);
    var last = Math.min(view.length, Math.ceil((top + height) / ROW_HEIGHT) + BUFFER);
    var picked = state.selected[current.id] || {};
    var body = document.createDocumentFragment();
    var before = el("tr", { "class": "data-spacer", "aria-hidden": "true" });
    before.style.height = (first * ROW_HEIGHT) + "px";
    body.appendChild(before);
    for (var k = first; k < last; k++) {
      var n = view[k], row = current.rows[n], tr = el("tr");
      var number = el("td", { "class": "data-number" });
      var label = el("label");
      var box = el("input", { type: "checkbox", "data-row": String(n + 1), "aria-label": fill(t("TickRow"), { row: n + 1 }) });
      box.checked = Boolean(picked[n + 1]);
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + (n + 1)));
      number.appendChild(label);
      tr.appendChild(number);
      for (var i = 0; i < row.length; i++) {
        var column = current.columns[i], cell = el("td", isNumeric(column) ? { "class": "data-number" } : {}, shown(row[i], column));
        if (current.entities[row[i]]) { cell.classList.add("entity-value", "entity-" + current.entities[row[i]].type); }
        tr.appendChild(cell);
      }
      body.appendChild(tr);
    }
    var after = el("tr", { "class": "data-spacer", "aria-hidden": "true" });
    after.style.height = ((view.length - last) * ROW_HEIGHT) + "px";
    body.appendChild(after);
    parts.body.textContent = "";
    parts.body.appendChild(body);
  }

  function selected(id) {
    return Object.keys(state.selected[id] || {}).map(Number).sort(function (a, b) { return a - b; });
  }

  function showSelection() {
    var count = current ? selected(current.id).length : 0;
    parts.selection.textContent = count ? fill(t("Selected"), { num: count }) : "";
    root.querySelector("[data-data-unselect]").hidden = !count;
    if (parts.toChart) { parts.toChart.hidden = !count || !entityColumns().length; }
  }

  // -- add to chart --------------------------------------------------------------------------
  function entityColumns() {
    var found = [];
    current.columns.forEach(function (c, i) { if (c.type in ENTITY_TYPES) { found.push(i); } });
    return found;
  }
  // Each ticked row's numbers, accounts and plates become entities (the case's own where the
  // value is one of them); two of them in a row are linked (a call, a transfer), first to second.
  function toChart() {
    var panel = document.querySelector('[data-kind="link_chart"]');
    if (!panel) { return; }
    var columns = entityColumns(), entities = {}, links = {}, count = 0;
    function entityOf(value, column) {
      if (value === null || value === undefined || value === "") { return null; }
      var known = current.entities[value];
      var type = known ? known.type : ENTITY_TYPES[column.type];
      if (!type) { return null; }
      var id = known ? known.id : "data:" + value;
      if (!entities[id]) { entities[id] = { id: id, label: String(value), type: type }; count++; }
      return id;
    }
    selected(current.id).forEach(function (number) {
      var row = current.rows[number - 1];
      var ids = columns.map(function (i) { return entityOf(row[i], current.columns[i]); });
      if (columns.length === 2 && ids[0] && ids[1] && ids[0] !== ids[1]) {
        var type = ROW_LINKS[current.columns[columns[0]].type + " " + current.columns[columns[1]].type] || "associate";
        links[ids[0] + " " + ids[1] + " " + type] = { a: ids[0], b: ids[1], type: type, strength: "confirmed" };
      }
    });
    if (count > MAX_TO_CHART) {
      parts.chartNote.textContent = fill(t("TooManyForChart"), { num: count, max: MAX_TO_CHART });
      return;
    }
    var detail = { entities: Object.keys(entities).map(function (k) { return entities[k]; }),
                   links: Object.keys(links).map(function (k) { return links[k]; }) };
    panel.dispatchEvent(new CustomEvent("trainer:add-to-chart", { detail: detail }));
    var added = detail.added || { entities: 0, links: 0 };
    parts.chartNote.textContent = fill(t("AddedToChart"), added);
    var open = root.querySelector("[data-data-open-chart]");
    open.hidden = false;
    open.onclick = function () {
      var tab = document.querySelector('[role="tab"][data-tab="' + panel.dataset.task + '"]');
      if (tab) { tab.click(); tab.focus(); }
    };
  }

  window.TrainerData = {
    selected: selected,
    open: function (id) { load(); if (loaded && tables[id]) { choose(id); } }
  };
})();
