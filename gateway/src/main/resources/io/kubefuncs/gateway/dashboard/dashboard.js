// The dashboard's page: renders each state event of /api/events, and sends the invoke form to
// /api/invoke. Plain ES module, no build step; every value from the server goes in as text.

const LOG_ROWS = 200;
const CHART_POINTS = 60;
const SVG = 'http://www.w3.org/2000/svg';

/** The requests seen, newest last, and each route's latest latencies, kept across events. */
const requests = [];
const latencies = new Map();
let lastSeq = -1;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const c of children) {
    if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

function num(value, cls) {
  return el('td', { class: cls ? `num ${cls}` : 'num' }, value);
}

function replaceRows(table, rows) {
  document.querySelector(`#${table} tbody`).replaceChildren(...rows);
}

function renderFunctions(state) {
  if (!state.functions) {
    const why = state.functionsError ?? 'This gateway cannot see the functions: the Consumers column of Queues shows who reads each channel.';
    replaceRows('functions', [el('tr', {}, el('td', { colspan: 4, class: state.functionsError ? 'error' : 'hint' }, why))]);
    return;
  }
  replaceRows('functions', state.functions.map(fn => {
    const up = fn.replicas.filter(r => r.up).length;
    const restarts = fn.replicas.reduce((n, r) => n + r.restarts, 0);
    const all = up === fn.replicas.length && up > 0;
    const names = fn.replicas.map(r => `${r.name} ${r.up ? 'up' : 'down'}`).join(', ');
    return el('tr', {}, el('th', { scope: 'row' }, fn.name),
      num(`${up}/${fn.replicas.length}`, all ? 'ok' : 'bad'), num(restarts, restarts > 0 ? 'warn' : ''), el('td', {}, names));
  }));
}

function chart(prefix) {
  const points = latencies.get(prefix) ?? [];
  const width = 240, height = 36;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  svg.setAttribute('role', 'img');
  if (points.length === 0) {
    svg.setAttribute('aria-label', `${prefix}: no requests yet`);
    return svg;
  }
  const max = Math.max(...points, 1);
  const sorted = [...points].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  svg.setAttribute('aria-label', `${prefix}: last ${points.length} requests, median ${median} ms, highest ${max} ms`);
  // One bar per request, the newest on the right, all scaled to the highest.
  const plot = width - 70;
  const slot = plot / CHART_POINTS;
  const bars = points.map((ms, i) => {
    const bar = document.createElementNS(SVG, 'rect');
    const h = Math.max(1, (ms / max) * (height - 4));
    Object.entries({ x: (plot - (points.length - i) * slot).toFixed(1), y: (height - 1 - h).toFixed(1),
      width: Math.max(1, slot - 1).toFixed(1), height: h.toFixed(1) }).forEach(([k, v]) => bar.setAttribute(k, v));
    return bar;
  });
  const base = document.createElementNS(SVG, 'line');
  Object.entries({ x1: 0, x2: plot, y1: height - 0.5, y2: height - 0.5 }).forEach(([k, v]) => base.setAttribute(k, v));
  const label = document.createElementNS(SVG, 'text');
  label.setAttribute('x', plot + 4);
  label.setAttribute('y', 10);
  label.textContent = `${max >= 10 ? Math.round(max) : max} ms`;
  svg.append(base, ...bars, label);
  return svg;
}

function renderRoutes(state) {
  replaceRows('routes', state.routes.map(r => el('tr', {}, el('th', { scope: 'row' }, r.prefix), el('td', {}, r.topic),
    num(r.async ? 'async' : `${r.timeoutMs / 1000} s`), el('td', {}, chart(r.prefix)))));
  const prefixes = document.getElementById('route-prefixes');
  prefixes.replaceChildren(...state.routes.map(r => el('option', { value: r.prefix })));
  const path = document.getElementById('invoke-path');
  if (path.value === '/' && state.routes.length > 0 && document.activeElement !== path) {
    path.value = state.routes[0].prefix;
  }
}

function renderTopics(state) {
  const rows = [];
  for (const t of state.topics) {
    const channels = t.channels.length ? t.channels : [null];
    channels.forEach((c, i) => rows.push(el('tr', {},
      // The topic's own cells span its channels' rows.
      i === 0 ? el('th', { scope: 'row', rowspan: channels.length }, t.name) : null,
      el('td', {}, c ? c.name : '(no channel)'),
      num(c ? c.depth : t.depth, (c ? c.depth : t.depth) > 0 ? 'warn' : ''),
      num(c ? c.inFlight : '–'), num(c ? c.requeued : '–'), num(c ? c.timedOut : '–', c && c.timedOut > 0 ? 'warn' : ''),
      num(c ? c.consumers : 0, c && c.consumers > 0 ? 'ok' : 'bad'),
      i === 0 ? el('td', { class: t.deadLetters > 0 ? 'num bad' : 'num', rowspan: channels.length }, t.deadLetters) : null)));
  }
  replaceRows('topics', rows);
  const errors = document.getElementById('nsq-errors');
  errors.hidden = state.nsqErrors.length === 0;
  errors.textContent = state.nsqErrors.join('; ');
}

function renderLog(state) {
  for (const r of state.requests) {
    if (r.seq <= lastSeq) continue;
    lastSeq = r.seq;
    requests.push(r);
    if (r.route) {
      const points = latencies.get(r.route) ?? [];
      points.push(r.ms);
      if (points.length > CHART_POINTS) points.shift();
      latencies.set(r.route, points);
    }
  }
  requests.splice(0, Math.max(0, requests.length - LOG_ROWS));
  const tbody = document.querySelector('#log tbody');
  const shown = new Set([...tbody.rows].map(row => row.dataset.seq));
  // Only new rows are added, so that a screen reader announces each request once.
  const fresh = requests.filter(r => !shown.has(String(r.seq)));
  for (const r of fresh) {
    const time = new Date(r.time).toLocaleTimeString();
    const status = r.status >= 500 ? 'bad' : r.status >= 400 ? 'warn' : 'ok';
    const row = el('tr', { 'data-seq': r.seq }, el('td', {}, time), el('td', {}, r.method), el('td', {}, r.path),
      el('td', {}, r.route ?? 'no route'), num(r.status, status), num(`${r.ms} ms`));
    tbody.prepend(row);
  }
  while (tbody.rows.length > LOG_ROWS) tbody.lastElementChild.remove();
}

function render(state) {
  renderLog(state); // first: the routes' charts draw what it collected
  renderFunctions(state);
  renderRoutes(state);
  renderTopics(state);
}

function connect() {
  const status = document.getElementById('connection');
  const events = new EventSource('api/events');
  events.addEventListener('open', () => { status.textContent = 'Live'; status.className = 'live'; });
  events.addEventListener('error', () => { status.textContent = 'Disconnected: reconnecting…'; status.className = 'down'; });
  events.addEventListener('state', e => render(JSON.parse(e.data)));
}

async function invoke(event) {
  event.preventDefault();
  const form = event.target;
  const result = document.getElementById('invoke-result');
  const button = form.querySelector('button');
  button.disabled = true;
  result.textContent = 'Sending…';
  try {
    const answer = await fetch('api/invoke', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ method: form.method.value, path: form.path.value, body: form.body.value }),
    });
    const r = await answer.json();
    if (r.error) {
      result.replaceChildren(el('p', { class: 'error' }, r.error));
    } else {
      result.replaceChildren(el('p', {}, 'Answer ', el('strong', { class: r.status >= 400 ? 'bad' : 'ok' }, r.status), ` in ${r.ms} ms`),
        el('pre', {}, r.body));
    }
  } catch (e) {
    result.replaceChildren(el('p', { class: 'error' }, `The dashboard did not answer: ${e.message}`));
  } finally {
    button.disabled = false;
  }
}

document.getElementById('invoke-form').addEventListener('submit', invoke);
connect();
