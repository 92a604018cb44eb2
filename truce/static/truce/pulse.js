// Draws the pulse trend (average score per question per round) from the JSON beside it.
// Rounds whose scores are withheld are gaps (null), never zeros.
(function () {
  "use strict";
  var COLOURS = ["#1f5fbf", "#c0392b", "#2e7d32", "#8e44ad", "#b7791f"];

  function draw() {
    var canvas = document.getElementById("pulse-trend");
    if (!canvas || typeof Chart === "undefined") return;
    var data = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series, i) {
          var colour = COLOURS[i % COLOURS.length];
          return { label: series.label, data: series.data, borderColor: colour, backgroundColor: colour, spanGaps: false };
        }),
      },
      options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 1, max: 5 } } },
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
