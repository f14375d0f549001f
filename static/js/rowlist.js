// Row editor for small lists (IP items, application cases). Rows live in a hidden
// JSON input so the form posts one field; the server validates every row again.
(function () {
  function build(container) {
    var input = document.getElementById(container.dataset.target);
    var columns = JSON.parse(container.dataset.columns);
    var rows = [];
    try { rows = JSON.parse(input.value || "[]"); } catch (e) { rows = []; }
    var table = document.createElement("table");
    table.className = "table table-sm table-bordered bg-white";
    var head = "<thead><tr>" + columns.map(function (c) { return "<th>" + c[1] + "</th>"; }).join("") + "<th></th></tr></thead>";
    table.innerHTML = head + "<tbody></tbody>";
    var body = table.querySelector("tbody");
    var add = document.createElement("button");
    add.type = "button";
    add.className = "btn btn-sm btn-outline-secondary mb-3";
    add.textContent = "+ 添加一行";

    function sync() {
      var data = [];
      body.querySelectorAll("tr").forEach(function (tr) {
        var row = {};
        tr.querySelectorAll("[data-key]").forEach(function (el) { row[el.dataset.key] = el.value; });
        data.push(row);
      });
      input.value = JSON.stringify(data);
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function addRow(values) {
      var tr = document.createElement("tr");
      columns.forEach(function (c) {
        var td = document.createElement("td");
        var el = document.createElement(c[0] === "description" ? "textarea" : "input");
        el.className = "form-control form-control-sm";
        el.dataset.key = c[0];
        el.setAttribute("aria-label", c[1]);
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
    }
    rows.forEach(addRow);
    add.addEventListener("click", function () { addRow({}); sync(); });
    container.appendChild(table);
    container.appendChild(add);
  }
  document.querySelectorAll(".rowlist").forEach(build);
})();
