// Under every textarea and text input with a maxlength: "已输入 N / M 字", updated as the user types.
// Counts characters as the server does (code points), so the number matches its limit message.
(function () {
  "use strict";
  function length(value) { return Array.from(value).length; }
  function attach(field) {
    if (field.type === "hidden" || field.dataset.counterAttached) { return; }
    var max = parseInt(field.getAttribute("maxlength"), 10);
    if (!(max > 0)) { return; }
    field.dataset.counterAttached = "1";
    var counter = document.createElement("div");
    counter.className = "form-text char-counter text-end";
    counter.setAttribute("aria-live", "polite");
    if (field.id) { counter.id = field.id + "-counter"; }
    function update() {
      var n = length(field.value);
      counter.textContent = "已输入 " + n + " / " + max + " 字";
      counter.classList.toggle("text-danger", n >= max);
    }
    field.insertAdjacentElement("afterend", counter);
    field.addEventListener("input", update);
    update();
  }
  function init() {
    document.querySelectorAll("textarea[maxlength], input[maxlength]").forEach(attach);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
