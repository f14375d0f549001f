// Admin dashboard charts. Numbers come from the page's json_script block (the same numbers as its tables).
(function () {
  var el = document.getElementById("dashboard-data");
  if (!el || typeof Chart === "undefined") return;
  var data = JSON.parse(el.textContent);
  var palette = ["#0d6efd", "#198754", "#ffc107", "#dc3545", "#6f42c1", "#20c997", "#fd7e14", "#6c757d", "#0dcaf0", "#d63384"];
  function draw(id, series, type, horizontal) {
    var canvas = document.getElementById(id);
    if (!canvas || !series) return;
    new Chart(canvas, {
      type: type,
      data: { labels: series.labels, datasets: [{ data: series.values, backgroundColor: palette }] },
      options: {
        indexAxis: horizontal ? "y" : "x",
        plugins: { legend: { display: type === "doughnut", position: "right" } },
        scales: type === "doughnut" ? {} : { x: { ticks: { precision: 0 } }, y: { ticks: { precision: 0 } } },
        animation: false
      }
    });
  }
  draw("chart-states", data.states, "doughnut", false);
  draw("chart-directions", data.directions, "bar", true);
  draw("chart-regions", data.regions, "bar", false);
})();
