// Scenario workspace: each task panel is read into its JSON answer; only panels that
// changed are sent, a moment after the last change, so 100 trainees make few requests.
// Saving sends one request at a time; every change waits in localStorage (by attempt and
// task) until the server confirms it, so a reload or a lost connection loses nothing.
(function () {
  "use strict";
  var root = document.querySelector(".workspace");
  if (!root) { return; }
  var status = document.getElementById("autosave-status");
  var timer = null;
  var DELAY_MS = 1500;

  function say(text) { if (status) { status.textContent = text; } }
  function all(el, selector) { return Array.prototype.slice.call(el.querySelectorAll(selector)); }
  function reachedAfresh() {
    var entry = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
    return Boolean(entry) && entry.type === "navigate";
  }
  // Whether a control no longer shows what the page was rendered with.
  function editedBeforeScript(control) {
    if (control.type === "checkbox" || control.type === "radio") { return control.checked !== control.defaultChecked; }
    if (control.tagName === "SELECT") {
      var rendered = all(control, "option").findIndex(function (option) { return option.defaultSelected; });
      return control.selectedIndex !== Math.max(rendered, 0);
    }
    return control.value !== control.defaultValue;
  }

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
      var answer = { links: all(panel, "[data-links] li[data-a]").map(function (li) {
        var link = { between: [li.dataset.a, li.dataset.b], type: li.dataset.type, strength: li.dataset.strength };
        if (li.dataset.source) { link.source = li.dataset.source; }
        return link;
      }) };
      // Entities added from the data tab travel with the answer (the case's are in the scenario).
      var fromData = JSON.parse(panel.querySelector("[data-board]").textContent)
        .filter(function (e) { return e.source === "data"; });
      if (fromData.length) { answer.entities = fromData; }
      // The chart's arrangement travels with the answer (scoring reads only the links).
      var chartLayout = panel.querySelector("[data-chart-layout]");
      if (chartLayout) { answer.layout = chartLayout.value; }
      var chartPositions = JSON.parse(panel.querySelector("[data-chart]").dataset.positions || "{}");
      if (Object.keys(chartPositions).length) { answer.positions = chartPositions; }
      return answer;
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
    },
    // Answers as typed (a set: one value a line), so a wrong form is saved and named, not lost.
    query: function (panel) {
      var answers = {};
      all(panel, "[data-query]").forEach(function (field) {
        var text = field.value.trim();
        if (!text) { return; }
        answers[field.dataset.query] = field.tagName === "TEXTAREA"
          ? text.split("\n").map(function (v) { return v.trim(); }).filter(Boolean) : text;
      });
      return { answers: answers };
    }
  };

  // Entities added from the data tab join a link chart's board: its JSON and the form's two selects.
  // Returns the ones that were not on it yet.
  function addToBoard(panel, entities) {
    var script = panel.querySelector("[data-board]"), board = JSON.parse(script.textContent), known = {};
    board.forEach(function (e) { known[e.id] = true; });
    var added = entities.filter(function (e) {
      if (known[e.id]) { return false; }
      known[e.id] = true;
      return true;
    }).map(function (e) { return { id: e.id, label: e.label, type: e.type, source: "data" }; });
    if (!added.length) { return added; }
    script.textContent = JSON.stringify(board.concat(added));
    all(panel, "[data-link-a], [data-link-b]").forEach(function (select) {
      added.forEach(function (e) {
        var option = document.createElement("option");
        option.value = e.id; option.textContent = e.label;
        select.appendChild(option);
      });
    });
    return added;
  }
  // One link of the list under a chart: "A — type — B (strength)", marked when it came from the data.
  function linkItem(panel, a, b, type, strength, source) {
    var list = panel.querySelector("[data-links]"), labels = {};
    JSON.parse(panel.querySelector("[data-board]").textContent).forEach(function (e) { labels[e.id] = e.label; });
    function optionText(selector, value) {
      var option = panel.querySelector(selector + ' option[value="' + value + '"]');
      return option ? option.textContent : value;
    }
    var li = document.createElement("li");
    li.dataset.a = a; li.dataset.b = b; li.dataset.type = type; li.dataset.strength = strength;
    if (source === "data") { li.dataset.source = "data"; }
    var text = document.createElement("span");
    text.textContent = labels[a] + " — " + optionText("[data-link-type]", type) + " — " + labels[b] +
      " (" + optionText("[data-link-strength]", strength) + ")";
    if (source === "data") {
      var tag = document.createElement("span");
      tag.className = "tag from-data"; tag.textContent = list.dataset.fromDataText;
      text.appendChild(document.createTextNode(" "));
      text.appendChild(tag);
    }
    var remove = document.createElement("button");
    remove.type = "button"; remove.className = "secondary outline compact";
    remove.dataset.removeLink = ""; remove.textContent = list.dataset.removeText;
    li.appendChild(text); li.appendChild(remove);
    return li;
  }

  // Putting a saved or pending answer back into its panel (the readers in reverse).
  function setSelect(select, value) { select.value = value || ""; }
  var writers = {
    grade: function (panel, answer) {
      var grades = answer.grades || {};
      all(panel, "select[data-report]").forEach(function (select) {
        setSelect(select, (grades[select.dataset.report] || {})[select.dataset.field]);
      });
    },
    link_chart: function (panel, answer) {
      // Runs before the chart is drawn, which then draws these links (in the saved arrangement).
      var chartLayout = panel.querySelector("[data-chart-layout]");
      if (chartLayout && answer.layout) { chartLayout.value = answer.layout; }
      panel.querySelector("[data-chart]").dataset.positions = JSON.stringify(answer.positions || {});
      addToBoard(panel, (answer.entities || []).filter(function (e) { return e && e.id && e.label && e.type; }));
      var list = panel.querySelector("[data-links]");
      all(list, "li[data-a]").forEach(function (li) { li.remove(); });
      (answer.links || []).forEach(function (link) {
        list.appendChild(linkItem(panel, link.between[0], link.between[1], link.type, link.strength, link.source));
      });
    },
    timeline: function (panel, answer) {
      var list = panel.querySelector("[data-timeline]");
      (answer.order || []).forEach(function (id) {
        var li = list.querySelector('li[data-event="' + id + '"]');
        if (li) { list.appendChild(li); }
      });
      all(list, "li").forEach(function (li) {
        li.querySelector("[data-time]").value = (answer.times || {})[li.dataset.event] || "";
      });
    },
    hypotheses: function (panel, answer) {
      all(panel, "select[data-evidence]").forEach(function (select) {
        setSelect(select, ((answer.matrix || {})[select.dataset.evidence] || {})[select.dataset.hypothesis]);
      });
      all(panel, "[data-conclusion]").forEach(function (radio) { radio.checked = radio.value === answer.conclusion; });
    },
    decision: function (panel, answer) {
      all(panel, "input[data-decision]").forEach(function (input) {
        var chosen = (answer.choices || {})[input.dataset.decision];
        input.checked = Array.isArray(chosen) ? chosen.indexOf(input.value) !== -1 : chosen === input.value;
      });
    },
    report: function (panel, answer) { panel.querySelector("[data-report-text]").value = answer.text || ""; },
    query: function (panel, answer) {
      var answers = answer.answers || {};
      all(panel, "[data-query]").forEach(function (field) {
        var value = answers[field.dataset.query];
        field.value = Array.isArray(value) ? value.join(field.tagName === "TEXTAREA" ? "\n" : ", ") : (value || "");
      });
    }
  };

  // Pending answers: localStorage "trainer.pending.<attempt>.<task>" = {value, rev}; kept in
  // memory instead when the browser refuses storage (private mode, full quota).
  var PREFIX = "trainer.pending." + root.dataset.attemptId + ".";
  var memory = {};
  var store = {
    get: function (id) {
      try { var raw = window.localStorage.getItem(PREFIX + id); if (raw) { return JSON.parse(raw); } } catch (e) { /* memory */ }
      return memory[id] || null;
    },
    set: function (id, entry) {
      memory[id] = entry;
      try { window.localStorage.setItem(PREFIX + id, JSON.stringify(entry)); delete memory[id]; } catch (e) { /* memory */ }
    },
    remove: function (id) {
      delete memory[id];
      try { window.localStorage.removeItem(PREFIX + id); } catch (e) { /* nothing stored */ }
    },
    ids: function () {
      var ids = Object.keys(memory);
      try {
        for (var i = 0; i < window.localStorage.length; i++) {
          var key = window.localStorage.key(i);
          if (key.indexOf(PREFIX) === 0 && ids.indexOf(key.slice(PREFIX.length)) === -1) { ids.push(key.slice(PREFIX.length)); }
        }
      } catch (e) { /* memory only */ }
      return ids;
    }
  };

  var LIMIT = Number(root.dataset.taskLimit) || 50000;
  var sending = null;     // the request in flight: only one at a time
  var tooLarge = {};      // task id -> rev refused as too large; sent again once edited
  var backoff = 0;
  var nextRev = Date.now();

  // A task's panel, or the data tab's (data-tabpanel: it holds no answer).
  function panelOf(id) { return root.querySelector('[data-task="' + id + '"], [data-tabpanel="' + id + '"]'); }
  function size(value) { return new Blob([JSON.stringify(value)]).size; }
  function titleOf(id) { var h = panelOf(id) && panelOf(id).querySelector("h3"); return h ? h.firstChild.textContent.trim() : id; }

  function showProblem(id, text) {
    var panel = panelOf(id);
    if (!panel) { return; }
    var note = panel.querySelector("[data-save-problem]");
    if (!text) { if (note) { note.remove(); } return; }
    if (!note) {
      note = document.createElement("p");
      note.className = "flash flash-error"; note.setAttribute("role", "alert"); note.dataset.saveProblem = "";
      panel.appendChild(note);
    }
    note.textContent = text;
  }

  function blockTooLarge(id, rev, message) {
    tooLarge[id] = rev;
    showProblem(id, message);
  }

  function sendable() {
    return store.ids().filter(function (id) {
      var entry = store.get(id);
      return entry && panelOf(id) && tooLarge[id] !== entry.rev;
    });
  }

  function schedule(ms) { clearTimeout(timer); timer = setTimeout(flush, ms); }

  // Send every pending answer in one request; when it is answered, send what changed meanwhile.
  function flush() {
    clearTimeout(timer);
    if (sending) { return sending; }
    var body = {}, revs = {}, count = 0;
    sendable().forEach(function (id) {
      var entry = store.get(id), bytes = size(entry.value);
      if (bytes > LIMIT) {
        blockTooLarge(id, entry.rev, root.dataset.textTooLarge.replace("%(task)s", titleOf(id))
          .replace("%(size)s", String(Math.ceil(bytes / 1000))).replace("%(limit)s", String(Math.floor(LIMIT / 1000))));
        return;
      }
      body[id] = entry.value; revs[id] = entry.rev; count++;
    });
    if (!count) {
      say(Object.keys(tooLarge).length ? root.dataset.textPartly : root.dataset.textSaved);
      return Promise.resolve(!Object.keys(tooLarge).length);
    }
    say(root.dataset.textSaving);
    sending = fetch(root.dataset.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) { return answered(response.status, data, revs); });
    }, function () {
      say(root.dataset.textOffline);
      return "retry";
    }).then(function (outcome) {
      sending = null;
      if (outcome === "retry") {
        backoff = Math.min(60000, backoff ? backoff * 2 : 2000);
        schedule(backoff);
        return false;
      }
      backoff = 0;
      if (outcome === "closed") { return false; }
      if (sendable().length) { return flush(); }  // changes made while this one was on its way
      say(Object.keys(tooLarge).length ? root.dataset.textPartly : root.dataset.textSaved);
      return outcome === "saved" && !Object.keys(tooLarge).length;
    });
    return sending;
  }

  function answered(code, data, revs) {
    var ids = Object.keys(revs);
    if (code === 200 && data.saved) {
      ids.forEach(function (id) {
        var entry = store.get(id);
        if (entry && entry.rev === revs[id]) { store.remove(id); }  // else it changed meanwhile: keep
        if (tooLarge[id] === undefined) { showProblem(id, ""); }
      });
      return "saved";
    }
    if (code === 413) {
      var named = (data.too_large || []).map(function (t) { return t.task; });
      if (!named.length) {  // refused before the app saw it: the largest answer is the culprit
        named = [ids.sort(function (a, b) { return size(store.get(b).value) - size(store.get(a).value); })[0]];
      }
      named.forEach(function (id) {
        blockTooLarge(id, revs[id], data.message || root.dataset.textTooLarge.replace("%(task)s", titleOf(id))
          .replace("%(size)s", "?").replace("%(limit)s", String(Math.floor(LIMIT / 1000))));
      });
      return "partly";  // the other tasks go again at once
    }
    if (code === 409) {
      store.ids().forEach(store.remove);
      say(data.message || root.dataset.textFailed);
      return "closed";
    }
    say(data.message || root.dataset.textFailed);  // logged out, refused or server trouble: kept here
    return "retry";
  }

  function changed(panel) {
    var id = panel.dataset.task;
    store.set(id, { value: readers[panel.dataset.kind](panel), rev: ++nextRev });
    if (tooLarge[id] !== undefined) { delete tooLarge[id]; showProblem(id, ""); }
    schedule(DELAY_MS);
    panel.dataset.touched = "";
    showProgress(panel);
  }

  // How far each task has got (its tab's marker) and the attempt's progress bar. Counted as
  // trainer/domain/scenario/workspace.py counts the saved answers, so a reload shows the same.
  function given(control) { return Boolean(control.value); }
  var shareOf = {
    grade: function (panel) {
      var selects = all(panel, "select[data-report]");
      return selects.length ? selects.filter(given).length / selects.length : 0;
    },
    hypotheses: function (panel) {
      var selects = all(panel, "select[data-evidence]");
      var conclusion = panel.querySelector("[data-conclusion]:checked") ? 1 : 0;
      return (selects.filter(given).length + conclusion) / (selects.length + 1);
    },
    decision: function (panel) {
      var answered = {};
      all(panel, "input[data-decision]").forEach(function (input) {
        answered[input.dataset.decision] = answered[input.dataset.decision] || input.checked;
      });
      var ids = Object.keys(answered);
      return ids.length ? ids.filter(function (id) { return answered[id]; }).length / ids.length : 0;
    },
    link_chart: function (panel) { return panel.querySelector("[data-links] li[data-a]") ? 1 : 0; },
    // Every order is an answer, the shuffled one too: arranged once the trainee has touched it.
    timeline: function (panel) { return panel.dataset.touched !== undefined ? 1 : 0; },
    report: function (panel) { return panel.querySelector("[data-report-text]").value.trim() ? 1 : 0; },
    query: function (panel) {
      var fields = all(panel, "[data-query]");
      return fields.length ? fields.filter(function (f) { return f.value.trim(); }).length / fields.length : 0;
    }
  };
  var shares = {};
  function showProgress(panel) {
    var id = panel.dataset.task, share = (shareOf[panel.dataset.kind] || function () { return 0; })(panel);
    var state = share >= 1 ? "done" : (share > 0 ? "partly" : "empty");
    shares[id] = share;
    var tab = root.querySelector('[role="tab"][data-tab="' + id + '"]');
    if (tab && tab.dataset.state !== state) {
      tab.dataset.state = state;
      tab.querySelector("[data-state-text]").textContent = root.dataset["textState" + state.charAt(0).toUpperCase() + state.slice(1)];
    }
    var ids = Object.keys(shares), done = 0, sum = 0;
    ids.forEach(function (taskId) { sum += shares[taskId]; if (shares[taskId] >= 1) { done++; } });
    var percent = ids.length ? Math.round(100 * sum / ids.length) : 0;
    var bar = root.querySelector("[data-progress]");
    if (bar) {
      bar.value = percent; bar.textContent = percent + "%";
      root.querySelector("[data-progress-label]").textContent = root.dataset.textProgress
        .replace("%(done)s", String(done)).replace("%(total)s", String(ids.length));
      root.querySelector("[data-progress-short]").textContent = done + "/" + ids.length;
    }
  }
  all(root, "[data-task]").forEach(function (panel) {
    var tab = root.querySelector('[role="tab"][data-tab="' + panel.dataset.task + '"]');
    if (panel.dataset.kind === "timeline" && tab && tab.dataset.state === "done") { panel.dataset.touched = ""; }
    shares[panel.dataset.task] = 0;
  });
  all(root, "[data-task]").forEach(showProgress);

  // What the trainee last looked at (task tab, case file or tasks view) is shown again after a reload.
  var VIEW_KEY = "trainer.view." + root.dataset.attemptId;
  function recall() {
    try { return JSON.parse(window.sessionStorage.getItem(VIEW_KEY)) || {}; } catch (e) { return {}; }
  }
  function remember(name, value) {
    var seen = recall();
    seen[name] = value;
    try { window.sessionStorage.setItem(VIEW_KEY, JSON.stringify(seen)); } catch (e) { /* not kept */ }
  }

  // ACH: a matrix where it fits its panel, else one card per piece of evidence (phones).
  function fitMatrix(box) {
    if (!box.offsetWidth) { return; }  // hidden: measured when shown
    box.classList.remove("as-cards");
    if (box.querySelector("table").offsetWidth > box.clientWidth + 1) { box.classList.add("as-cards"); }
  }
  var matrices = all(root, "[data-ach]");
  if ("ResizeObserver" in window) {
    var widths = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) {
        var width = Math.round(entry.contentRect.width);
        if (width && String(width) !== entry.target.dataset.fittedWidth) {
          entry.target.dataset.fittedWidth = String(width);
          fitMatrix(entry.target);
        }
      });
    });
    matrices.forEach(function (box) { widths.observe(box); });
  } else {
    window.addEventListener("resize", function () { matrices.forEach(fitMatrix); });
  }

  // Tasks as tabs (WAI-ARIA tabs, selection follows focus): arrow keys, Home and End move along.
  var tabs = all(root, '[role="tab"][data-tab]');
  function showTask(id, focus) {
    var tab = root.querySelector('[role="tab"][data-tab="' + id + '"]');
    if (!tab) { return; }
    tabs.forEach(function (other) {
      var on = other === tab;
      other.setAttribute("aria-selected", on ? "true" : "false");
      other.tabIndex = on ? 0 : -1;
      panelOf(other.dataset.tab).hidden = !on;
    });
    if (focus) { tab.focus(); }
    var panels = root.querySelector(".task-panels");
    if (panels) { panels.scrollTop = 0; }
    var list = tab.parentNode;
    if (list.getBoundingClientRect().top < 0) { list.scrollIntoView(); }  // phones: the page scrolls
    matrices.forEach(fitMatrix);
    window.dispatchEvent(new Event("resize"));  // a chart drawn while hidden takes its size
    remember("task", id);
  }
  tabs.forEach(function (tab, index) {
    tab.addEventListener("click", function () { showTask(tab.dataset.tab, false); });
    tab.addEventListener("keydown", function (event) {
      var to = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (to === undefined) { return; }
      event.preventDefault();
      showTask(tabs[(to + tabs.length) % tabs.length].dataset.tab, true);
    });
  });
  all(root, "[data-next-task]").forEach(function (button) {
    button.addEventListener("click", function () {
      var index = tabs.indexOf(root.querySelector('[role="tab"][data-tab="' + button.closest("[data-task]").dataset.task + '"]'));
      if (tabs[index + 1]) { showTask(tabs[index + 1].dataset.tab, true); }
    });
  });

  // Below 1024 px the case file and the tasks are two views: two buttons switch between them.
  var switches = all(root, ".view-switch [data-view]");
  function showView(name) {
    root.dataset.view = name;
    switches.forEach(function (button) { button.setAttribute("aria-pressed", button.dataset.view === name ? "true" : "false"); });
    if (root.getBoundingClientRect().top < 0) { root.scrollIntoView(); }
    matrices.forEach(fitMatrix);
    window.dispatchEvent(new Event("resize"));  // a chart drawn in the other view takes its size
    remember("view", name);
  }
  switches.forEach(function (button) {
    button.addEventListener("click", function () { showView(button.dataset.view); });
  });

  // A link to a task (#task-id) opens its tab, on the tasks view.
  function openLinkedTask() {
    var id = window.location.hash.replace(/^#task-/, "");
    if (id && id !== window.location.hash && panelOf(id)) { showTask(id, false); showView("tasks"); return true; }
    return false;
  }
  window.addEventListener("hashchange", openLinkedTask);
  if (!openLinkedTask()) {
    var seen = recall();
    if (seen.task && panelOf(seen.task)) { showTask(seen.task, false); }
    if (seen.view) { showView(seen.view); }
  }
  matrices.forEach(fitMatrix);

  // Answers typed before a reload or while offline: back into their panels, then sent.
  var restored = store.ids().filter(function (id) {
    var panel = panelOf(id), entry = store.get(id);
    if (!panel || !entry) { return false; }
    try { writers[panel.dataset.kind](panel, entry.value); } catch (e) { return false; }
    nextRev = Math.max(nextRev, Number(entry.rev) || 0);
    panel.dataset.touched = "";
    showProgress(panel);
    return true;
  });
  if (restored.length) { say(root.dataset.textRestored); setTimeout(flush, 0); }

  // On a slow link the panels are on screen before this script runs: what the trainee chose
  // meanwhile differs from what the server rendered. Only on a page reached by a link or a form:
  // after going back or reloading, the browser may put back values older than the server's.
  if (reachedAfresh()) {
    all(root, "[data-task]").filter(function (panel) {
      return restored.indexOf(panel.dataset.task) === -1 && all(panel, "input, select, textarea").some(editedBeforeScript);
    }).forEach(changed);
  }

  all(root, "[data-task]").forEach(function (panel) {
    panel.addEventListener("change", function () { changed(panel); });
    panel.addEventListener("input", function (event) {
      if (event.target.matches("textarea, [data-time], [data-query]")) { changed(panel); }
    });
  });

  // Query tasks: an answer that is not of its kind is named under the field as it is typed
  // (it is saved all the same); ticked rows of the data tab fill a rows answer.
  function queryProblem(field) {
    var box = field.closest("[data-answer-kind]"), kind = box.dataset.answerKind, text = field.value.trim();
    var texts = field.closest(".query-questions").dataset, bad = null;
    if (text && kind === "number" && !/^[+-]?(\d+([.,]\d*)?|[.,]\d+)$/.test(text.replace(/[\s\u00a0\u202f_]/g, ""))) {
      bad = texts.textNotNumber.replace("%(value)s", text);
    } else if (text && kind === "rows") {
      var wrong = text.split(/[,;\n]/).map(function (v) { return v.trim(); })
        .filter(function (v) { return v && !/^\d{1,7}$/.test(v); })[0];
      if (wrong) { bad = texts.textNotRow.replace("%(value)s", wrong); }
    }
    box.querySelector("[data-query-problem]").textContent = bad || "";
    if (bad) { field.setAttribute("aria-invalid", "true"); } else { field.removeAttribute("aria-invalid"); }
  }
  all(root, "[data-query]").forEach(function (field) {
    queryProblem(field);
    field.addEventListener("input", function () { queryProblem(field); });
  });
  all(root, "[data-use-rows]").forEach(function (button) {
    button.addEventListener("click", function () {
      var box = button.closest("[data-answer-kind]"), field = box.querySelector("[data-query]");
      var rows = window.TrainerData ? window.TrainerData.selected(box.dataset.dataset) : [];
      if (!rows.length) {
        box.querySelector("[data-query-problem]").textContent = button.closest(".query-questions").dataset.textNoTicks;
        return;
      }
      field.value = rows.join(", ");
      queryProblem(field);
      changed(button.closest("[data-task]"));
    });
  });
  all(root, "[data-open-data]").forEach(function (button) {
    button.addEventListener("click", function () { showTask("_data", true); });
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

  // The graph library is large: it is fetched (once) when the first chart comes into view, by a
  // script element from our own origin, which the page's CSP (script-src 'self') allows. Until
  // then, and if it cannot load, links are made with the form and listed below the chart.
  var chartLibrary = null;
  function withChartLibrary(callback) {
    if (!chartLibrary) {
      chartLibrary = new Promise(function (resolve, reject) {
        if (window.cytoscape) { resolve(window.cytoscape); return; }
        var script = document.createElement("script");
        script.src = root.dataset.chartScript;
        script.onload = function () { resolve(window.cytoscape); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    chartLibrary.then(callback, function () { /* the form and the list still work */ });
  }
  function whenInView(element, callback) {
    if (!element || !root.dataset.chartScript) { return; }
    if (!("IntersectionObserver" in window)) { callback(); return; }
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) { observer.disconnect(); callback(); }
    }, { rootMargin: "300px" });
    observer.observe(element);
  }

  var DATA_COLOUR = "#ef6c00";  // entities and links added from the data tab
  function saveFile(blob, name) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob); link.download = name; link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
  }
  function xml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  // The chart as a standalone SVG file: each entity's icon (embedded, so the file opens anywhere)
  // and label where it stands on screen, each link a line styled by its strength and origin.
  function chartSvg(chart, iconOf) {
    var types = {};
    chart.nodes().forEach(function (node) { types[node.data("type")] = true; });
    return Promise.all(Object.keys(types).map(function (type) {
      return fetch(iconOf(type), { credentials: "same-origin" }).then(function (r) { return r.text(); })
        .then(function (text) { return [type, "data:image/svg+xml;base64," + btoa(unescape(encodeURIComponent(text)))]; },
              function () { return [type, null]; });
    })).then(function (pairs) {
      var icons = {};
      pairs.forEach(function (pair) { icons[pair[0]] = pair[1]; });
      var box = chart.elements().boundingBox({}), pad = 20;
      var x0 = Math.floor(box.x1 - pad), y0 = Math.floor(box.y1 - pad);
      var w = Math.ceil(box.w + 2 * pad), h = Math.ceil(box.h + 2 * pad);
      var out = ['<svg xmlns="http://www.w3.org/2000/svg" width="' + w + '" height="' + h + '" viewBox="' +
        [x0, y0, w, h].join(" ") + '" font-family="sans-serif">',
        '<rect x="' + x0 + '" y="' + y0 + '" width="' + w + '" height="' + h + '" fill="#fff"/>'];
      var dashes = { confirmed: "", suspected: ' stroke-dasharray="6 3"' };
      chart.edges().forEach(function (edge) {
        var a = edge.source().position(), b = edge.target().position();
        var colour = edge.data("origin") === "data" ? DATA_COLOUR : "#555";
        var dash = dashes[edge.data("strength")] !== undefined ? dashes[edge.data("strength")] : ' stroke-dasharray="2 3"';
        out.push('<g class="link"><line x1="' + a.x + '" y1="' + a.y + '" x2="' + b.x + '" y2="' + b.y +
          '" stroke="' + colour + '" stroke-width="2"' + dash + '/><text x="' + (a.x + b.x) / 2 + '" y="' + (a.y + b.y) / 2 +
          '" font-size="8" text-anchor="middle" stroke="#fff" stroke-width="3" paint-order="stroke">' + xml(edge.data("label")) + "</text></g>");
      });
      chart.nodes().forEach(function (node) {
        var at = node.position(), fromData = node.data("origin") === "data", icon = icons[node.data("type")];
        out.push('<g class="entity"><rect x="' + (at.x - 15) + '" y="' + (at.y - 15) + '" width="30" height="30" rx="4" fill="#fff" stroke="' +
          (fromData ? DATA_COLOUR + '" stroke-width="2" stroke-dasharray="4 2"' : '#90a4ae" stroke-width="1"') + "/>" +
          (icon ? '<image href="' + icon + '" x="' + (at.x - 13) + '" y="' + (at.y - 13) + '" width="26" height="26"/>' : "") +
          '<text x="' + at.x + '" y="' + (at.y + 27) + '" font-size="10" text-anchor="middle" fill="#222">' + xml(node.data("label")) + "</text></g>");
      });
      out.push("</svg>");
      return out.join("\n");
    });
  }

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

    function addItem(a, b, type, strength, source) {
      list.appendChild(linkItem(panel, a, b, type, strength, source));
    }

    function draw() {
      if (!chart) { return; }
      chart.edges().remove();
      all(list, "li[data-a]").forEach(function (li, i) {
        if (!labels[li.dataset.a] || !labels[li.dataset.b]) { return; }
        chart.add({ group: "edges", data: { id: "l" + i, source: li.dataset.a, target: li.dataset.b,
          label: typeLabels[li.dataset.type] || li.dataset.type, strength: li.dataset.strength,
          origin: li.dataset.source || "case" } });
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

    // Each entity type has its own icon (static/img/entities/<type>.svg, drawn from our origin);
    // a link's line shows its strength: confirmed solid, suspected dashed, anything else dotted.
    var chartIcons = panel.querySelector("[data-chart]").dataset.icons;
    var CHART_ICON_TYPES = ["person", "organisation", "phone", "vehicle", "bank_account", "location", "shipment"];
    function chartIcon(type) { return chartIcons + (CHART_ICON_TYPES.indexOf(type) !== -1 ? type : "entity") + ".svg"; }
    function nodeOf(e) {
      return { data: { id: e.id, label: e.label, type: e.type, icon: chartIcon(e.type), origin: e.source || "case" } };
    }
    // A pair picked on the chart fills the form and says so; the link type is chosen next.
    var pickedNote = panel.querySelector("[data-link-picked]");
    function pickPair(a, b) {
      selectA.value = a; selectB.value = b;
      if (pickedNote) {
        pickedNote.textContent = pickedNote.dataset.pickedText.replace("%(a)s", labels[a]).replace("%(b)s", labels[b]);
      }
      typeSelect.focus();
    }
    // Layouts: the one chosen in the select, or the positions saved with the answer (an entity
    // dragged, a layout run); every change of arrangement is saved like any other change.
    var chartBox = panel.querySelector("[data-chart]");
    var layoutSelect = panel.querySelector("[data-chart-layout]");
    var CHART_LAYOUTS = {
      circle: { name: "circle", padding: 30 },
      cose: { name: "cose", padding: 30, animate: false, randomize: false, nodeRepulsion: function () { return 9000; } },
      concentric: { name: "concentric", padding: 30, minNodeSpacing: 40,
        concentric: function (node) { return node.degree(); }, levelWidth: function () { return 1; } },
      breadthfirst: { name: "breadthfirst", padding: 30, directed: true, spacingFactor: 1.1 },
      grid: { name: "grid", padding: 30, avoidOverlap: true }
    };
    function savedPositions() {
      var saved = JSON.parse(chartBox.dataset.positions || "{}");
      var complete = board.every(function (e) {
        var at = saved[e.id];
        return Array.isArray(at) && at.length === 2 && isFinite(at[0]) && isFinite(at[1]);
      });
      return complete ? saved : null;
    }
    function keepPositions() {
      var positions = {};
      chart.nodes().forEach(function (node) {
        var at = node.position();
        positions[node.id()] = [Math.round(at.x), Math.round(at.y)];
      });
      chartBox.dataset.positions = JSON.stringify(positions);
    }
    function runLayout() {
      var options = CHART_LAYOUTS[layoutSelect && layoutSelect.value] || CHART_LAYOUTS.circle;
      chart.layout(options).run();
      keepPositions();
      chart.fit(undefined, 30);
    }
    if (layoutSelect) {
      layoutSelect.addEventListener("change", function (event) {
        event.stopPropagation();  // saved below, once the new positions are known
        if (!chart) { chartBox.dataset.positions = "{}"; changed(panel); return; }
        runLayout();
        changed(panel);
      });
    }
    // Search: the entities whose label holds the words typed stand out with their neighbours;
    // everything else fades until the field is cleared.
    var chartSearch = panel.querySelector("[data-chart-search]");
    function highlightFound() {
      if (!chart || !chartSearch) { return; }
      var words = chartSearch.value.toLowerCase().split(/\s+/).filter(Boolean);
      chart.elements().removeClass("found near faded");
      if (!words.length) { return; }
      var found = chart.nodes().filter(function (node) {
        var text = String(node.data("label")).toLowerCase();
        return words.every(function (w) { return text.indexOf(w) !== -1; });
      });
      var near = found.closedNeighborhood();
      chart.elements().not(near).addClass("faded");
      near.addClass("near");
      found.addClass("found");
    }
    if (chartSearch) {
      chartSearch.addEventListener("input", highlightFound);
      chartSearch.addEventListener("change", function (event) { event.stopPropagation(); });  // not an answer
    }
    function drawChart(cytoscape) {
      var picked = [];
      var saved = savedPositions();
      chart = cytoscape({
        container: chartBox,
        elements: board.map(nodeOf),
        layout: saved ? { name: "preset", padding: 30, positions: function (node) {
          return { x: saved[node.id()][0], y: saved[node.id()][1] };
        } } : { name: "circle", padding: 30 },
        wheelSensitivity: 0.3,
        style: [
          { selector: "node", style: { "label": "data(label)", "font-size": 10, "text-wrap": "wrap",
            "text-max-width": 90, "text-valign": "bottom", "text-margin-y": 3, "color": "#222",
            "shape": "round-rectangle", "width": 30, "height": 30, "background-color": "#fff",
            "background-image": "data(icon)", "background-fit": "contain", "background-clip": "none",
            "border-width": 1, "border-color": "#90a4ae" } },
          { selector: "node:selected", style: { "border-width": 3, "border-color": "#f9a825" } },
          { selector: "edge", style: { "label": "data(label)", "font-size": 8, "curve-style": "bezier",
            "width": 2, "line-color": "#555", "line-style": "dotted", "text-rotation": "autorotate",
            "text-background-color": "#fff", "text-background-opacity": 1, "text-background-padding": 1 } },
          { selector: 'edge[strength = "confirmed"]', style: { "line-style": "solid" } },
          { selector: 'edge[strength = "suspected"]', style: { "line-style": "dashed", "line-dash-pattern": [6, 3] } },
          { selector: 'node[origin = "data"]', style: { "border-color": DATA_COLOUR, "border-width": 2, "border-style": "dashed" } },
          { selector: 'edge[origin = "data"]', style: { "line-color": DATA_COLOUR } },
          { selector: ".faded", style: { "opacity": 0.2 } },
          { selector: "edge.near", style: { "line-color": "#d81b60", "width": 3 } },
          { selector: "node.found", style: { "border-width": 4, "border-color": "#d81b60" } }
        ]
      });
      chart.on("tap", "node", function (event) {
        picked.push(event.target.id());
        if (picked.length === 2) {
          pickPair(picked[0], picked[1]); picked = [];
        }
      });
      // Drawing a link: an entity dropped onto another picks the pair (and goes back to where it
      // was); dropped anywhere else, it stays there, as arranging the chart always did.
      var dragFrom = null;
      chart.on("grab", "node", function (event) {
        var position = event.target.position();
        dragFrom = { id: event.target.id(), x: position.x, y: position.y };
      });
      chart.on("free", "node", function (event) {
        var node = event.target, at = node.position();
        if (!dragFrom || dragFrom.id !== node.id()) { return; }
        var onto = chart.nodes().filter(function (other) {
          var box = other.boundingBox({ includeLabels: false });
          return other.id() !== node.id() && at.x >= box.x1 && at.x <= box.x2 && at.y >= box.y1 && at.y <= box.y2;
        });
        if (onto.length) {
          node.position({ x: dragFrom.x, y: dragFrom.y });
          picked = [];
          pickPair(node.id(), onto[0].id());
        } else if (at.x !== dragFrom.x || at.y !== dragFrom.y) {
          keepPositions();  // arranged by hand: saved with the answer
          changed(panel);
        }
        dragFrom = null;
      });
      draw();
      if (!saved && layoutSelect && layoutSelect.value !== "circle") { runLayout(); }
      highlightFound();
      all(panel, "[data-chart-png], [data-chart-svg]").forEach(function (button) { button.disabled = false; });
    }
    whenInView(panel.querySelector("[data-chart]"), function () { withChartLibrary(drawChart); });

    // Rows of the data tab added to the chart (static/js/datatable.js sends them): their entities
    // join the board, their links the list, both marked as coming from the data. A link type the
    // task does not offer becomes "associate" where it does. Answered in event.detail.added.
    panel.addEventListener("trainer:add-to-chart", function (event) {
      var added = addToBoard(panel, event.detail.entities || []);
      added.forEach(function (e) { board.push(e); labels[e.id] = e.label; });
      if (chart && added.length) { placeNew(added, event.detail.links || []); }
      var have = {}, links = 0;
      all(list, "li[data-a]").forEach(function (li) { have[li.dataset.a + " " + li.dataset.b + " " + li.dataset.type] = true; });
      (event.detail.links || []).forEach(function (link) {
        var type = typeLabels[link.type] ? link.type : (typeLabels.associate ? "associate" : null);
        var id = link.a + " " + link.b + " " + type;
        if (!type || have[id] || !labels[link.a] || !labels[link.b] || link.a === link.b) { return; }
        have[id] = true;
        addItem(link.a, link.b, type, link.strength || "confirmed", "data");
        links++;
      });
      draw();
      if (added.length || links) { changed(panel); }
      event.detail.added = { entities: added.length, links: links };
    });
    // New entities go beside the entity they are linked with (else below the chart), and the
    // arrangement is kept like one made by hand.
    function placeNew(added, links) {
      var box = chart.nodes().boundingBox({ includeLabels: false }), next = 0;
      added.forEach(function (e, i) {
        var link = links.filter(function (l) { return (l.a === e.id || l.b === e.id) && l.a !== l.b; })[0];
        var near = link ? chart.getElementById(link.a === e.id ? link.b : link.a) : null;
        var at;
        if (near && near.length && !near.removed()) {
          var angle = 0.9 * (i + 1), centre = near.position();
          at = { x: centre.x + 90 * Math.cos(angle), y: centre.y + 90 * Math.sin(angle) };
        } else {
          at = { x: (isFinite(box.x1) ? box.x1 : 0) + 80 * next++, y: (isFinite(box.y2) ? box.y2 : 0) + 80 };
        }
        chart.add({ group: "nodes", data: nodeOf(e).data, position: at });
      });
      keepPositions();
      chart.fit(undefined, 30);
    }

    // Exports: PNG and SVG drawn here from the chart on screen; ANX and CSV made by the server
    // from the saved answer, so what is pending is saved first.
    var exportsBox = panel.querySelector("[data-chart-exports]");
    if (exportsBox) {
      var fileName = exportsBox.dataset.fileName;
      exportsBox.querySelector("[data-chart-png]").addEventListener("click", function () {
        if (chart) { saveFile(chart.png({ output: "blob", full: true, scale: 2, bg: "#ffffff" }), fileName + ".png"); }
      });
      exportsBox.querySelector("[data-chart-svg]").addEventListener("click", function () {
        if (chart) {
          chartSvg(chart, chartIcon).then(function (text) {
            saveFile(new Blob([text], { type: "image/svg+xml" }), fileName + ".svg");
          });
        }
      });
      all(exportsBox, "[data-chart-file]").forEach(function (link) {
        link.addEventListener("click", function (event) {
          event.preventDefault();
          flush().then(function () { window.location.href = link.href; });
        });
      });
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
            if (panelOf(taskId)) { showProgress(panelOf(taskId)); }  // a new report to grade
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
      // flush() resolves once the queue is empty (it sends what changed meanwhile itself).
      flush().then(function (ok) {
        if (ok && !sendable().length) { submitForm.submit(); }
        else { say(Object.keys(tooLarge).length ? root.dataset.textPartly : root.dataset.textFailed); }
      });
    });
  }
  // Pending answers are already in localStorage; still try to send them before leaving.
  window.addEventListener("beforeunload", function () { if (sendable().length) { flush(); } });
})();
