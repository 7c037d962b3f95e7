/* KAM page behaviour: the phone navigation drawer and ECharts charts (also after htmx swaps). */
(function () {
  "use strict";

  function setNav(open) {
    document.body.classList.toggle("nav-open", open);
    var toggle = document.querySelector("[data-nav-toggle]");
    if (toggle) toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-nav-toggle]")) {
      setNav(!document.body.classList.contains("nav-open"));
    } else if (event.target.closest("[data-nav-close]")) {
      setNav(false);
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") setNav(false);
  });

  var palette = ["#1f5eff", "#14b8a6", "#f59e0b", "#7c3aed", "#ef4444", "#0ea5e9", "#84cc16"];

  function axisLabel(value) {
    return Number(value).toLocaleString(undefined, { maximumFractionDigits: 0 });
  }

  var builders = {
    // Open pipeline by stage: amount bars, deal count line.
    stages: function (d) {
      return {
        color: palette,
        grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis" },
        legend: { top: 0, right: 0, itemWidth: 12, itemHeight: 8 },
        xAxis: { type: "category", data: d.stages, axisTick: { show: false },
                 axisLabel: { interval: 0, color: "#4a5568", fontSize: 11 } },
        yAxis: [
          { type: "value", name: d.unit, nameTextStyle: { color: "#7a8599" },
            axisLabel: { formatter: axisLabel, color: "#7a8599" }, splitLine: { lineStyle: { color: "#eef1f6" } } },
          { type: "value", minInterval: 1, axisLabel: { color: "#7a8599" }, splitLine: { show: false } }
        ],
        series: [
          { name: d.amountLabel, type: "bar", barMaxWidth: 36, itemStyle: { borderRadius: [5, 5, 0, 0] },
            data: d.amounts.map(function (v) { return Math.round(v / d.divisor * 100) / 100; }) },
          { name: d.countLabel, type: "line", yAxisIndex: 1, smooth: true, symbolSize: 7, data: d.counts }
        ]
      };
    },
    // Relationship assessments over time: closeness, solution and price acceptance (0–100).
    trend: function (d) {
      return {
        color: palette,
        grid: { left: 8, right: 32, top: 36, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis" },
        legend: { top: 0, left: 0, itemWidth: 12, itemHeight: 8 },
        xAxis: { type: "category", data: d.dates, boundaryGap: false, axisLabel: { color: "#7a8599" } },
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { color: "#7a8599" },
                 splitLine: { lineStyle: { color: "#eef1f6" } } },
        series: d.series.map(function (s) {
          return { name: s.name, type: "line", smooth: true, symbolSize: 6, data: s.data };
        })
      };
    }
  };

  function renderCharts(root) {
    if (!window.echarts) return;
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.ready) return;
      var source = document.getElementById(el.dataset.source);
      var build = builders[el.dataset.chart];
      if (!source || !build) return;
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(build(JSON.parse(source.textContent)));
      el.dataset.ready = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { renderCharts(document); });
  document.addEventListener("htmx:afterSettle", function (event) { renderCharts(event.target); });
})();
