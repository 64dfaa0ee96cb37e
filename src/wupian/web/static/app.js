// wupian web app: CSRF header for htmx, auto-submitting selects, and the ECharts charts of the cockpit.
// Loaded from this server only (the Content-Security-Policy forbids inline and foreign scripts).
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener("htmx:configRequest", function (e) {
    if (meta) { e.detail.headers["X-CSRF-Token"] = meta.content; }
  });
  document.querySelectorAll("select.autosubmit").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  function json(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function chart(id) {
    var el = document.getElementById(id);
    return el && window.echarts ? window.echarts.init(el, null, { renderer: "canvas" }) : null;
  }
  var font = { fontFamily: '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif' };
  window.addEventListener("DOMContentLoaded", function () {
    var trend = json("trend-data"), c1 = chart("trend-chart");
    if (trend && c1) {
      c1.setOption({
        textStyle: font, tooltip: { trigger: "axis" }, legend: { top: 0 },
        grid: { left: 60, right: 20, top: 40, bottom: 40 },
        xAxis: { type: "category", data: trend.dates, axisLabel: { interval: 0 } },
        yAxis: { type: "value", name: "亿元" },
        series: trend.series.map(function (s) {
          return { name: s[1], type: "line", data: trend.rows.map(function (r) { return r[s[0]] === "" ? null : Number(r[s[0]]); }) };
        })
      });
    }
    var rank = json("rank-data"), c2 = chart("rank-chart");
    if (rank && c2) {
      var names = rank.names.slice().reverse();
      var values = rank.values.slice().reverse().map(function (v) { return v === "" ? null : Number(v); });
      c2.setOption({
        textStyle: font, tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v.toFixed(2) + "亿元"; } },
        grid: { left: 130, right: 30, top: 10, bottom: 45 },
        xAxis: { type: "value", name: "余额（亿元）", nameLocation: "middle", nameGap: 24 },
        yAxis: { type: "category", data: names, axisLabel: { interval: 0, width: 120, overflow: "truncate" } },
        series: [{ type: "bar", data: values, itemStyle: { color: "#b3261e" } }]
      });
    }
  });
})();
