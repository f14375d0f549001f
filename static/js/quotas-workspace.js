// Recommending units' pages: switch guides on change; keep the ranking panel's focus after htmx swaps.
(function () {
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Pass and return ask first (data-confirm); delegated, so rows swapped in by htmx ask too.
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) { evt.preventDefault(); evt.stopPropagation(); }
  }, true);
  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    // Show the server's message instead of silently ignoring an error answer.
    if (evt.detail.xhr.status >= 400 && evt.detail.xhr.status < 500 && evt.detail.serverResponse) {
      evt.detail.shouldSwap = evt.detail.serverResponse.indexOf('id="ranking-panel"') !== -1;
    }
  });
})();
