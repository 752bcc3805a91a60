// Live cohort view: refresh the progress table every few seconds without reloading the page.
(function () {
  "use strict";
  var box = document.querySelector("[data-live-url]");
  if (!box) { return; }
  var stamp = document.querySelector("[data-live-updated]");
  var seconds = Number(box.dataset.liveSeconds) || 15;
  var refresh = function () {
    fetch(box.dataset.liveUrl, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        // Sent to the login form (logged out in another tab): open it, and come back here after.
        if (response.redirected) { window.location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null) {
          box.innerHTML = html;
          if (stamp) { stamp.textContent = new Date().toLocaleTimeString(); }
        }
      })
      .catch(function () { /* keep the last table; try again next time */ })
      .then(function () { setTimeout(refresh, seconds * 1000); });
  };
  setTimeout(refresh, seconds * 1000);
})();
