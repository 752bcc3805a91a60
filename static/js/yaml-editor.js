// Scenario YAML editor: line numbers beside a plain textarea, the caret's line and column,
// problems that move the caret to their line, and a warning before unsaved work is lost.
(function () {
  "use strict";
  var form = document.querySelector("form.yaml-editor");
  var area = form && form.querySelector("textarea[data-editor]");
  if (!area) { return; }
  var gutter = form.querySelector("[data-gutter]");
  var caret = form.querySelector("[data-caret]");
  var lineCount = 0;
  var dirty = false;

  function lineOf(offset) { return area.value.slice(0, offset).split("\n").length; }

  function renumber() {
    var count = area.value.split("\n").length;
    if (count === lineCount) { return; }
    var numbers = [];
    for (var i = 1; i <= count; i += 1) { numbers.push(i); }
    gutter.textContent = numbers.join("\n") + "\n";
    lineCount = count;
    gutter.scrollTop = area.scrollTop;
  }

  function showCaret() {
    var offset = area.selectionStart;
    var before = area.value.slice(0, offset);
    var column = offset - before.lastIndexOf("\n");
    var text = caret.dataset.format.replace("{line}", lineOf(offset)).replace("{column}", column);
    caret.textContent = dirty ? text + " · " + form.dataset.unsaved : text;
  }

  // Put the caret at the start of a line, select that line and scroll it into view.
  function goToLine(line) {
    var lines = area.value.split("\n");
    line = Math.max(1, Math.min(line, lines.length));
    var start = 0;
    for (var i = 0; i < line - 1; i += 1) { start += lines[i].length + 1; }
    area.focus();
    area.setSelectionRange(start, start + lines[line - 1].length);
    var lineHeight = parseFloat(window.getComputedStyle(area).lineHeight) || 20;
    area.scrollTop = Math.max(0, (line - 1) * lineHeight - area.clientHeight / 3);
    gutter.scrollTop = area.scrollTop;
    showCaret();
  }

  area.addEventListener("scroll", function () { gutter.scrollTop = area.scrollTop; });
  area.addEventListener("input", function () { dirty = true; renumber(); showCaret(); });
  ["keyup", "click", "select", "focus"].forEach(function (name) { area.addEventListener(name, showCaret); });

  document.querySelectorAll("[data-line]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      goToLine(parseInt(link.dataset.line, 10));
    });
  });

  // Ctrl+S (Cmd+S) saves the draft instead of saving the web page.
  area.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (confirmForm) {
    confirmForm.addEventListener("submit", function (event) {
      if (!window.confirm(confirmForm.dataset.confirm)) { event.preventDefault(); }
    });
  });

  renumber();
  showCaret();
})();
