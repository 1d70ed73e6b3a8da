// The device page's telemetry chart: uPlot over the console's telemetry endpoint (the telemetry feature's
// downsampling query), redrawn every data-refresh milliseconds. No inline script: loaded from the server only.
(function () {
  "use strict";
  var PALETTE = ["#0b5cad", "#a4161a", "#136f2d", "#7a3e9d", "#b35900", "#1b1f24"];

  function start() {
    var box = document.getElementById("telemetry-chart");
    if (!box || typeof uPlot === "undefined") {
      return;
    }
    var chart = null;
    var shape = "";

    function draw(data) {
      var names = Object.keys(data.series);
      var empty = document.getElementById("telemetry-empty");
      if (empty) {
        empty.hidden = names.length > 0;
      }
      var points = 0;
      var columns = [data.t];
      names.forEach(function (n) {
        columns.push(data.series[n]);
        data.series[n].forEach(function (v) { if (v !== null) { points++; } });
      });
      box.setAttribute("data-points", String(points));
      box.setAttribute("data-metrics", names.join(","));
      if (names.length === 0) {
        if (chart) { chart.destroy(); chart = null; shape = ""; }
        return;
      }
      var key = names.join("\n");
      if (chart && key === shape) {
        chart.setData(columns);
        return;
      }
      if (chart) { chart.destroy(); }
      shape = key;
      var series = [{}].concat(names.map(function (n, i) {
        return { label: n, stroke: PALETTE[i % PALETTE.length], width: 2, spanGaps: true };
      }));
      chart = new uPlot({ width: Math.max(280, box.clientWidth), height: 240, series: series,
                          axes: [{}, {}] }, columns, box);
    }

    function load() {
      fetch(box.getAttribute("data-src"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) { draw(data); } })
        .catch(function () { /* the next refresh tries again */ });
    }

    load();
    var every = parseInt(box.getAttribute("data-refresh"), 10) || 5000;
    setInterval(load, every);
    window.addEventListener("resize", function () {
      if (chart) { chart.setSize({ width: Math.max(280, box.clientWidth), height: 240 }); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
