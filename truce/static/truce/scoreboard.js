// Draws each team's bar chart (target vs actual per commitment) from the JSON beside it;
// runs on load and again after htmx swaps the board for another period.
(function () {
  "use strict";

  function draw(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source || Chart.getChart(canvas)) return;
      var data = JSON.parse(source.textContent);
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [
            { label: "Target", data: data.target, backgroundColor: "#b7cdee" },
            { label: "Actual", data: data.actual, backgroundColor: "#1f5fbf" },
          ],
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          scales: { y: { beginAtZero: true } },
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
