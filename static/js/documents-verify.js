// Verification page: hash a dropped or chosen file in the browser (Web Crypto; nothing is uploaded)
// and say whether it is one of the files the system issued for this document, and which version.
(function () {
  "use strict";
  var card = document.getElementById("verify-file");
  if (!card) return;
  var versions = JSON.parse(document.getElementById("verify-versions").textContent);
  var input = document.getElementById("verify-input");
  var drop = document.getElementById("verify-drop");
  var out = document.getElementById("verify-result");
  var msg = card.dataset;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, k) { return values[k] || ""; });
  }

  function show(kind, text, hex) {
    out.replaceChildren();
    var box = document.createElement("div");
    box.className = "alert mb-0 alert-" + kind;
    box.setAttribute("data-verify-outcome", kind);
    var strong = document.createElement("strong");
    strong.textContent = text;
    box.appendChild(strong);
    if (hex) {
      var line = document.createElement("div");
      line.className = "small font-monospace text-break mt-1";
      line.textContent = msg.msgHash + hex;
      box.appendChild(line);
    }
    out.appendChild(box);
  }

  async function check(file) {
    if (!file) return;
    if (!(window.crypto && window.crypto.subtle)) { show("secondary", msg.msgUnsupported); return; }
    show("light", msg.msgWorking);
    var digest = await window.crypto.subtle.digest("SHA-256", await file.arrayBuffer());
    var hex = Array.from(new Uint8Array(digest), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    var match = versions.find(function (v) { return v.sha256 === hex; });
    var current = versions.find(function (v) { return v.current; });
    if (!match) show("danger", msg.msgMismatch, hex);
    else if (match.current) show("success", fill(msg.msgMatchCurrent, {number: match.number}), hex);
    else show("warning", fill(msg.msgMatchOld, {number: match.number, latest: current ? current.number : ""}), hex);
  }

  input.addEventListener("change", function () { check(input.files[0]); });
  drop.addEventListener("dragover", function (e) { e.preventDefault(); drop.classList.add("border-primary"); });
  drop.addEventListener("dragleave", function () { drop.classList.remove("border-primary"); });
  drop.addEventListener("drop", function (e) {
    e.preventDefault();
    drop.classList.remove("border-primary");
    if (e.dataTransfer.files.length) check(e.dataTransfer.files[0]);
  });
})();
