// The console's only script: draws the charts whose figures each page carries in data-chart, with Chart.js. Without
// it (or without script at all) every figure is still on the page as text.
(function () {
  "use strict";
  var palette = ["#4a154b", "#2eb67d", "#b0a4b3", "#9ad6b9"];
  function draw(figure) {
    var spec = JSON.parse(figure.getAttribute("data-chart"));
    var sparkline = spec.kind === "sparkline";
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", figure.textContent.trim());
    figure.insertBefore(canvas, figure.firstChild);
    figure.classList.add("drawn");
    new window.Chart(canvas, {
      type: sparkline ? "line" : "bar",
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) {
          return {
            label: s.label,
            data: s.data,
            borderColor: palette[i % palette.length],
            backgroundColor: palette[i % palette.length],
            pointRadius: 0,
            borderWidth: sparkline ? 1.5 : 0,
            tension: 0.3
          };
        })
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: !sparkline }, tooltip: { enabled: !sparkline } },
        scales: sparkline
          ? { x: { display: false }, y: { display: false, beginAtZero: true } }
          : { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }
  function start() {
    if (!window.Chart) {
      return;
    }
    document.querySelectorAll("figure.chart[data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
