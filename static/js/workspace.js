// Scenario workspace: each task panel is read into its JSON answer; only panels that
// changed are sent, a moment after the last change, so 100 trainees make few requests.
(function () {
  "use strict";
  var root = document.querySelector(".workspace");
  if (!root) { return; }
  var status = document.getElementById("autosave-status");
  var dirty = {};
  var timer = null;
  var inFlight = null;
  var DELAY_MS = 1500;

  function say(text) { if (status) { status.textContent = text; } }
  function all(el, selector) { return Array.prototype.slice.call(el.querySelectorAll(selector)); }

  var readers = {
    grade: function (panel) {
      var grades = {};
      all(panel, "select[data-report]").forEach(function (select) {
        var report = select.dataset.report;
        grades[report] = grades[report] || {};
        if (select.value) { grades[report][select.dataset.field] = select.value; }
      });
      return { grades: grades };
    },
    link_chart: function (panel) {
      return { links: all(panel, "[data-links] li[data-a]").map(function (li) {
        return { between: [li.dataset.a, li.dataset.b], type: li.dataset.type, strength: li.dataset.strength };
      }) };
    },
    timeline: function (panel) {
      var order = [], times = {};
      all(panel, "[data-timeline] li").forEach(function (li) {
        order.push(li.dataset.event);
        var time = li.querySelector("[data-time]").value.trim();
        if (time) { times[li.dataset.event] = time; }
      });
      return { order: order, times: times };
    },
    hypotheses: function (panel) {
      var matrix = {};
      all(panel, "select[data-evidence]").forEach(function (select) {
        var row = matrix[select.dataset.evidence] = matrix[select.dataset.evidence] || {};
        if (select.value) { row[select.dataset.hypothesis] = select.value; }
      });
      var chosen = panel.querySelector("[data-conclusion]:checked");
      return { matrix: matrix, conclusion: chosen ? chosen.value : null };
    },
    decision: function (panel) {
      var choices = {};
      all(panel, "input[data-decision]").forEach(function (input) {
        if (!input.checked) { return; }
        if (input.type === "checkbox") {
          (choices[input.dataset.decision] = choices[input.dataset.decision] || []).push(input.value);
        } else {
          choices[input.dataset.decision] = input.value;
        }
      });
      return { choices: choices };
    },
    report: function (panel) {
      return { text: panel.querySelector("[data-report-text]").value };
    }
  };

  function save() {
    var ids = Object.keys(dirty);
    if (!ids.length) { return Promise.resolve(true); }
    var body = {};
    ids.forEach(function (id) {
      var panel = root.querySelector('[data-task="' + id + '"]');
      body[id] = readers[panel.dataset.kind](panel);
    });
    dirty = {};
    say(root.dataset.textSaving);
    inFlight = fetch(root.dataset.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      say(root.dataset.textSaved);
      return true;
    }).catch(function () {
      ids.forEach(function (id) { dirty[id] = true; });  // try again with the next change
      say(root.dataset.textFailed);
      return false;
    });
    return inFlight;
  }

  function changed(panel) {
    dirty[panel.dataset.task] = true;
    clearTimeout(timer);
    timer = setTimeout(save, DELAY_MS);
  }

  all(root, "[data-task]").forEach(function (panel) {
    panel.addEventListener("change", function () { changed(panel); });
    panel.addEventListener("input", function (event) {
      if (event.target.matches("textarea, [data-time]")) { changed(panel); }
    });
  });

  // Timeline: move events with buttons (works by keyboard and touch as well as mouse).
  all(root, "[data-timeline]").forEach(function (list) {
    list.addEventListener("click", function (event) {
      var button = event.target.closest("[data-move]");
      if (!button) { return; }
      var item = button.closest("li");
      if (button.dataset.move === "up" && item.previousElementSibling) {
        list.insertBefore(item, item.previousElementSibling);
      } else if (button.dataset.move === "down" && item.nextElementSibling) {
        list.insertBefore(item.nextElementSibling, item);
      }
      button.focus();
      changed(list.closest("[data-task]"));
    });
  });

  // Link charts: the list of links is the answer; the Cytoscape chart draws it.
  all(root, '[data-kind="link_chart"]').forEach(function (panel) {
    var board = JSON.parse(panel.querySelector("[data-board]").textContent);
    var list = panel.querySelector("[data-links]");
    var selectA = panel.querySelector("[data-link-a]");
    var selectB = panel.querySelector("[data-link-b]");
    var typeSelect = panel.querySelector("[data-link-type]");
    var strengthSelect = panel.querySelector("[data-link-strength]");
    var labels = {};
    board.forEach(function (e) { labels[e.id] = e.label; });
    var typeLabels = {};
    all(typeSelect, "option").forEach(function (o) { typeLabels[o.value] = o.textContent; });
    var chart = null;

    function addItem(a, b, type, strength) {
      var li = document.createElement("li");
      li.dataset.a = a; li.dataset.b = b; li.dataset.type = type; li.dataset.strength = strength;
      var text = document.createElement("span");
      text.textContent = labels[a] + " — " + (typeLabels[type] || type) + " — " + labels[b] + " (" + strength + ")";
      var remove = document.createElement("button");
      remove.type = "button"; remove.className = "secondary outline compact";
      remove.dataset.removeLink = ""; remove.textContent = list.dataset.removeText;
      li.appendChild(text); li.appendChild(remove);
      list.appendChild(li);
    }

    function draw() {
      if (!chart) { return; }
      chart.edges().remove();
      all(list, "li[data-a]").forEach(function (li, i) {
        chart.add({ group: "edges", data: { id: "l" + i, source: li.dataset.a, target: li.dataset.b,
          label: typeLabels[li.dataset.type] || li.dataset.type, strength: li.dataset.strength } });
      });
    }

    panel.querySelector("[data-add-link]").addEventListener("click", function () {
      if (selectA.value === selectB.value) { selectB.focus(); return; }
      addItem(selectA.value, selectB.value, typeSelect.value, strengthSelect.value);
      draw();
      changed(panel);
    });
    list.addEventListener("click", function (event) {
      if (!event.target.closest("[data-remove-link]")) { return; }
      event.target.closest("li").remove();
      draw();
      changed(panel);
    });

    if (window.cytoscape) {
      var picked = [];
      chart = window.cytoscape({
        container: panel.querySelector("[data-chart]"),
        elements: board.map(function (e) { return { data: { id: e.id, label: e.label, type: e.type } }; }),
        layout: { name: "circle", padding: 20 },
        wheelSensitivity: 0.3,
        style: [
          { selector: "node", style: { "label": "data(label)", "font-size": 10, "text-wrap": "wrap",
            "text-max-width": 90, "background-color": "#1565c0", "color": "#222", "width": 18, "height": 18 } },
          { selector: 'node[type = "organisation"]', style: { "shape": "round-rectangle", "background-color": "#6a1b9a" } },
          { selector: 'node[type = "vehicle"]', style: { "shape": "triangle", "background-color": "#2e7d32" } },
          { selector: 'node[type = "phone"]', style: { "shape": "diamond", "background-color": "#ef6c00" } },
          { selector: 'node[type = "location"]', style: { "shape": "hexagon", "background-color": "#795548" } },
          { selector: 'node[type = "bank_account"]', style: { "shape": "rectangle", "background-color": "#00838f" } },
          { selector: "node:selected", style: { "border-width": 3, "border-color": "#f9a825" } },
          { selector: "edge", style: { "label": "data(label)", "font-size": 8, "curve-style": "bezier",
            "width": 2, "line-color": "#555", "text-background-color": "#fff", "text-background-opacity": 1 } },
          { selector: 'edge[strength = "suspected"]', style: { "line-style": "dashed" } }
        ]
      });
      chart.on("tap", "node", function (event) {
        picked.push(event.target.id());
        if (picked.length === 2) {
          selectA.value = picked[0]; selectB.value = picked[1]; picked = [];
          typeSelect.focus();
        }
      });
      draw();
    }
  });

  // Case file search: hide reports that do not contain every word typed.
  all(root, ".report-search").forEach(function (input) {
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      all(root, "article.report").forEach(function (report) {
        var text = report.dataset.search;
        report.hidden = !words.every(function (w) { return text.indexOf(w) !== -1; });
      });
    });
  });

  // During an exercise, new reports (injects) arrive without a reload: poll for them.
  var pollUrl = root.dataset.pollUrl;
  if (pollUrl) {
    var arrivals = root.querySelector("[data-arrivals]");
    var POLL_MS = Number(root.dataset.pollMs) || 15000;
    var poll = function () {
      var have = all(root, "article.report").map(function (a) { return a.id.replace("report-", ""); });
      fetch(pollUrl + "?have=" + encodeURIComponent(have.join(",")), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          var box = root.querySelector("[data-reports]");
          data.reports.forEach(function (report) { box.insertAdjacentHTML("beforeend", report.html); });
          Object.keys(data.grade_rows).forEach(function (taskId) {
            Object.keys(data.grade_rows[taskId]).forEach(function (reportId) {
              var row = root.querySelector('[data-task="' + taskId + '"] [data-grade-row="' + reportId + '"]');
              if (row) { row.outerHTML = data.grade_rows[taskId][reportId]; }
            });
          });
          if (data.reports.length && arrivals) {
            arrivals.hidden = false;
            arrivals.textContent = root.dataset.textArrived + " " + data.reports.map(function (r) { return r.id; }).join(", ");
          }
          var pending = root.querySelector("[data-pending]");
          if (pending && data.pending === 0) { pending.hidden = true; }
          if (data.pending > 0) { setTimeout(poll, POLL_MS); }
        })
        .catch(function () { setTimeout(poll, POLL_MS); });
    };
    setTimeout(poll, POLL_MS);
  }

  // Submitting: save what is pending first, then confirm.
  var submitForm = document.querySelector("form.submit-attempt");
  if (submitForm) {
    submitForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!window.confirm(submitForm.dataset.confirm)) { return; }
      clearTimeout(timer);
      save().then(function (ok) { if (ok) { submitForm.submit(); } });
    });
  }
  window.addEventListener("beforeunload", function () { if (Object.keys(dirty).length) { save(); } });
})();
