// The scoring-sheet form: the weight total, updated while typing (the server checks it again on save).
(function () {
  "use strict";
  var out = document.querySelector("#weight-total span");
  if (!out) { return; }
  function update() {
    var total = 0;
    document.querySelectorAll("#criteria tbody tr").forEach(function (row) {
      var weight = row.querySelector(".weight-input");
      var del = row.querySelector("input[type=checkbox]");
      var n = weight ? parseInt(weight.value, 10) : NaN;
      if (!isNaN(n) && !(del && del.checked)) { total += n; }
    });
    out.textContent = String(total);
  }
  document.getElementById("criteria").addEventListener("input", update);
  document.getElementById("criteria").addEventListener("change", update);
  update();
})();
