// Draws the report charts. Each .kt-chart[data-figure] names a <script type="application/json">
// holding its plotly figure ({data, layout, config}, written by reports/charts.py): data, not
// code, so the Content-Security-Policy needs no inline script. plotly.js is loaded before this.
(function () {
  function draw() {
    document.querySelectorAll(".kt-chart[data-figure]").forEach(function (div) {
      var source = document.getElementById(div.getAttribute("data-figure"));
      if (!source) return;
      var figure = JSON.parse(source.textContent);
      window.Plotly.newPlot(div, figure.data, figure.layout, figure.config);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
