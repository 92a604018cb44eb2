// Draws a report's chart from its Table (columns, rows and the chart spec beside it):
// {type, x, y: [column keys], series?: column key, where?: {column: value}}. With `series`,
// one dataset per series value (of the first y column); otherwise one per y column.
// Runs on load and again after htmx swaps the result for another query.
(function () {
  "use strict";

  var COLOURS = ["#1f5fbf", "#e07b39", "#3a9d5d", "#b7cdee", "#8e5ea2", "#c9463d", "#6c757d"];

  function number(value) {
    return value === null || value === undefined || value === "" ? null : Number(value);
  }

  function rowsOf(data) {
    var where = data.chart.where || {};
    return data.rows.filter(function (row) {
      return Object.keys(where).every(function (key) { return row[key] === where[key]; });
    });
  }

  function unique(values) {
    return values.filter(function (v, i) { return values.indexOf(v) === i; });
  }

  function datasets(data, rows, labels) {
    var spec = data.chart;
    var label = {};
    data.columns.forEach(function (c) { label[c.key] = c.label; });
    if (!spec.series) {
      return spec.y.map(function (key, i) {
        return { label: label[key], data: rows.map(function (r) { return number(r[key]); }),
                 backgroundColor: COLOURS[i % COLOURS.length], borderColor: COLOURS[i % COLOURS.length] };
      });
    }
    var names = unique(rows.map(function (r) { return String(r[spec.series]); }));
    return names.map(function (name, i) {
      var points = labels.map(function (x) {
        var hit = rows.find(function (r) { return String(r[spec.x]) === x && String(r[spec.series]) === name; });
        return hit ? number(hit[spec.y[0]]) : null;
      });
      return { label: name, data: points, backgroundColor: COLOURS[i % COLOURS.length],
               borderColor: COLOURS[i % COLOURS.length] };
    });
  }

  function draw(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source || Chart.getChart(canvas)) return;
      var data = JSON.parse(source.textContent);
      var rows = rowsOf(data);
      var labels = unique(rows.map(function (r) { return String(r[data.chart.x]); }));
      new Chart(canvas, {
        type: data.chart.type === "line" ? "line" : "bar",
        data: { labels: labels, datasets: datasets(data, rows, labels) },
        options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
