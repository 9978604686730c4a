// The three maps and the schedule dashboard: fetches /api/v1/maps/{map}/{code} and draws it
// with ECharts (choropleth where the children have polygons, bars otherwise), a table of the
// same figures, CSV and PNG export, and drill-down by click.
(function () {
  'use strict';
  var app = document.getElementById('map-app');
  if (!app) return;
  var map = app.dataset.map, code = app.dataset.code;
  var metric = app.dataset.metric || '', period = app.dataset.period || '';
  // The controls act at once; the form is never submitted (no inline handler: the CSP forbids them).
  document.getElementById('map-controls').addEventListener('submit', function (e) { e.preventDefault(); });
  var chart = echarts.init(document.getElementById('chart'));
  var geoCache = {};
  var data = null, playing = null;
  // Viridis: ordered in lightness, readable with the common colour-vision deficiencies.
  var VIRIDIS = ['#fde725', '#90d743', '#35b779', '#21918c', '#31688e', '#443983', '#440154'];

  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function fmt(v, unit) {
    if (v === null || v === undefined) return '—';
    if (unit === '%') return v.toFixed(2) + '%';
    return Number(v).toLocaleString('zh-CN');
  }
  function childLink(c) {
    if (c.level === 'village') return '/households?region=' + c.code;
    return '/maps/' + map + '/' + c.code + '?metric=' + encodeURIComponent(metric) + '&period=' + period;
  }
  function byId(id) { return document.getElementById(id); }

  async function load() {
    var qs = new URLSearchParams();
    if (metric) qs.set('metric', metric);
    if (period) qs.set('period', period);
    var r = await fetch('/api/v1/maps/' + map + '/' + code + '?' + qs.toString(), { credentials: 'same-origin' });
    var body = await r.json();
    if (!r.ok) { byId('hint').textContent = body.error ? body.error.message : '加载失败'; return; }
    data = body; metric = body.metric; period = String(body.period);
    history.replaceState(null, '', '/maps/' + map + '/' + code + '?metric=' + encodeURIComponent(metric) + '&period=' + period);
    await render();
  }

  function controls() {
    byId('crumbs').innerHTML = data.crumbs.map(function (c) {
      return '<a href="/maps/' + map + '/' + c[0] + '?metric=' + encodeURIComponent(metric) + '&period=' + period + '">' + esc(c[1]) + '</a> › ';
    }).join('') + '<b>' + esc(data.region.name) + '</b> · ' + esc(data.title);
    byId('metric').innerHTML = data.metrics.map(function (m) {
      return '<option value="' + esc(m.id) + '"' + (m.id === metric ? ' selected' : '') + '>' + esc(m.label) + '</option>';
    }).join('');
    var timed = map === 'dynamics' || map === 'schedule';
    byId('period-box').style.display = timed ? '' : 'none';
    byId('play').style.display = map === 'dynamics' ? '' : 'none';
    byId('period').innerHTML = data.periods.map(function (p) {
      return '<option' + (String(p) === period ? ' selected' : '') + '>' + p + '</option>';
    }).join('');
    byId('hint').textContent = data.metric_label + '：' + fmt(data.total, data.unit) + (data.unit === '%' ? '' : ' ' + data.unit);
  }

  async function draw() {
    var values = data.children.map(function (c) { return c.value || 0; });
    var max = Math.max.apply(null, values.concat([1]));
    var min = Math.min.apply(null, values.concat([0]));
    var names = {};
    data.children.forEach(function (c) { names[c.code] = c.name; });
    var tooltip = { trigger: 'item', formatter: function (p) {
      var c = data.children.find(function (x) { return x.code === p.name || x.name === p.name; });
      return c ? esc(c.name) + '<br>' + esc(data.metric_label) + '：' + fmt(c.value, data.unit) : esc(p.name);
    } };
    var option;
    if (data.geo) {
      if (!geoCache[data.geo]) geoCache[data.geo] = await (await fetch(data.geo)).json();
      echarts.registerMap('r' + code, geoCache[data.geo]);
      option = {
        title: { text: data.region.name + ' · ' + data.metric_label, left: 'center' },
        tooltip: tooltip,
        visualMap: { min: min, max: max, left: 10, bottom: 20, calculable: true, text: ['高', '低'], inRange: { color: VIRIDIS }, formatter: function (v) { return fmt(v, data.unit); } },
        toolbox: { feature: { saveAsImage: { title: '保存图片' } } },
        series: [{ type: 'map', map: 'r' + code, nameProperty: 'adcode', roam: true,
          label: { show: true, formatter: function (p) { return names[p.name] || ''; }, fontSize: 10, color: '#111', textBorderColor: '#fff', textBorderWidth: 2 },
          data: data.children.filter(function (c) { return c.has_polygon; }).map(function (c) { return { name: c.code, value: c.value }; }) }]
      };
    } else {
      var kids = data.children.slice().sort(function (a, b) { return (b.value || 0) - (a.value || 0); });
      option = {
        title: { text: data.region.name + ' · ' + data.metric_label, left: 'center' },
        tooltip: { trigger: 'axis' },
        grid: { left: 60, right: 20, bottom: 110 },
        toolbox: { feature: { saveAsImage: { title: '保存图片' } } },
        xAxis: { type: 'category', data: kids.map(function (c) { return c.name; }), axisLabel: { rotate: 60, fontSize: 10 } },
        yAxis: { type: 'value' },
        visualMap: { show: false, min: min, max: max, inRange: { color: VIRIDIS } },
        series: [{ type: 'bar', data: kids.map(function (c) { return { value: c.value, code: c.code }; }) }]
      };
    }
    chart.clear();
    chart.setOption(option);
    chart.off('click');
    chart.on('click', function (p) {
      var c = data.children.find(function (x) { return x.code === p.name || x.name === p.name || (p.data && x.code === p.data.code); });
      if (c) location.href = childLink(c);
    });
    var box = byId('no-polygon');
    if (data.without_polygon.length) {
      box.style.display = '';
      box.innerHTML = '以下区划没有边界数据，未画在地图上，但计入合计：' + data.without_polygon.map(function (c) {
        return '<a href="' + childLink(c) + '">' + esc(c.name) + '</a>（' + fmt(c.value, data.unit) + '）';
      }).join('，');
    } else {
      box.style.display = 'none';
    }
  }

  function table() {
    var t = byId('map-table');
    if (map === 'schedule') {
      byId('table-title').textContent = '倒排工期（' + period + '年，按风险排序，点击表头可排序）';
      var cols = [['name', '区划'], ['target', '年度目标(人)'], ['done', '已脱贫(人)'], ['left', '剩余任务(人)'], ['days_left', '剩余天数'], ['projected', '预计全年完成(人)'], ['status', '状态']];
      var label = { green: '正常', amber: '预警', red: '滞后' };
      t.innerHTML = '<tr>' + cols.map(function (c) { return '<th class="sortable" data-key="' + c[0] + '">' + c[1] + '</th>'; }).join('') + '</tr>' +
        data.schedule.map(function (r) {
          var c = data.children.find(function (x) { return x.code === r.code; }) || { code: r.code, level: 'county' };
          return '<tr data-code="' + r.code + '" data-value="' + r.done + '"><td><a href="' + (data.region.code === r.code ? '#' : childLink(c)) + '">' + esc(r.name) + '</a></td>' +
            '<td class="num">' + fmt(r.target) + '</td><td class="num value">' + fmt(r.done) + '</td><td class="num">' + fmt(r.left) + '</td><td class="num">' + r.days_left +
            '</td><td class="num">' + fmt(r.projected) + '</td><td class="rag-' + r.status + '">' + label[r.status] + '</td></tr>';
        }).join('');
      t.querySelectorAll('th.sortable').forEach(function (th) {
        th.onclick = function () {
          var k = th.dataset.key;
          data.schedule.sort(function (a, b) { return typeof a[k] === 'string' ? a[k].localeCompare(b[k]) : b[k] - a[k]; });
          table();
        };
      });
      return;
    }
    byId('table-title').textContent = '数据表：' + data.metric_label;
    t.innerHTML = '<tr><th>代码</th><th>名称</th><th>' + esc(data.metric_label) + '</th><th>地图</th></tr>' +
      data.children.map(function (c) {
        return '<tr data-code="' + c.code + '" data-value="' + (c.value === null ? '' : c.value) + '"><td>' + c.code + '</td><td><a href="' + childLink(c) + '">' + esc(c.name) + '</a></td>' +
          '<td class="num value">' + fmt(c.value, data.unit) + '</td><td>' + (data.geo ? (c.has_polygon ? '有边界' : '无边界') : '—') + '</td></tr>';
      }).join('') +
      '<tr id="total-row" data-value="' + (data.total === null ? '' : data.total) + '"><th></th><th>合计 ' + esc(data.region.name) + '</th><th class="num">' + fmt(data.total, data.unit) + '</th><th></th></tr>';
    if (map === 'measures' && metric === 'gap:measure') {
      t.insertAdjacentHTML('afterend', '');
      byId('hint').innerHTML += ' · <a id="gap-list" href="/households?region=' + code + '&gap=measure">查看无帮扶措施的未脱贫户名单</a>';
    }
    if (map === 'dynamics') {
      var thisYear = Number(data.as_of.slice(0, 4));
      byId('hint').innerHTML += ' · 年度：' + data.series.map(function (y) {
        return y.year + ' 脱贫' + fmt(y.exited) + (y.year >= thisYear ? ' 截至' + esc(data.as_of) + '剩余' : ' 年末剩余') + fmt(y.remaining);
      }).join('；');
    }
  }

  async function helperLoad() {
    var box = byId('helper-load');
    if (map !== 'measures' || code.length < 6) { box.innerHTML = ''; return; }
    var r = await fetch('/api/v1/helpers/load/' + code + '?limit=20', { credentials: 'same-origin' });
    if (!r.ok) return;
    var rows = await r.json();
    box.innerHTML = '<h2>帮扶责任人工作量（前20名，超过上限的标红）</h2><table id="helper-table"><tr><th>帮扶责任人</th><th>单位</th><th>结对户数</th></tr>' +
      rows.map(function (h) { return '<tr><td>' + esc(h.name) + '</td><td>' + esc(h.unit) + '</td><td class="num' + (h.over_cap ? ' rag-red' : '') + '">' + h.households + (h.over_cap ? '（超上限）' : '') + '</td></tr>'; }).join('') + '</table>';
  }

  async function render() {
    controls();
    // A village has no children to draw: say so and lead to its households instead of an
    // empty chart and an empty table.
    var empty = data.children.length === 0 && !(map === 'schedule' && data.schedule.length > 0);
    byId('chart').style.display = empty ? 'none' : '';
    byId('no-children').style.display = empty ? '' : 'none';
    if (empty) {
      byId('no-children').innerHTML = esc(data.region.name) + '是最小的统计单元，没有下级区域可以画图。本区域' + esc(data.metric_label) + '：' +
        fmt(data.total, data.unit) + (data.unit === '%' ? '' : ' ' + data.unit) + '。<a href="/households?region=' + code + '">查看本区域贫困户名单 →</a>';
      byId('table-title').style.display = 'none';
      byId('map-table').innerHTML = '';
    } else {
      byId('table-title').style.display = '';
      await draw();
      table();
    }
    await helperLoad();
  }

  function download(name, href) {
    var a = document.createElement('a');
    a.href = href; a.download = name; document.body.appendChild(a); a.click(); a.remove();
  }

  byId('metric').onchange = function () { metric = this.value; load(); };
  byId('period').onchange = function () { period = this.value; load(); };
  byId('play').onclick = function () {
    if (playing) { clearInterval(playing); playing = null; this.textContent = '▶ 播放'; return; }
    this.textContent = '■ 停止';
    var i = 0, btn = this;
    playing = setInterval(function () {
      if (i >= data.periods.length) { clearInterval(playing); playing = null; btn.textContent = '▶ 播放'; return; }
      period = String(data.periods[i++]); load();
    }, 1500);
  };
  byId('export-csv').onclick = function () {
    var lines = [['代码', '名称', data.metric_label]].concat(data.children.map(function (c) { return [c.code, c.name, c.value === null ? '' : c.value]; }));
    lines.push(['', '合计', data.total === null ? '' : data.total]);
    var csv = '\ufeff' + lines.map(function (l) { return l.map(function (x) { return '"' + String(x).replace(/"/g, '""') + '"'; }).join(','); }).join('\r\n');
    download(map + '-' + code + '-' + metric.replace(':', '_') + '.csv', URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' })));
  };
  byId('export-xlsx').onclick = function () {
    location.href = '/api/v1/maps/' + map + '/' + code + '/export.xlsx?metric=' + encodeURIComponent(metric) + '&period=' + period;
  };
  byId('export-png').onclick = function () {
    download(map + '-' + code + '.png', chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' }));
  };
  window.addEventListener('resize', function () { chart.resize(); });
  load();
})();
