// The assignment table's reviewer inputs ask the server for matching reviewers of the row's panel as the admin
// types (at most 20, by name, username or employer prefix) and offer them in one shared <datalist>. A chosen
// suggestion fills in the reviewer's username. Without this script the inputs are plain text fields whose value
// the server matches when the form is posted.
(function () {
  "use strict";
  var table = document.querySelector("[data-reviewer-search]");
  if (!table || !window.fetch) { return; }
  var url = table.dataset.reviewerSearch;
  var list = document.createElement("datalist");
  list.id = "reviewer-matches";
  table.after(list);
  var timer = null;
  var controller = null;
  var shown = "";  // panel and text of the suggestions in the list

  function fill(results) {
    var options = results.map(function (r) {
      var option = document.createElement("option");
      option.value = r.value;
      option.label = r.label;
      option.textContent = r.label;
      return option;
    });
    list.replaceChildren.apply(list, options);
  }

  function ask(input) {
    var q = input.value.trim();
    var key = input.dataset.panel + "\n" + q;
    if (key === shown) { return; }
    if (controller) { controller.abort(); }
    if (!q) { fill([]); shown = key; return; }
    controller = new AbortController();
    var params = new URLSearchParams({q: q});
    if (input.dataset.panel) { params.set("panel", input.dataset.panel); }
    fetch(url + "?" + params.toString(), {credentials: "same-origin", signal: controller.signal,
                                          headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {results: []}; })
      .then(function (data) { fill(data.results); shown = key; })
      .catch(function () { /* aborted by a newer request, or offline: the form still posts the text */ });
  }

  table.querySelectorAll("input[name=reviewer][data-panel]").forEach(function (input) {
    input.setAttribute("list", list.id);
    input.addEventListener("focus", function () {
      // Another row may belong to another panel: never show its suggestions here.
      if (shown.split("\n")[0] !== input.dataset.panel) { fill([]); shown = ""; }
      ask(input);
    });
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { ask(input); }, 200);
    });
  });
})();
