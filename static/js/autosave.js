// Autosave for forms marked data-autosave-url: sends the whole form a moment after the
// last change (debounced), so a cohort typing at once sends few requests.
(function () {
  "use strict";
  var DELAY_MS = 1200;
  document.querySelectorAll("form[data-autosave-url]").forEach(function (form) {
    var status = form.querySelector(".autosave-status");
    var timer = null;
    var say = function (text) { if (status) { status.textContent = text; } };
    var save = function () {
      var body = new FormData(form);
      fetch(form.dataset.autosaveUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": body.get("csrf_token"), "Accept": "application/json" }
      }).then(function (response) {
        say(response.ok ? form.dataset.textSaved : form.dataset.textFailed);
      }).catch(function () { say(form.dataset.textOffline); });
    };
    form.addEventListener("change", function () {
      clearTimeout(timer);
      say("…");
      timer = setTimeout(save, DELAY_MS);
    });
  });
})();
