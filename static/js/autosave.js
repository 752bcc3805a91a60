// Autosave for forms marked data-autosave-url: sends the whole form a moment after the
// last change (debounced), so a cohort typing at once sends few requests. One request at a
// time: the form's answers wait in localStorage (keyed by the save address, which names the
// attempt) until the server confirms them, so a reload or a lost connection loses nothing.
(function () {
  "use strict";
  var DELAY_MS = 1200;
  var navigation = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
  var reachedAfresh = Boolean(navigation) && navigation.type === "navigate";
  document.querySelectorAll("form[data-autosave-url]").forEach(function (form) {
    var status = form.querySelector(".autosave-status");
    var key = "trainer.pending." + form.dataset.autosaveUrl;
    var timer = null, sending = null, backoff = 0, rev = Date.now(), memory = null;
    var say = function (text) { if (status) { status.textContent = text; } };

    var stored = function () {
      try { var raw = window.localStorage.getItem(key); if (raw) { return JSON.parse(raw); } } catch (e) { /* memory */ }
      return memory;
    };
    var keep = function (entry) {
      memory = entry;
      try { window.localStorage.setItem(key, JSON.stringify(entry)); memory = null; } catch (e) { /* memory */ }
    };
    var forget = function () {
      memory = null;
      try { window.localStorage.removeItem(key); } catch (e) { /* nothing stored */ }
    };

    var answersIn = function (someForm) {
      var pairs = [];
      new FormData(someForm).forEach(function (value, name) { if (name !== "csrf_token") { pairs.push([name, value]); } });
      return pairs;
    };
    var answers = function () { return answersIn(form); };
    var restore = function (pairs) {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!field.name || field.name === "csrf_token") { return; }
        var values = pairs.filter(function (p) { return p[0] === field.name; }).map(function (p) { return p[1]; });
        if (field.type === "radio" || field.type === "checkbox") { field.checked = values.indexOf(field.value) !== -1; }
        else if (field.tagName !== "BUTTON") { field.value = values.length ? values[0] : ""; }
      });
    };

    var schedule = function (ms) { clearTimeout(timer); timer = setTimeout(send, ms); };
    var send = function () {
      clearTimeout(timer);
      var entry = stored();
      if (sending || !entry) { return; }
      var body = new FormData();
      body.append("csrf_token", form.querySelector("[name=csrf_token]").value);
      entry.pairs.forEach(function (p) { body.append(p[0], p[1]); });
      sending = fetch(form.dataset.autosaveUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": body.get("csrf_token"), "Accept": "application/json" }
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.ok && data.saved) {
            var now = stored();
            if (now && now.rev === entry.rev) { forget(); }  // else answers changed meanwhile: send them next
            say(form.dataset.textSaved);
            backoff = 0;
          } else if (response.status === 409) {
            forget();  // submitted: nothing more to keep
            say(data.message || form.dataset.textFailed);
          } else {
            say(data.message || form.dataset.textFailed);
            backoff = Math.min(60000, backoff ? backoff * 2 : 2000);
          }
        });
      }, function () {
        say(form.dataset.textOffline);
        backoff = Math.min(60000, backoff ? backoff * 2 : 2000);
      }).then(function () {
        sending = null;
        if (stored()) { schedule(backoff || 0); }
      });
    };

    var changed = function () {
      keep({ pairs: answers(), rev: ++rev });
      say("…");
      schedule(DELAY_MS);
    };
    form.addEventListener("change", changed);

    // The submit carries every answer itself.
    form.addEventListener("submit", function () { clearTimeout(timer); forget(); });

    var pending = stored();  // answers from before a reload or while offline
    if (pending) {
      restore(pending.pairs);
      rev = Math.max(rev, Number(pending.rev) || 0);
      send();
    } else if (reachedAfresh) {
      // On a slow link the questions are on screen before this script runs: answers given
      // meanwhile differ from the page as it was rendered. Only on a page reached by a link or a
      // form: after going back or reloading, the browser may put back answers older than the server's.
      var rendered = document.createElement("template");
      rendered.innerHTML = form.outerHTML;
      if (JSON.stringify(answers()) !== JSON.stringify(answersIn(rendered.content.firstElementChild))) { changed(); }
    }
  });
})();
