// One self-contained page: the report as JSON inside it, and a script that draws the environment grid,
// the namespace grid (namespaces, or groups of alike namespaces in a large cluster), coverage per
// namespace and the findings, all filterable. No request leaves the page. test/audit/html.test.ts loads
// it in headless Chromium and reads the grid back.
import type { AuditReport } from '../report.ts';

/** Up to this many namespaces the grid shows each one; past it, a row and column per group. */
export const GRID_NAMESPACES = 60;
/** Past this many groups the namespace grid is left out (the environment grid and the JSON stay). */
export const GRID_GROUPS = 150;

const ESCAPES: Readonly<Record<string, string>> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/** JSON safe inside a <script> element: no `</script>`, no HTML comment openers, no line separators; one pass. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => ESCAPES[c] ?? c);
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;margin:.4em 0}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
.grid td{width:1.6em;height:1.6em;padding:0;text-align:center}
.grid th.col{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal}
td[data-state=closed]{background:#eee}
td[data-state=open]{background:#9dd39d}
td[data-state=separated]{background:#e05252;color:#fff}
td[data-state=self]{background:#cfe3f7}
.sev-high{color:#b00;font-weight:bold}.sev-medium{color:#a60}.sev-low{color:#057}
.bar{display:inline-block;height:.8em;background:#4a9;vertical-align:middle}
.hidden{display:none}
#filters{position:sticky;top:0;background:#fff;padding:.4em 0;border-bottom:1px solid #ddd}
`;

// Plain DOM code, kept as text: it runs in the reader's browser, not in Node.
const SCRIPT = `
const report = JSON.parse(document.getElementById('report').textContent);
const $ = (id) => document.getElementById(id);
const el = (tag, text, attrs) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v); return e; };
const env = (e) => e === null ? '(no label)' : e;
$('title').textContent = 'nsguard audit of ' + report.source;
const s = report.summary;
$('summary').textContent = s.clean ? 'Clean: no findings.' : s.findings + ' findings: ' + s.bySeverity.high + ' high, ' + s.bySeverity.medium + ' medium, ' + s.bySeverity.low + ' low. Unprotected pods ' + s.unprotectedPods + ' (sensitive ' + s.sensitiveUnprotectedPods + '), pods without DNS ' + s.podsWithoutDns + '.';

function grid(table, rows, cols, cell) {
  const head = el('tr'); head.append(el('th', 'from \\\\ to'));
  for (const c of cols) head.append(el('th', c.label, { class: 'col' }));
  table.append(head);
  for (const r of rows) {
    const tr = el('tr', undefined, { 'data-row': r.key }); tr.append(el('th', r.label));
    for (const c of cols) { const td = el('td', undefined, { 'data-from': r.key, 'data-to': c.key }); cell(td, r, c); tr.append(td); }
    table.append(tr);
  }
}

const envs = report.matrix.environments;
grid($('env-grid'), envs.map((e) => ({ key: env(e), label: env(e), env: e })), envs.map((e) => ({ key: env(e), label: env(e), env: e })), (td, r, c) => {
  const cell = report.matrix.environmentCells.find((x) => x.from === r.env && x.to === c.env);
  const state = !cell || !cell.open ? 'closed' : cell.separated ? 'separated' : 'open';
  td.setAttribute('data-state', state);
  td.textContent = state === 'closed' ? '' : String(cell.namespacePairs);
  td.title = !cell || !cell.open ? env(r.env) + ' → ' + env(c.env) + ': closed' : env(r.env) + ' → ' + env(c.env) + ': ' + cell.namespacePairs + ' namespace pairs on ' + cell.ports + (cell.example ? '; e.g. ' + cell.example.from + ' → ' + cell.example.to + ': ' + cell.example.egress + '; ' + cell.example.ingress : '');
});

const groups = report.matrix.groups;
const total = groups.reduce((n, g) => n + g.namespaces.length, 0);
const cells = new Map(report.matrix.cells.map((c) => [c.from + '>' + c.to, c]));
const groupOf = new Map(); for (const g of groups) for (const n of g.namespaces) groupOf.set(n, g);
const internal = new Map(report.namespaces.map((n) => [n.name, n.internal]));
if (groups.length > ${GRID_GROUPS}) {
  $('ns-note').textContent = groups.length + ' groups of alike namespaces: too many to draw; the JSON report lists every cell.';
} else {
  const byName = total <= ${GRID_NAMESPACES};
  $('ns-note').textContent = byName ? 'One row and column per namespace.' : 'One row and column per group of namespaces that reach and are reached alike (' + total + ' namespaces in ' + groups.length + ' groups).';
  const axis = byName
    ? groups.flatMap((g) => g.namespaces.map((n) => ({ key: n, label: n + ' (' + env(g.environment) + ')', group: g, namespace: n })))
    : groups.map((g) => ({ key: g.id, label: g.id + ': ' + g.namespaces.slice(0, 3).join(', ') + (g.namespaces.length > 3 ? ' +' + (g.namespaces.length - 3) : '') + ' (' + env(g.environment) + ')', group: g }));
  axis.sort((a, b) => (a.group.environment || '~').localeCompare(b.group.environment || '~') || a.label.localeCompare(b.label));
  grid($('ns-grid'), axis, axis, (td, r, c) => {
    if (byName && r.namespace === c.namespace) {
      const inside = internal.get(r.namespace);
      td.setAttribute('data-state', inside && inside.open ? 'self' : 'closed');
      td.title = r.namespace + ' within itself: ' + (inside ? inside.ports : 'none');
      return;
    }
    const cell = cells.get(r.group.id + '>' + c.group.id);
    const state = !cell ? 'closed' : cell.separated ? 'separated' : 'open';
    td.setAttribute('data-state', state);
    td.title = r.label + ' → ' + c.label + ': ' + (cell ? cell.ports + '; e.g. ' + cell.example.from + ' → ' + cell.example.to + ': egress: ' + cell.example.egress + '; ingress: ' + cell.example.ingress : 'closed');
  });
}

const coverage = $('coverage');
coverage.append(Object.assign(el('tr'), { innerHTML: '<th>namespace</th><th>env</th><th>isolation</th><th>pods</th><th>ingress-isolated</th><th>egress-isolated</th><th>without DNS</th><th>generated</th><th>findings</th>' }));
for (const n of report.namespaces) {
  const tr = el('tr', undefined, { 'data-namespace': n.name, 'data-findings': String(n.findings) });
  const pct = n.pods === 0 ? 100 : Math.round(100 * Math.min(n.ingressIsolatedPods, n.egressIsolatedPods) / n.pods);
  const bar = el('td'); bar.append(el('span', undefined, { class: 'bar', style: 'width:' + (pct / 2) + 'px' }), document.createTextNode(' ' + n.ingressIsolatedPods));
  const generated = n.generated.expected.length === 0 ? '-' : n.generated.missing.length + n.generated.drifted.length === 0 ? 'ok' : n.generated.missing.length + ' missing, ' + n.generated.drifted.length + ' drifted';
  tr.append(el('td', n.name), el('td', env(n.environment)), el('td', n.exempt ? 'exempt' : n.isolation || 'unstamped'), el('td', String(n.pods)), bar, el('td', String(n.egressIsolatedPods)), el('td', String(n.podsWithoutDns)), el('td', generated), el('td', String(n.findings)));
  coverage.append(tr);
}

const findings = $('findings');
findings.append(Object.assign(el('tr'), { innerHTML: '<th>severity</th><th>check</th><th>namespace</th><th>finding</th>' }));
for (const f of report.findings) {
  const tr = el('tr', undefined, { 'data-severity': f.severity, 'data-check': f.check, 'data-namespace': f.namespace || '' });
  tr.append(el('td', f.severity, { class: 'sev-' + f.severity }), el('td', f.check), el('td', f.namespace || '(cluster)'), el('td', f.message));
  findings.append(tr);
}

function applyFilter() {
  const text = $('filter').value.toLowerCase();
  const severities = new Set([...document.querySelectorAll('input[name=severity]:checked')].map((i) => i.value));
  for (const tr of findings.querySelectorAll('tr[data-severity]')) {
    const shown = severities.has(tr.dataset.severity) && tr.textContent.toLowerCase().includes(text);
    tr.classList.toggle('hidden', !shown);
  }
  for (const tr of coverage.querySelectorAll('tr[data-namespace]')) tr.classList.toggle('hidden', !tr.textContent.toLowerCase().includes(text));
  for (const tr of $('ns-grid').querySelectorAll('tr[data-row]')) tr.classList.toggle('hidden', !tr.firstChild.textContent.toLowerCase().includes(text));
  $('shown').textContent = findings.querySelectorAll('tr[data-severity]:not(.hidden)').length + ' of ' + report.findings.length + ' findings shown';
}
$('filter').addEventListener('input', applyFilter);
for (const box of document.querySelectorAll('input[name=severity]')) box.addEventListener('change', applyFilter);
applyFilter();
document.body.setAttribute('data-ready', 'true');
`;

/** The page in three pieces (before the report, the report, after it), so the largest is never copied into a whole. */
export function renderHtml(report: AuditReport): string[] {
  return [
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>nsguard audit</title>
<style>${STYLE}</style>
</head>
<body>
<h1 id="title"></h1>
<p id="summary"></p>
<div id="filters">
<label>Filter <input id="filter" type="search" placeholder="namespace, check, pod..."></label>
<label><input type="checkbox" name="severity" value="high" checked> high</label>
<label><input type="checkbox" name="severity" value="medium" checked> medium</label>
<label><input type="checkbox" name="severity" value="low" checked> low</label>
<span id="shown"></span>
</div>
<h2>Environments</h2>
<p>Cells count the ordered pairs of different namespaces some path joins (red: environments that must stay apart).</p>
<table id="env-grid" class="grid"></table>
<h2>Namespaces</h2>
<p id="ns-note"></p>
<table id="ns-grid" class="grid"></table>
<h2>Coverage per namespace</h2>
<table id="coverage"></table>
<h2>Findings</h2>
<table id="findings"></table>
<script type="application/json" id="report">`,
    scriptJson(report),
    `</script>
<script>${SCRIPT}</script>
</body>
</html>`,
  ];
}
