// Row editor for small lists (IP items, application cases). Rows live in a hidden
// JSON input so the form posts one field; the server validates every row again.
(function () {
  function build(container) {
    var input = document.getElementById(container.dataset.target);
    var columns = JSON.parse(container.dataset.columns);
    var rows = [];
    try { rows = JSON.parse(input.value || "[]"); } catch (e) { rows = []; }
    var table = document.createElement("table");
    table.className = "table table-sm table-bordered bg-white mb-2";
    var thead = document.createElement("thead");
    var headRow = document.createElement("tr");
    var numTh = document.createElement("th");
    numTh.textContent = "#";
    headRow.appendChild(numTh);
    columns.forEach(function (c) { var th = document.createElement("th"); th.textContent = c[1]; headRow.appendChild(th); });
    headRow.appendChild(document.createElement("th"));
    thead.appendChild(headRow);
    table.appendChild(thead);
    var body = document.createElement("tbody");
    table.appendChild(body);
    var footer = document.createElement("div");
    footer.className = "d-flex align-items-center gap-3 mb-1";
    var add = document.createElement("button");
    add.type = "button";
    add.className = "btn btn-sm btn-outline-secondary";
    add.textContent = container.dataset.addLabel || "+ 添加一行";
    var count = document.createElement("span");
    count.className = "small text-muted rowlist-count";
    footer.appendChild(add);
    footer.appendChild(count);

    function renumber() {
      var n = 0;
      body.querySelectorAll("tr").forEach(function (tr, i) {
        tr.querySelector(".row-no").textContent = i + 1;
        tr.querySelectorAll("[data-key]").forEach(function (el) {
          el.setAttribute("aria-label", el.dataset.label + " " + (i + 1));
        });
        n += 1;
      });
      count.textContent = (container.dataset.countLabel || "共 %(n)s 行").replace("%(n)s", n);
    }
    function sync() {
      var data = [];
      body.querySelectorAll("tr").forEach(function (tr) {
        var row = {};
        tr.querySelectorAll("[data-key]").forEach(function (el) { row[el.dataset.key] = el.value; });
        data.push(row);
      });
      input.value = JSON.stringify(data);
      renumber();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function addRow(values) {
      var tr = document.createElement("tr");
      var no = document.createElement("td");
      no.className = "row-no text-muted small";
      tr.appendChild(no);
      columns.forEach(function (c) {
        var td = document.createElement("td");
        var el = document.createElement(c[0] === "description" ? "textarea" : "input");
        el.className = "form-control form-control-sm";
        if (c[0] === "description") el.rows = 2;
        el.dataset.key = c[0];
        el.dataset.label = c[1];
        el.value = (values && values[c[0]]) || "";
        el.addEventListener("input", sync);
        td.appendChild(el);
        tr.appendChild(td);
      });
      var td = document.createElement("td");
      var del = document.createElement("button");
      del.type = "button";
      del.className = "btn btn-sm btn-outline-danger";
      del.textContent = "删除";
      del.addEventListener("click", function () { tr.remove(); sync(); });
      td.appendChild(del);
      tr.appendChild(td);
      body.appendChild(tr);
      return tr;
    }
    rows.forEach(addRow);
    add.addEventListener("click", function () {
      var tr = addRow({});
      sync();
      var first = tr.querySelector("[data-key]");
      if (first) first.focus();
    });
    container.appendChild(table);
    container.appendChild(footer);
    renumber();
  }
  document.querySelectorAll(".rowlist").forEach(build);
})();
