// Live preview for lesson Markdown: a moment after the author stops typing (debounced), the
// text goes to the server, which renders and sanitises it exactly as trainees will see it.
// The HTML shown comes back from that sanitiser, never from the author's text directly.
(function () {
  "use strict";
  var DELAY_MS = 600;
  document.querySelectorAll("textarea[data-preview-url]").forEach(function (textarea) {
    var target = document.getElementById(textarea.dataset.previewTarget);
    var status = document.getElementById(textarea.dataset.previewStatus);
    var timer = null;
    var sent = 0;  // only the answer to the latest request is shown
    var say = function (text) { if (status) { status.textContent = text; } };
    var refresh = function () {
      var number = ++sent;
      fetch(textarea.dataset.previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json",
          "X-CSRFToken": textarea.dataset.csrf
        },
        body: JSON.stringify({ text: textarea.value })
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (data) {
        if (number !== sent || !target) { return; }
        target.innerHTML = data.html;
        say(textarea.dataset.textUpdated);
      }).catch(function () {
        if (number === sent) { say(textarea.dataset.textFailed); }
      });
    };
    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      say("…");
      timer = setTimeout(refresh, DELAY_MS);
    });
    // Text typed before this script arrived (a slow link) fired no input event it heard: preview it now.
    if (textarea.value !== textarea.defaultValue) { refresh(); }
  });
})();
