// Saves the declaration draft while the applicant types, and whenever they leave a
// section. The server refuses a save made from a stale copy (another tab saved
// first) with 409; we then stop autosaving and say so, so nothing is overwritten.
// A click on "保存草稿"/"提交申报" waits for a save in flight, so the page never
// races itself with an old version number. When the server is unavailable (503:
// database or Redis outage) the typing stays in the page and the save is retried
// later, waiting longer each time (up to a minute).
(function () {
  var form = document.getElementById("declaration-form");
  if (!form) return;
  var status = document.getElementById("autosave-status");
  var versionInput = form.querySelector("input[name=version]");
  var timer = null, saving = false, dirty = false, stopped = false, submitting = false, queuedSubmit = null;
  var retryIn = 0;  // ms until the next try after an outage; 0 when the last save worked

  function show(text, cls) { status.textContent = text; status.className = "autosave-status small " + cls; }

  function payload() {
    var data = new FormData(form);
    data.delete("submit");
    data.delete("save");
    return data;
  }

  function save() {
    clearTimeout(timer); timer = null;
    if (stopped || submitting) return;
    if (saving) { dirty = true; return; }
    if (!dirty) return;
    saving = true; dirty = false;
    show("正在保存…", "text-muted");
    fetch(form.dataset.autosaveUrl, { method: "POST", body: payload(), credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" } })
      .then(function (r) {
        return r.json().catch(function () { return { ok: false, message: "保存失败（服务器返回 " + r.status + "），请稍后重试" }; })
          .then(function (j) { return { status: r.status, body: j }; });
      })
      .then(function (res) {
        if (res.body.ok) {
          versionInput.value = res.body.version;
          retryIn = 0;
          show("已自动保存 " + res.body.saved_at, "text-success");
        } else if (res.status >= 502 && res.status <= 504) {  // outage (503 from us, 502/504 from a proxy)
          dirty = true;
          retryIn = Math.min(retryIn ? retryIn * 2 : 5000, 60000);
          show((res.body.message || "系统暂时无法保存，请稍后重试；您填写的内容仍保留在页面上，不会丢失。") +
               "（" + Math.round(retryIn / 1000) + " 秒后自动重试）", "text-danger");
        } else if (res.status === 409) {
          stopped = true;
          show(res.body.message, "text-danger fw-bold");
        } else {
          show(res.body.message || "部分内容有误，暂未保存", "text-danger");
        }
      })
      .catch(function () { dirty = true; show("网络异常，暂未保存，恢复后将自动重试", "text-danger"); })
      .finally(function () {
        saving = false;
        if (queuedSubmit) { var s = queuedSubmit; queuedSubmit = null; submitNow(s); return; }
        if (dirty && retryIn) { clearTimeout(timer); timer = setTimeout(save, retryIn); }
        else if (dirty) schedule();
      });
  }
  function schedule() { dirty = true; clearTimeout(timer); timer = setTimeout(save, 1200); }
  function submitNow(submitter) {
    submitting = true;
    clearTimeout(timer);
    if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
  }

  // The applicant's role (data owner / service provider) only matters for some directions.
  var direction = form.querySelector("select[name=direction][data-role-split]");
  var roleBox = document.getElementById("div_id_applicant_role");
  function toggleRole() {
    if (!direction || !roleBox) return;
    var needs = direction.dataset.roleSplit.split(",").indexOf(direction.value) >= 0;
    var role = roleBox.querySelector("select");
    roleBox.hidden = !needs && !(role && role.value);
  }
  if (direction) { direction.addEventListener("change", toggleRole); toggleRole(); }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.querySelectorAll(".section-card").forEach(function (card) {
    card.addEventListener("focusout", function (e) {
      if (dirty && !card.contains(e.relatedTarget)) save();
    });
  });
  form.addEventListener("submit", function (e) {
    if (submitting) return;  // the real submit, after any save in flight finished
    if (saving) { e.preventDefault(); queuedSubmit = e.submitter || null; show("正在保存…", "text-muted"); return; }
    submitting = true;
    clearTimeout(timer);
  });
  // Other forms on the page (attachment upload, deletion) leave the page: save the typing first.
  document.querySelectorAll("form[data-save-first]").forEach(function (other) {
    other.addEventListener("submit", function (e) {
      if (stopped || (!dirty && !saving) || other.dataset.saved === "1") return;
      e.preventDefault();
      show("正在保存…", "text-muted");
      var wait = setInterval(function () {
        if (saving) return;
        if (dirty) { if (!retryIn) save(); return; }  // during an outage the retry timer saves
        clearInterval(wait);
        other.dataset.saved = "1";
        if (other.requestSubmit) { other.requestSubmit(e.submitter || undefined); } else { other.submit(); }
      }, 100);
    });
  });
  // Closing the tab with unsaved typing: one last save that outlives the page.
  window.addEventListener("pagehide", function () {
    if (dirty && !stopped && !submitting && navigator.sendBeacon) {
      navigator.sendBeacon(form.dataset.autosaveUrl, payload());
    }
  });
})();
