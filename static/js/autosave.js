// Saves the declaration draft while the applicant types, and whenever they leave a
// section. The server refuses a save made from a stale copy (another tab saved
// first) with 409; we then stop autosaving and say so, so nothing is overwritten.
(function () {
  var form = document.getElementById("declaration-form");
  if (!form) return;
  var status = document.getElementById("autosave-status");
  var versionInput = form.querySelector("input[name=version]");
  var timer = null, saving = false, pending = false, stopped = false;

  function show(text, cls) { status.textContent = text; status.className = "autosave-status small " + cls; }

  function save() {
    if (stopped) return;
    if (saving) { pending = true; return; }
    saving = true;
    var data = new FormData(form);
    data.delete("submit");
    show("正在保存…", "text-muted");
    fetch(form.dataset.autosaveUrl, { method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" } })
      .then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); })
      .then(function (res) {
        if (res.body.ok) {
          versionInput.value = res.body.version;
          show("已自动保存 " + res.body.saved_at, "text-success");
        } else if (res.status === 409) {
          stopped = true;
          show(res.body.message, "text-danger fw-bold");
        } else {
          var first = res.body.message || "部分内容有误，暂未保存：" + Object.values(res.body.errors || {}).flat().join("；");
          show(first, "text-danger");
        }
      })
      .catch(function () { show("网络异常，暂未保存，恢复后将自动重试", "text-danger"); pending = true; })
      .finally(function () {
        saving = false;
        if (pending) { pending = false; schedule(); }
      });
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(save, 1500); }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.querySelectorAll(".section-card").forEach(function (card) {
    card.addEventListener("focusout", function (e) {
      if (!card.contains(e.relatedTarget)) { clearTimeout(timer); save(); }
    });
  });
  window.addEventListener("beforeunload", function () {
    if (timer && !stopped) { navigator.sendBeacon(form.dataset.autosaveUrl, new FormData(form)); }
  });
})();
