// An export's page: move the progress bar as the background job writes, and show the
// download link (or the failure) by reloading the page once the job has finished.
(function () {
  "use strict";
  var box = document.querySelector("[data-export-progress]");
  if (!box || ["queued", "running"].indexOf(box.dataset.exportStatus) < 0) { return; }
  var bar = box.querySelector("progress");
  var percent = box.querySelector("[data-export-percent]");
  var statusName = box.querySelector("[data-export-status-name]");
  var poll = function () {
    fetch(box.dataset.exportProgress, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (job === null) { return; }
        if (job.status === "done" || job.status === "failed") {
          window.location.reload();
          return;
        }
        bar.value = job.progress;
        bar.textContent = job.progress + "%";
        percent.textContent = job.progress;
        statusName.textContent = job.status_name;
      })
      .catch(function () { /* keep the last figures; try again next time */ })
      .then(function () { setTimeout(poll, 2000); });
  };
  setTimeout(poll, 2000);
})();
