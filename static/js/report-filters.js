// Report filters: the agency and cohort fields suggest matching names as one types, a few at a
// time from the server, so a page never carries the list of every cohort of the programme.
// Without this script the fields still work: a name or a number typed in is looked up.
(function () {
  "use strict";
  var fields = document.querySelectorAll("input[data-choices-url]");
  Array.prototype.forEach.call(fields, function (field) {
    var list = document.getElementById(field.getAttribute("list"));
    var timer = null;
    var asked = "";
    var suggest = function () {
      var text = field.value.trim();
      if (text === asked || /\(#\d+\)\s*$/.test(text)) { return; }  // unchanged, or a suggestion chosen
      asked = text;
      if (!text) { list.replaceChildren(); return; }
      fetch(field.dataset.choicesUrl + "?q=" + encodeURIComponent(text),
            { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || text !== field.value.trim()) { return; }  // a later keystroke asks again
          list.replaceChildren.apply(list, data.options.map(function (option) {
            var item = document.createElement("option");
            item.value = option.value;
            return item;
          }));
        })
        .catch(function () { /* no suggestions this time; typing on asks again */ });
    };
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(suggest, 200);
    });
  });
})();
