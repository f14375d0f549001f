// Refresh document status boxes while a document is queued or rendering.
// A box with data-doc-poll="<url>" is replaced by the server's fresh fragment every
// two seconds; the fragment drops the attribute once the document is ready or failed.
(function () {
  "use strict";
  var INTERVAL = 2000;
  function poll(box) {
    var url = box.getAttribute("data-doc-poll");
    if (!url) return;
    window.setTimeout(function () {
      fetch(url, {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html.trim();
          var fresh = holder.firstElementChild;
          if (!fresh || !box.parentNode) return;
          box.parentNode.replaceChild(fresh, box);
          poll(fresh);
        })
        .catch(function () { window.setTimeout(function () { poll(box); }, INTERVAL * 2); });
    }, INTERVAL);
  }
  function start() {
    document.querySelectorAll("[data-doc-poll]").forEach(function (box) {
      if (box.dataset.docPolling) return;
      box.dataset.docPolling = "1";
      poll(box);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
