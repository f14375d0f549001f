// Scoring form: live weighted-total preview and a confirmation before final submission.
(function () {
  "use strict";
  var form = document.getElementById("score-form");
  var out = document.getElementById("score-total");
  function update() {
    if (!form || !out) { return; }
    var total = 0, any = false;
    form.querySelectorAll("input[data-weight]").forEach(function (input) {
      var v = parseFloat(input.value);
      if (!isNaN(v)) { any = true; total += v * parseFloat(input.dataset.weight); }
    });
    out.textContent = any ? total.toFixed(2) : "—";
  }
  if (form) {
    form.addEventListener("input", update);
    update();
  }
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
