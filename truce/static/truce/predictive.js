// Draws the calibration chart (mean predicted vs observed win rate per band) from the JSON
// beside it; the table under it has the same figures.
(function () {
  "use strict";

  function draw() {
    var canvas = document.getElementById("calibration-chart");
    var source = document.getElementById("calibration-data");
    if (typeof Chart === "undefined" || !canvas || !source) return;
    var data = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: "Observed win rate", data: data.observed, backgroundColor: "#1f5fbf" },
          { type: "line", label: "Mean predicted", data: data.predicted, borderColor: "#d9822b", spanGaps: true },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, max: 1 } },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
