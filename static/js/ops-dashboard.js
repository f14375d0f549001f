// Admin dashboard charts (Apache ECharts, vendored). Numbers come from the page's json_script block, the same
// numbers as its tables and lists; each chart is also readable as the table beside or below it.
(function () {
  "use strict";
  var el = document.getElementById("dashboard-data");
  if (!el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(el.textContent);
  var palette = ["#0d6efd", "#198754", "#ffc107", "#dc3545", "#6f42c1", "#20c997", "#fd7e14", "#6c757d", "#0dcaf0", "#d63384"];
  var charts = [];

  function init(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    var chart = echarts.init(node, null, { renderer: "canvas" });
    charts.push(chart);
    return chart;
  }

  var states = init("chart-states");
  if (states && data.states) {
    states.setOption({
      animation: false, color: palette, tooltip: { trigger: "item" },
      legend: { type: "scroll", orient: "vertical", right: 0, top: "middle" },
      series: [{ type: "pie", radius: ["45%", "70%"], center: ["30%", "50%"], label: { show: false },
        data: data.states.labels.map(function (label, i) { return { name: label, value: data.states.values[i] }; }) }]
    });
  }

  var directions = init("chart-directions");
  if (directions && data.directions) {
    directions.setOption({
      animation: false, tooltip: { trigger: "axis" },
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.directions.labels,
        axisLabel: { width: 150, overflow: "truncate" } },
      series: [{ type: "bar", data: data.directions.values, itemStyle: { color: "#0d6efd" } }]
    });
  }

  // The tile-grid cartogram: one square per province-level region, placed roughly as on the map.
  var regions = init("chart-regions");
  if (regions && data.tiles) {
    var shades = ["#cfe2ff", "#9ec5fe", "#6ea8fe", "#0a58ca", "#084298"];
    var max = Math.max.apply(null, data.tiles.map(function (t) { return t.n; }).concat([1]));
    var cols = 1 + Math.max.apply(null, data.tiles.map(function (t) { return t.x; }));
    var rows = 1 + Math.max.apply(null, data.tiles.map(function (t) { return t.y; }));
    var tiles = data.tiles.map(function (t) {
      var step = t.n ? Math.min(shades.length - 1, Math.floor(t.n / max * (shades.length - 1))) : -1;
      return { name: t.label, value: [t.x, t.y, t.n], key: t.key, short: t.short, n: t.n,
        itemStyle: { color: step < 0 ? "#e9ecef" : shades[step] },
        label: { color: step >= 3 ? "#ffffff" : "#212529" } };
    });
    var cell = function () { return Math.floor(Math.min(regions.getWidth() / cols, regions.getHeight() / rows) * 0.92); };
    regions.setOption({
      animation: false,
      tooltip: { formatter: function (p) { return p.data.name + "：" + p.data.n; } },
      grid: { left: 0, right: 0, top: 0, bottom: 0 },
      xAxis: { type: "value", min: -0.5, max: cols - 0.5, show: false },
      yAxis: { type: "value", min: -0.5, max: rows - 0.5, inverse: true, show: false },
      series: [{ type: "scatter", symbol: "roundRect", symbolSize: cell(), data: tiles, cursor: "pointer",
        label: { show: true, position: "inside", fontSize: 12, lineHeight: 16,
          formatter: function (p) { return p.data.short + "\n" + p.data.n; } } }]
    });
    regions.on("click", function (p) {
      if (p.data && p.data.n) { window.location.href = data.list_url + "&region=" + encodeURIComponent(p.data.key); }
    });
    regions.resizeTiles = function () { regions.setOption({ series: [{ symbolSize: cell() }] }); };
  }

  function progress(id, rows) {
    var chart = init(id);
    if (!chart || !rows || !rows.length) { return; }
    chart.setOption({
      animation: false, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 }, color: ["#198754", "#adb5bd"],
      grid: { left: 8, right: 24, top: 28, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.label; }),
        axisLabel: { width: 150, overflow: "truncate" } },
      series: [
        { name: "已提交", type: "bar", stack: "all", data: rows.map(function (r) { return r.done; }) },
        { name: "未提交", type: "bar", stack: "all", data: rows.map(function (r) { return r.total - r.done; }) }
      ]
    });
  }
  if (data.review) {
    progress("chart-review-panels", data.review.panels);
    progress("chart-review-directions", data.review.directions);
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
    if (regions && regions.resizeTiles) { regions.resizeTiles(); }
  });
})();
