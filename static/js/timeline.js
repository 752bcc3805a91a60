// Timeline task in the workspace: events dragged into order by their handle (mouse, touch or
// pen, through pointer events), and the events the trainee gave a time to drawn on a time axis.
// The list stays the answer: a reorder here sends a "change" event, which workspace.js saves like
// any other change; the arrow buttons (workspace.js) keep working for the keyboard.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var AXIS_HEIGHT = 28, LANE_HEIGHT = 24, MARK_RADIUS = 10, SIDE = 16;

  function all(el, selector) { return Array.prototype.slice.call(el.querySelectorAll(selector)); }
  function svg(name, attributes, parent) {
    var el = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) { el.setAttribute(key, attributes[key]); });
    parent.appendChild(el);
    return el;
  }
  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, name) { return String(values[name]); });
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // A time as typed: 2024-03-10, 2024-03-10 21:40 (or with a T), 10.03.2024, 10.03.2024 21:40.
  // Read as written (no time zone): only the order and the spacing matter here.
  var ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2}))?$/;
  var DOTTED = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,?\s+(\d{1,2}):(\d{2}))?$/;
  function parseTime(text) {
    var m = ISO.exec(text), parts;
    if (m) { parts = [m[1], m[2], m[3], m[4], m[5]]; } else {
      m = DOTTED.exec(text);
      if (!m) { return null; }
      parts = [m[3], m[2], m[1], m[4], m[5]];
    }
    var year = +parts[0], month = +parts[1], day = +parts[2], hour = +(parts[3] || 0), minute = +(parts[4] || 0);
    var at = Date.UTC(year, month - 1, day, hour, minute);
    var check = new Date(at);  // 31.02 or 25:00 is not a time
    if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23) { return null; }
    return { at: at, timed: parts[3] !== undefined };
  }
  function shown(ms, timed) {
    var d = new Date(ms);
    var date = d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate());
    return timed ? date + " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) : date;
  }

  function timedEvents(list) {
    return all(list, ":scope > li").map(function (li, i) {
      var time = parseTime(li.querySelector("[data-time]").value.trim());
      return time && { li: li, number: i + 1, at: time.at, timed: time.timed,
        text: li.querySelector(".event-text").textContent };
    }).filter(Boolean);
  }

  // The axis: earliest on the left; marks that would overlap go to the next lane down.
  function drawAxis(figure, list) {
    var chart = figure.querySelector("[data-time-axis-chart]");
    var events = timedEvents(list);
    var total = list.children.length;
    figure.hidden = !events.length;
    while (chart.firstChild) { chart.removeChild(chart.firstChild); }
    if (!events.length) { return; }
    var width = Math.max(chart.getBoundingClientRect().width || figure.clientWidth || 300, 200);
    var first = Math.min.apply(null, events.map(function (e) { return e.at; }));
    var last = Math.max.apply(null, events.map(function (e) { return e.at; }));
    var span = last - first;
    var lanes = [];
    var placed = events.slice().sort(function (a, b) { return a.at - b.at || a.number - b.number; }).map(function (e) {
      var x = span ? SIDE + (width - 2 * SIDE) * (e.at - first) / span : width / 2;
      var lane = 0;
      while (lanes[lane] !== undefined && x - lanes[lane] < 2 * MARK_RADIUS + 2) { lane++; }
      lanes[lane] = x;
      return { e: e, x: x, lane: lane };
    });
    var height = AXIS_HEIGHT + lanes.length * LANE_HEIGHT + 4;
    chart.setAttribute("viewBox", "0 0 " + width + " " + height);
    chart.setAttribute("height", String(height));
    var anyTimed = events.some(function (e) { return e.timed; });
    var firstText = shown(first, anyTimed), lastText = shown(last, anyTimed);
    chart.setAttribute("aria-label", fill(figure.dataset.textSummary,
      { n: events.length, total: total, first: firstText, last: lastText }));
    svg("line", { "class": "axis-line", x1: SIDE, y1: 18, x2: width - SIDE, y2: 18 }, chart);
    svg("text", { "class": "axis-end", x: SIDE - 4, y: 11 }, chart).textContent = firstText;
    if (span) { svg("text", { "class": "axis-end", x: width - SIDE + 4, y: 11, "text-anchor": "end" }, chart).textContent = lastText; }
    placed.forEach(function (p) {
      var y = AXIS_HEIGHT + p.lane * LANE_HEIGHT + MARK_RADIUS;
      var mark = svg("g", { "class": "axis-mark", "data-axis-event": p.e.li.dataset.event }, chart);
      svg("title", {}, mark).textContent = p.e.number + ". " + p.e.text + " · " + shown(p.e.at, p.e.timed);
      svg("line", { x1: p.x, y1: 18, x2: p.x, y2: y - MARK_RADIUS }, mark);
      svg("circle", { cx: p.x, cy: y, r: MARK_RADIUS }, mark);
      svg("text", { x: p.x, y: y + 4, "text-anchor": "middle" }, mark).textContent = String(p.e.number);
    });
    showClash(figure, events);
  }

  // The first pair the list has the other way round from the times given, if any.
  function showClash(figure, events) {
    var clash = null;
    for (var i = 1; i < events.length && !clash; i++) {
      for (var j = 0; j < i; j++) {
        if (events[i].at < events[j].at) { clash = { earlier: events[j].number, later: events[i].number }; break; }
      }
    }
    figure.querySelector("[data-time-axis-clash]").textContent = clash ? fill(figure.dataset.textClash, clash) : "";
    figure.querySelector("[data-order-by-time]").hidden = !clash;
  }

  // The events with a time take the places the timed events hold, earliest first; the others stay put.
  function orderByTime(list) {
    var events = timedEvents(list);
    var sorted = events.slice().sort(function (a, b) { return a.at - b.at || a.number - b.number; });
    var placeholders = events.map(function (e) {
      var mark = document.createComment("slot");
      list.replaceChild(mark, e.li);
      return mark;
    });
    sorted.forEach(function (e, i) { list.replaceChild(e.li, placeholders[i]); });
    return events.length > 1;
  }

  function reordered(list) { list.dispatchEvent(new Event("change", { bubbles: true })); }

  // Dragging by the handle: the event follows the pointer through the list and is saved when dropped.
  function enableDragging(list) {
    var dragged = null, startOrder = "";
    function order() { return all(list, ":scope > li").map(function (li) { return li.dataset.event; }).join(","); }
    list.addEventListener("pointerdown", function (event) {
      var handle = event.target.closest("[data-drag-handle]");
      if (!handle || event.button > 0) { return; }
      event.preventDefault();
      dragged = handle.closest("li");
      startOrder = order();
      dragged.classList.add("dragging");
      list.setPointerCapture(event.pointerId);  // the list, which never moves, keeps the pointer
    });
    list.addEventListener("pointermove", function (event) {
      if (!dragged) { return; }
      var siblings = all(list, ":scope > li").filter(function (li) { return li !== dragged; });
      var before = siblings.find(function (li) {
        var box = li.getBoundingClientRect();
        return event.clientY < box.top + box.height / 2;
      });
      if (before) {
        if (dragged.nextElementSibling !== before) { list.insertBefore(dragged, before); }
      } else if (list.lastElementChild !== dragged) {
        list.appendChild(dragged);
      }
    });
    function drop() {
      if (!dragged) { return; }
      dragged.classList.remove("dragging");
      dragged = null;
      if (order() !== startOrder) { reordered(list); }
    }
    list.addEventListener("pointerup", drop);
    list.addEventListener("pointercancel", drop);
  }

  all(document, "[data-timeline]").forEach(function (list) {
    var panel = list.closest("[data-task]") || list.parentNode;
    var figure = panel.querySelector("[data-time-axis]");
    enableDragging(list);
    if (!figure) { return; }
    var pending = false;
    function redraw() {
      if (pending) { return; }
      pending = true;
      window.requestAnimationFrame(function () { pending = false; drawAxis(figure, list); });
    }
    new MutationObserver(redraw).observe(list, { childList: true });  // buttons, dragging, a restored answer
    list.addEventListener("input", redraw);
    list.addEventListener("change", redraw);
    figure.querySelector("[data-order-by-time]").addEventListener("click", function () {
      if (orderByTime(list)) { reordered(list); }
    });
    if ("ResizeObserver" in window) { new ResizeObserver(redraw).observe(list); }  // a tab shown, a window resized
    redraw();
  });
})();
