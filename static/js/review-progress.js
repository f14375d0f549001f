// Progress bars: widths come from data-percent (CSP forbids inline style attributes).
(function () {
  "use strict";
  document.querySelectorAll("[data-percent]").forEach(function (bar) {
    bar.style.width = Math.max(0, Math.min(100, parseInt(bar.dataset.percent, 10) || 0)) + "%";
  });
})();
