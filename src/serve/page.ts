/**
 * The single page of `uir serve`: plain HTML, CSS and JavaScript, no framework, no external requests.
 * Keyboard: Tab through controls; Enter opens a pair; in the pair view Tab cycles its controls, Esc closes, Left/Right go to the previous
 * or next pair, + and - zoom, [ and ] move the slider (it is also a focusable range input).
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>uir dataset</title>
<style>
  :root { --bg:#16181c; --panel:#1f2227; --fg:#e8e8e8; --dim:#9aa0a6; --acc:#6cb6ff; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, 'DejaVu Sans', sans-serif; background:var(--bg); color:var(--fg); }
  header { padding:10px 16px; background:var(--panel); display:flex; gap:16px; align-items:baseline; flex-wrap:wrap; }
  header h1 { font-size:18px; margin:0; }
  .dim { color:var(--dim); }
  main { padding:12px 16px; }
  #chart svg { width:100%; }
  #chart text { fill:var(--fg); font-size:12px; }
  form#filters { display:flex; gap:10px; flex-wrap:wrap; align-items:end; margin:12px 0; }
  label { display:flex; flex-direction:column; font-size:12px; color:var(--dim); gap:2px; }
  select, input, button { background:#2a2e35; color:var(--fg); border:1px solid #3a3f47; border-radius:4px; padding:5px 8px; font:inherit; }
  button:focus-visible, select:focus-visible, input:focus-visible, .cell:focus-visible { outline:2px solid var(--acc); outline-offset:2px; }
  #grid { display:grid; grid-template-columns:repeat(auto-fill, minmax(170px, 1fr)); gap:10px; }
  .cell { background:var(--panel); border:1px solid #2c3037; border-radius:6px; padding:6px; cursor:pointer; text-align:left; color:var(--fg); }
  .cell img { width:100%; aspect-ratio:1; object-fit:cover; display:block; border-radius:4px; background:#000; }
  .cell span { display:block; font-size:12px; margin-top:4px; }
  #pager { display:flex; gap:10px; align-items:center; margin:12px 0; }
  #pair { position:fixed; inset:0; background:rgba(10,11,13,.97); display:none; flex-direction:column; padding:12px 16px; z-index:10; }
  #pair.open { display:flex; }
  #pair .bar { display:flex; gap:10px; align-items:center; flex-wrap:wrap; }
  #viewport { flex:1; overflow:auto; margin:10px 0; border:1px solid #2c3037; border-radius:6px; position:relative; background:#0b0c0e; }
  #stage { position:relative; transform-origin:0 0; width:max-content; }
  #stage img { display:block; image-rendering:pixelated; }
  #lqimg { position:absolute; left:0; top:0; }
  #divider { position:absolute; top:0; bottom:0; width:2px; background:var(--acc); pointer-events:none; }
  .tag { position:absolute; top:6px; padding:2px 6px; background:rgba(0,0,0,.6); border-radius:3px; font-size:12px; }
  #meta { max-height:28vh; overflow:auto; display:grid; grid-template-columns: minmax(280px, 1fr) 2fr; gap:12px; }
  pre { margin:0; white-space:pre-wrap; word-break:break-all; background:var(--panel); padding:8px; border-radius:4px; font-size:12px; }
  #runs svg { background:var(--panel); border-radius:6px; }
  #runs polyline { fill:none; stroke-width:1.5; }
</style>
</head>
<body>
<header>
  <h1>uir dataset</h1>
  <span id="summary" class="dim">loading…</span>
</header>
<main>
  <section id="chart" aria-label="pairs by type and level"></section>
  <form id="filters" aria-label="filters">
    <label>type <select id="f-type" name="type"><option value="">all</option></select></label>
    <label>level <select id="f-level" name="level"><option value="">all</option></select></label>
    <label>split <select id="f-split" name="split"><option value="">all</option><option>train</option><option>val</option><option>test</option></select></label>
    <label>origin <select id="f-real" name="real"><option value="">all</option><option value="synthetic">synthetic</option><option value="real">real</option></select></label>
    <label>source <input id="f-source" name="source" placeholder="hash or path part" size="16"></label>
    <button type="submit">Apply</button>
  </form>
  <div id="pager"><button id="prev" type="button">← Prev</button><span id="pageinfo" class="dim"></span><button id="next" type="button">Next →</button></div>
  <div id="grid" role="list"></div>
  <section id="runs" aria-label="training runs"></section>
</main>
<section id="pair" role="dialog" aria-modal="true" aria-label="pair view">
  <div class="bar">
    <button id="close" type="button">✕ Close (Esc)</button>
    <button id="prevpair" type="button">← Prev pair</button>
    <button id="nextpair" type="button">Next pair →</button>
    <label>degraded | clean <input id="slider" type="range" min="0" max="100" value="50" aria-label="slider: share of the degraded image shown"></label>
    <button id="zoomout" type="button">−</button><span id="zoomval">100%</span><button id="zoomin" type="button">+</button>
    <strong id="title"></strong>
  </div>
  <div id="viewport">
    <div id="stage">
      <img id="gtimg" alt="clean image">
      <img id="lqimg" alt="degraded image">
      <div id="divider"></div>
      <span class="tag" style="left:6px">degraded</span><span class="tag" id="gttag" style="right:6px">clean</span>
    </div>
  </div>
  <div id="meta"><pre id="info"></pre><pre id="params"></pre></div>
</section>
<script>
const $ = (s) => document.querySelector(s);
const state = { page: 0, per: 48, rows: [], total: 0, index: -1, zoom: 1 };
const api = (p) => fetch(p).then((r) => r.ok ? r.json() : r.json().then((e) => { throw new Error(e.error); }));
function query() {
  const q = new URLSearchParams();
  for (const k of ['type', 'level', 'split', 'real', 'source']) { const v = $('#f-' + k).value.trim(); if (v) q.set(k, v); }
  q.set('page', state.page); q.set('per', state.per);
  return q;
}
function drawChart(stats) {
  const types = [...new Set(stats.byTypeLevel.map((r) => r.type))];
  const max = Math.max(1, ...stats.byType.map((r) => r.n));
  const rowH = 20, w = 900, left = 200;
  let svg = '<svg viewBox="0 0 ' + w + ' ' + (types.length * rowH + 8) + '" role="img" aria-label="pairs per type, coloured by level">';
  types.forEach((t, i) => {
    let x = left; const y = i * rowH + 4;
    const rows = stats.byTypeLevel.filter((r) => r.type === t);
    const levels = stats.types.find((o) => o.id === t)?.levels ?? 1;
    svg += '<text x="0" y="' + (y + 13) + '">' + t + '</text>';
    for (const r of rows) {
      const wd = (r.n / max) * (w - left - 60);
      const hue = 200 - 200 * ((r.level - 1) / Math.max(1, levels - 1));
      svg += '<rect x="' + x + '" y="' + y + '" width="' + Math.max(wd, 0.5) + '" height="' + (rowH - 5) + '" fill="hsl(' + hue + ',70%,55%)"><title>' + t + ' level ' + r.level + ': ' + r.n + '</title></rect>';
      x += wd;
    }
    const n = stats.byType.find((r) => r.type === t)?.n ?? 0;
    svg += '<text x="' + (x + 6) + '" y="' + (y + 13) + '">' + n + '</text>';
  });
  $('#chart').innerHTML = svg + '</svg>';
}
async function loadStats() {
  const s = await api('/api/stats');
  $('#summary').textContent = s.dataset + ' — ' + s.pairs + ' pairs, ' + s.sources + ' sources, ' + s.pending + ' pending, ' + s.rejects + ' rejected files';
  drawChart(s);
  const present = new Set(s.byType.map((r) => r.type));
  for (const t of s.types) if (present.has(t.id)) $('#f-type').insertAdjacentHTML('beforeend', '<option value="' + t.id + '">' + t.id + ' (' + t.code + ')</option>');
  const maxLevel = Math.max(0, ...s.byTypeLevel.map((r) => r.level));
  for (let l = 0; l <= maxLevel; l++) if (s.byTypeLevel.some((r) => r.level === l)) $('#f-level').insertAdjacentHTML('beforeend', '<option>' + l + '</option>');
}
async function loadPage() {
  const r = await api('/api/pairs?' + query());
  state.rows = r.rows; state.total = r.total;
  const pages = Math.max(1, Math.ceil(r.total / state.per));
  $('#pageinfo').textContent = 'page ' + (state.page + 1) + ' of ' + pages + ' (' + r.total + ' pairs)';
  $('#prev').disabled = state.page === 0; $('#next').disabled = state.page + 1 >= pages;
  $('#grid').innerHTML = r.rows.map((p, i) => '<button class="cell" role="listitem" data-i="' + i + '" aria-label="' + p.type + ' level ' + p.level + ', ' + p.id + '"><img loading="lazy" alt="" src="/thumb/' + encodeURIComponent(p.id) + '/lq"><span>' + p.type + ' · L' + p.level + ' · ' + p.split + (p.real ? ' · real' : '') + '</span></button>').join('');
}
function setSlider(v) {
  v = Math.max(0, Math.min(100, v)); $('#slider').value = v;
  $('#lqimg').style.clipPath = 'inset(0 ' + (100 - v) + '% 0 0)';
  $('#divider').style.left = v + '%';
}
function setZoom(z) {
  state.zoom = Math.max(0.25, Math.min(8, z));
  $('#stage').style.transform = 'scale(' + state.zoom + ')';
  $('#zoomval').textContent = Math.round(state.zoom * 100) + '%';
}
async function openPair(i) {
  if (i < 0 || i >= state.rows.length) return;
  state.index = i;
  const wasOpen = $('#pair').classList.contains('open');
  const p = await api('/api/pair/' + encodeURIComponent(state.rows[i].id));
  $('#title').textContent = p.type + ' (' + p.code + ') level ' + p.level + ' — ' + p.id;
  $('#gtimg').src = '/image/' + encodeURIComponent(p.id) + '/gt';
  $('#lqimg').src = '/image/' + encodeURIComponent(p.id) + '/lq';
  $('#info').textContent = ['id: ' + p.id, 'type: ' + p.type + ' (' + p.code + '), level ' + p.level, 'split: ' + p.split + (p.real ? ', real' : ', synthetic'),
    'size: ' + p.width + 'x' + p.height, 'seed: ' + p.seed, 'lq: ' + p.lq_path, '  sha256 ' + p.lq_hash, 'gt: ' + p.gt_path, '  sha256 ' + p.gt_hash, 'source: ' + p.source].join('\\n');
  $('#params').textContent = JSON.stringify(p.params, null, 2);
  $('#pair').classList.add('open');
  setSlider(Number($('#slider').value));
  // the first open puts the keyboard on the slider; stepping with the arrows keeps it where it is, so they keep stepping
  if (!wasOpen) $('#slider').focus();
}
function closePair() { $('#pair').classList.remove('open'); const c = document.querySelector('.cell[data-i="' + state.index + '"]'); if (c) c.focus(); }
async function loadRuns() {
  const r = await api('/api/runs');
  if (!r.runs.length) return;
  let html = '<h2>Training runs</h2>';
  for (const run of r.runs) {
    const d = await api('/api/runs/' + encodeURIComponent(run.name));
    const keys = ['loss', 'acc', 'psnr'].filter((k) => d.points.some((p) => typeof p[k] === 'number'));
    html += '<h3>' + run.name + '</h3>';
    for (const k of keys) {
      const pts = d.points.filter((p) => typeof p[k] === 'number');
      const xs = pts.map((p) => p.step ?? 0), ys = pts.map((p) => p[k]);
      const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1), y0 = Math.min(...ys), y1 = Math.max(...ys, y0 + 1e-9);
      const line = pts.map((p) => (10 + 380 * ((p.step ?? 0) - x0) / (x1 - x0)).toFixed(1) + ',' + (110 - 100 * (p[k] - y0) / (y1 - y0)).toFixed(1)).join(' ');
      html += '<figure style="display:inline-block;margin:0 12px 12px 0"><svg width="400" height="120" role="img" aria-label="' + k + ' over steps"><polyline stroke="#6cb6ff" points="' + line + '"/></svg><figcaption class="dim">' + k + ': ' + y0.toPrecision(4) + ' … ' + y1.toPrecision(4) + ', steps ' + x0 + '–' + x1 + '</figcaption></figure>';
    }
  }
  $('#runs').innerHTML = html;
}
$('#filters').addEventListener('submit', (e) => { e.preventDefault(); state.page = 0; loadPage(); });
for (const id of ['#f-type', '#f-level', '#f-split', '#f-real']) $(id).addEventListener('change', () => { state.page = 0; loadPage(); });
$('#prev').addEventListener('click', () => { state.page--; loadPage(); });
$('#next').addEventListener('click', () => { state.page++; loadPage(); });
$('#grid').addEventListener('click', (e) => { const c = e.target.closest('.cell'); if (c) openPair(Number(c.dataset.i)); });
$('#close').addEventListener('click', closePair);
$('#prevpair').addEventListener('click', () => openPair(state.index - 1));
$('#nextpair').addEventListener('click', () => openPair(state.index + 1));
$('#slider').addEventListener('input', (e) => setSlider(Number(e.target.value)));
$('#zoomin').addEventListener('click', () => setZoom(state.zoom * 1.5));
$('#zoomout').addEventListener('click', () => setZoom(state.zoom / 1.5));
$('#viewport').addEventListener('pointerdown', (e) => {
  const move = (ev) => { const r = $('#stage').getBoundingClientRect(); setSlider(100 * (ev.clientX - r.left) / r.width); };
  move(e);
  const up = () => { window.removeEventListener('pointermove', move); window.removeEventListener('pointerup', up); };
  window.addEventListener('pointermove', move); window.addEventListener('pointerup', up);
});
$('#viewport').addEventListener('wheel', (e) => { if (e.ctrlKey) { e.preventDefault(); setZoom(state.zoom * (e.deltaY < 0 ? 1.2 : 1 / 1.2)); } }, { passive: false });
document.addEventListener('keydown', (e) => {
  if (!$('#pair').classList.contains('open')) return;
  if (e.key === 'Tab') {
    // a modal dialog keeps the keyboard inside it: Tab cycles through its controls
    const items = [...$('#pair').querySelectorAll('button, input')];
    const at = items.indexOf(document.activeElement);
    e.preventDefault();
    items[(at < 0 ? 0 : at + (e.shiftKey ? items.length - 1 : 1)) % items.length].focus();
    return;
  }
  if (e.key === 'Escape') closePair();
  else if (e.key === 'ArrowRight' && e.target !== $('#slider')) openPair(state.index + 1);
  else if (e.key === 'ArrowLeft' && e.target !== $('#slider')) openPair(state.index - 1);
  else if (e.key === '+' || e.key === '=') setZoom(state.zoom * 1.5);
  else if (e.key === '-') setZoom(state.zoom / 1.5);
  else if (e.key === '[') setSlider(Number($('#slider').value) - 10);
  else if (e.key === ']') setSlider(Number($('#slider').value) + 10);
});
loadStats().then(loadPage).then(loadRuns).catch((e) => { $('#summary').textContent = 'error: ' + e.message; });
</script>
</body>
</html>
`;
