// Rule form: show only the parameter groups of the chosen rule kind. The server ignores the others anyway.
(function () {
  var form = document.getElementById("rule-form");
  if (!form) return;
  var kind = form.querySelector("[name=kind]");
  function sync() {
    form.querySelectorAll("[data-rule-kinds]").forEach(function (fs) {
      fs.hidden = fs.dataset.ruleKinds.split(" ").indexOf(kind.value) === -1;
    });
  }
  kind.addEventListener("change", sync);
  sync();
})();
