/**
 * The report page: one self-contained HTML file (no network) drawing a `ReportModel` with Apache
 * ECharts (its minified build is inlined by the caller). The map is ECharts' `geo` component over
 * the features' own coordinates (input CRS: lon/lat drawn with a cos(latitude) aspect, projected
 * coordinates 1:1), polygons and lines as regions coloured on a viridis ramp, points as a scatter
 * series coloured by a continuous visual map on the same ramp (the legend); failed features are red, features without a value grey.
 * When every chart is drawn the page sets `<body data-rendered="ok">` (tests read it).
 */
import type { ReportModel } from './model';

/** The HTML page of `model`; `echartsSource` is the text of echarts.min.js. */
export function renderReportHtml(model: ReportModel, echartsSource: string): string {
  const data = JSON.stringify(model).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(model.title)}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #222; }
  h1 { font-size: 20px; margin: 0 0 8px; }
  .grid { display: grid; grid-template-columns: minmax(420px, 3fr) minmax(320px, 2fr); gap: 16px; }
  .chart { height: 440px; border: 1px solid #ddd; border-radius: 4px; }
  #series { height: 360px; margin-top: 16px; }
  table { border-collapse: collapse; }
  td, th { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
  .note { color: #666; }
  .failed { color: #c00; }
</style>
</head>
<body>
<h1>${escapeHtml(model.title)}</h1>
<p class="note">Coloured by <b id="stat-name">${escapeHtml(model.stat)}</b>; failed features in <span class="failed">red</span>, features without a value in grey.</p>
<div class="grid">
  <div><div id="map" class="chart"></div><p class="note" id="map-note"></p></div>
  <div><div id="histogram" class="chart"></div></div>
</div>
<div id="series" class="chart" style="display:none"></div>
<h2>Summary</h2>
<table id="summary"></table>
<h2>Failed features (<span id="failed-count">0</span>)</h2>
<table id="failures"><tr><th>fid</th><th>id</th><th>reason</th></tr></table>
<script type="application/json" id="report-data">${data}</script>
<script>${echartsSource.replace(/<\/script/gi, '<\\/script')}</script>
<script>
(function () {
  var m = JSON.parse(document.getElementById('report-data').textContent);
  function cell(tr, text, tag) { var c = document.createElement(tag || 'td'); c.textContent = text; tr.appendChild(c); }
  var summary = document.getElementById('summary');
  Object.keys(m.summary).forEach(function (k) { var tr = document.createElement('tr'); cell(tr, k, 'th'); cell(tr, String(m.summary[k])); summary.appendChild(tr); });
  var failures = document.getElementById('failures');
  document.getElementById('failed-count').textContent = String(m.failuresTotal);
  m.failures.slice(0, 200).forEach(function (f) { var tr = document.createElement('tr'); tr.className = 'failed'; cell(tr, f.fid === null ? 'NULL' : String(f.fid)); cell(tr, f.id); cell(tr, f.reason); failures.appendChild(tr); });
  if (m.failuresTotal > Math.min(200, m.failures.length)) { var more = document.createElement('tr'); cell(more, '... and ' + (m.failuresTotal - Math.min(200, m.failures.length)) + ' more (summary.json lists them)'); failures.appendChild(more); }

  // the map: regions for polygons and lines, a scatter series for points
  var regions = [], points = [], x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  function visit(c) { if (typeof c[0] === 'number') { x0 = Math.min(x0, c[0]); x1 = Math.max(x1, c[0]); y0 = Math.min(y0, c[1]); y1 = Math.max(y1, c[1]); } else c.forEach(visit); }
  m.map.forEach(function (f) {
    var g = f.geometry;
    if (g.type === 'GeometryCollection') return;
    visit(g.coordinates);
    if (g.type === 'Point' || g.type === 'MultiPoint') {
      (g.type === 'Point' ? [g.coordinates] : g.coordinates).forEach(function (p) { points.push({ name: String(f.fid), value: [p[0], p[1], f.value], error: f.error, id: f.id }); });
    } else regions.push({ type: 'Feature', properties: { name: String(f.fid) }, geometry: g });
  });
  var values = m.map.map(function (f) { return f.value; }).filter(function (v) { return v !== null; });
  var lo = values.length ? Math.min.apply(null, values) : 0, hi = values.length ? Math.max.apply(null, values) : 1;
  if (hi === lo) hi = lo + 1;
  var geographic = x0 >= -180 && x1 <= 180 && y0 >= -90 && y1 <= 90;
  var aspect = geographic ? Math.max(0.1, Math.cos(((y0 + y1) / 2) * Math.PI / 180)) : 1;
  var byFid = {}; m.map.forEach(function (f) { byFid[String(f.fid)] = f; });
  // viridis stops; polygons are coloured here, points by the visual map (the same ramp, its legend)
  var RAMP = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];
  function ramp(v) {
    var t = Math.max(0, Math.min(1, (v - lo) / (hi - lo))) * (RAMP.length - 1), i = Math.min(RAMP.length - 2, Math.floor(t)), f = t - i;
    function ch(c, k) { return parseInt(c.slice(1 + 2 * k, 3 + 2 * k), 16); }
    var rgb = [0, 1, 2].map(function (k) { return Math.round(ch(RAMP[i], k) * (1 - f) + ch(RAMP[i + 1], k) * f); });
    return 'rgb(' + rgb.join(',') + ')';
  }
  echarts.registerMap('features', { type: 'FeatureCollection', features: regions });
  var map = echarts.init(document.getElementById('map'), null, { renderer: 'canvas' });
  map.setOption({
    animation: false,
    tooltip: { trigger: 'item', formatter: function (p) { var f = byFid[p.name]; if (!f) return ''; return 'fid ' + (f.label === '' ? 'NULL' : f.label) + ' (' + f.id + ')<br>' + (f.error ? 'failed: ' + f.error : m.stat + ': ' + (f.value === null ? 'no value' : f.value)); } },
    visualMap: { type: 'continuous', min: lo, max: hi, calculable: false, seriesIndex: 0, dimension: 2, left: 8, bottom: 8, inRange: { color: RAMP }, text: [String(+hi.toPrecision(4)), String(+lo.toPrecision(4))] },
    geo: { map: 'features', roam: true, aspectScale: aspect, boundingCoords: isFinite(x0) ? [[x0, y1], [x1, y0]] : undefined,
      itemStyle: { areaColor: '#ccc', borderColor: '#555', borderWidth: 0.3 }, emphasis: { label: { show: false } },
      regions: regions.map(function (r) { var f = byFid[r.properties.name]; return { name: r.properties.name, itemStyle: { areaColor: f.error ? '#d00' : f.value === null ? '#ccc' : ramp(f.value) } }; }) },
    series: [
      { type: 'scatter', coordinateSystem: 'geo', symbolSize: 7, data: points.map(function (p) { return p.error ? { name: p.name, value: [p.value[0], p.value[1], NaN], itemStyle: { color: '#d00' } } : p; }) }
    ]
  });
  document.getElementById('map-note').textContent = m.map.length + ' features drawn' + (m.mapOmitted ? ', ' + m.mapOmitted + ' left off (too many to draw)' : '') + (m.map.length === 0 ? ' (the results carry no geometry: give --input)' : '');

  var h = m.histogram;
  var hist = echarts.init(document.getElementById('histogram'));
  hist.setOption({
    animation: false,
    title: { text: 'Histogram of ' + m.stat, textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: h.counts.map(function (_, i) { return (+h.edges[i].toPrecision(4)) + ' – ' + (+h.edges[i + 1].toPrecision(4)); }), axisLabel: { rotate: 45, fontSize: 10 } },
    yAxis: { type: 'value', name: 'features' },
    grid: { bottom: 90 },
    series: [{ type: 'bar', data: h.counts, itemStyle: { color: '#3b528b' } }]
  });

  if (m.series.length > 0) {
    var el = document.getElementById('series');
    el.style.display = 'block';
    var ts = echarts.init(el);
    ts.setOption({
      animation: false,
      title: { text: m.stat + ' over time, per feature', textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'axis' },
      legend: { type: 'scroll', bottom: 0 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', name: m.stat, scale: true },
      series: m.series.map(function (s) { return { type: 'line', name: s.id, data: s.points, connectNulls: false, showSymbol: true, symbolSize: 4 }; })
    });
  }
  document.body.setAttribute('data-features', String(m.map.length));
  document.body.setAttribute('data-series', String(m.series.length));
  document.body.setAttribute('data-rendered', 'ok');
})();
</script>
</body>
</html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
