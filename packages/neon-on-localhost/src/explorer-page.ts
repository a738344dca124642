// The explorer's page (explorer.ts serves it): one self-contained HTML file,
// its style and script inline (allowed by a per-response nonce in the
// Content-Security-Policy), no external assets, so it works offline. The
// script listens to /explorer/events and builds the page with textContent
// only: statement text is never parsed as HTML.

const STYLE = String.raw`
:root {
  --bg: #0b0f0e; --panel: #111715; --card: #131a18; --line: #1f2926; --line2: #2a3632;
  --text: #dbe5e1; --dim: #8a9994; --faint: #5d6b66;
  --accent: #00e599; --accent-dim: rgba(0, 229, 153, .14);
  --http: #6cb6ff; --http-dim: rgba(108, 182, 255, .14);
  --error: #ff6b6b; --error-dim: rgba(255, 107, 107, .12);
  --warn: #f5c451; --kw: #c39bff; --str: #9fe3a8; --num: #f5a97f; --param: #ffd479; --com: #6f7f7a;
  --mono: ui-monospace, SFMono-Regular, "JetBrains Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace;
  color-scheme: dark;
}
@media (prefers-color-scheme: light) {
  :root {
    --bg: #f6f8f7; --panel: #ffffff; --card: #ffffff; --line: #e3e9e6; --line2: #d3dbd7;
    --text: #17201d; --dim: #5b6a65; --faint: #93a19c;
    --accent: #00a36c; --accent-dim: rgba(0, 163, 108, .1);
    --http: #1f6fd1; --http-dim: rgba(31, 111, 209, .1);
    --error: #d33b3b; --error-dim: rgba(211, 59, 59, .08);
    --warn: #a86d00; --kw: #7b3fd1; --str: #1d7a35; --num: #b4541d; --param: #9a6a00; --com: #8a9994;
    color-scheme: light;
  }
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif; }
code, .mono { font-family: var(--mono); font-size: 12.5px; }
button { font: inherit; color: var(--text); background: var(--panel); border: 1px solid var(--line2); border-radius: 6px; padding: 4px 10px; cursor: pointer; }
button:hover { border-color: var(--dim); }
button[aria-pressed="true"] { background: var(--accent-dim); border-color: var(--accent); color: var(--text); }
.top { display: flex; align-items: center; gap: 16px; padding: 12px 20px; border-bottom: 1px solid var(--line); background: var(--panel); position: sticky; top: 0; z-index: 2; }
.brand { display: flex; align-items: center; gap: 8px; font-size: 15px; white-space: nowrap; }
.logo { width: 12px; height: 12px; border-radius: 3px; background: var(--accent); box-shadow: 0 0 10px var(--accent); }
.brand .sub { color: var(--dim); }
.meta { display: flex; align-items: center; gap: 10px; margin-left: auto; min-width: 0; }
.pill { border: 1px solid var(--line2); border-radius: 999px; padding: 2px 10px; color: var(--dim); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 46vw; }
.pill.rtt { color: var(--warn); border-color: var(--warn); }
.live { display: inline-flex; align-items: center; gap: 6px; color: var(--dim); white-space: nowrap; }
.live::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: var(--faint); }
.live.on { color: var(--accent); }
.live.on::before { background: var(--accent); animation: pulse 2s infinite; }
@keyframes pulse { 0% { box-shadow: 0 0 0 0 var(--accent-dim); } 70% { box-shadow: 0 0 0 6px transparent; } 100% { box-shadow: 0 0 0 0 transparent; } }
.toolbar { display: flex; align-items: center; gap: 10px; padding: 10px 20px; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
.toolbar input[type=search] { flex: 0 1 340px; min-width: 180px; font: inherit; color: var(--text); background: var(--panel); border: 1px solid var(--line2); border-radius: 6px; padding: 5px 10px; }
.toolbar input[type=search]:focus { outline: none; border-color: var(--accent); }
.seg { display: inline-flex; }
.seg button { border-radius: 0; margin-left: -1px; }
.seg button:first-child { border-radius: 6px 0 0 6px; margin-left: 0; }
.seg button:last-child { border-radius: 0 6px 6px 0; }
.check { color: var(--dim); display: inline-flex; align-items: center; gap: 5px; cursor: pointer; }
.spacer { flex: 1; }
.counts { color: var(--dim); font-size: 13px; }
main { display: grid; grid-template-columns: minmax(0, 1fr) 300px; gap: 20px; padding: 16px 20px 40px; align-items: start; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } }
#feed { display: flex; flex-direction: column; gap: 10px; min-width: 0; }
.empty { border: 1px dashed var(--line2); border-radius: 10px; padding: 28px; color: var(--dim); }
.empty h2 { margin: 0 0 6px; font-size: 16px; color: var(--text); font-weight: 600; }
.empty p { margin: 0; max-width: 60ch; }
.group { background: var(--card); border: 1px solid var(--line); border-left: 3px solid var(--accent); border-radius: 8px; overflow: hidden; }
.group.http { border-left-color: var(--http); }
.group.failed { border-left-color: var(--error); }
.group.fresh { animation: fresh 1.2s ease-out; }
@keyframes fresh { from { background: var(--accent-dim); } to { background: var(--card); } }
.group > header { padding: 8px 12px 7px; border-bottom: 1px solid var(--line); }
.line1 { display: flex; align-items: baseline; gap: 10px; min-width: 0; }
.line2 { display: flex; align-items: baseline; gap: 14px; margin-top: 2px; flex-wrap: wrap; }
.app { color: var(--faint); font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
.badge { font-size: 11px; font-weight: 700; letter-spacing: .04em; text-transform: uppercase; border-radius: 4px; padding: 1px 6px; background: var(--accent-dim); color: var(--accent); }
.http .badge { background: var(--http-dim); color: var(--http); }
.gid { font-weight: 600; white-space: nowrap; }
.badge, .who { white-space: nowrap; }
.who { color: var(--dim); }
.facts { color: var(--dim); font-size: 13px; }
.distance { color: var(--warn); font-size: 13px; }
.state { font-size: 12px; color: var(--faint); margin-left: auto; white-space: nowrap; }
.state.open { color: var(--accent); }
time { color: var(--faint); font-size: 12px; font-variant-numeric: tabular-nums; }
.group-error { padding: 6px 12px; color: var(--error); background: var(--error-dim); font-size: 13px; }
.statements { list-style: none; margin: 0; padding: 4px 0; }
.stmt { display: grid; grid-template-columns: 3.2em minmax(0, 1fr) auto 5.5em 5.5em; gap: 10px; align-items: baseline; padding: 4px 12px; }
.stmt + .stmt { border-top: 1px solid var(--line); }
.stmt.newturn { border-top-color: var(--line2); }
.turn { color: var(--faint); font-size: 12px; font-variant-numeric: tabular-nums; white-space: nowrap; }
.stmt.sameturn .turn { visibility: hidden; }
.sql { white-space: pre-wrap; word-break: break-word; color: var(--text); }
.sql .kw { color: var(--kw); }
.sql .str { color: var(--str); }
.sql .num { color: var(--num); }
.sql .param { color: var(--param); }
.sql .com { color: var(--com); font-style: italic; }
.params { color: var(--dim); font-size: 12px; margin-top: 2px; }
.params code { color: var(--param); }
.err { color: var(--error); font-size: 13px; margin-top: 3px; }
.err b { font-family: var(--mono); font-weight: 600; margin-right: 6px; }
.cmd { color: var(--dim); font-size: 11px; letter-spacing: .03em; text-transform: uppercase; white-space: nowrap; }
.rows, .dur { text-align: right; font-variant-numeric: tabular-nums; color: var(--dim); font-size: 13px; white-space: nowrap; }
.dur { color: var(--text); }
.stmt.error { background: var(--error-dim); }
.stmt.error .dur, .stmt.error .cmd { color: var(--error); }
.dur.slow { color: var(--warn); }
.stmt.skipped { opacity: .5; }
.stmt.running .dur { color: var(--warn); }
.stmt.match { box-shadow: inset 2px 0 0 var(--param); }
.more { color: var(--faint); font-size: 12px; padding: 4px 12px; }
.none { color: var(--faint); font-size: 13px; padding: 6px 12px; }
aside { display: flex; flex-direction: column; gap: 14px; position: sticky; top: 64px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.panel h3 { margin: 0; font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--dim); }
.panel-head { display: flex; align-items: center; justify-content: space-between; margin-bottom: 8px; }
.panel-head button { padding: 0 8px; }
.tables { display: flex; flex-direction: column; }
.table { display: flex; justify-content: space-between; gap: 10px; padding: 3px 0; border-bottom: 1px solid var(--line); }
.table:last-child { border-bottom: 0; }
.table .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.table .name .schema { color: var(--faint); }
.table .count { color: var(--dim); font-variant-numeric: tabular-nums; }
.note { color: var(--faint); font-size: 12px; margin: 8px 0 0; }
.legend dl { margin: 8px 0 0; font-size: 13px; }
.legend dt { font-weight: 600; }
.legend dd { margin: 0 0 8px; color: var(--dim); }
.legend code { font-size: 12px; }
[hidden] { display: none !important; }
`;

const BODY = String.raw`
<header class="top">
  <div class="brand"><span class="logo"></span><b>neon-on-localhost</b><span class="sub">explorer</span></div>
  <div class="meta">
    <span id="database" class="pill mono" title="The database behind the proxy">…</span>
    <span id="rtt" class="pill rtt" hidden title="Emulated round trip between your code and the proxy (--rtt-ms)"></span>
    <span id="live" class="live">connecting…</span>
  </div>
</header>
<div class="toolbar">
  <input id="filter" type="search" placeholder="Filter: SQL, table, SQLSTATE…  ( / )" autocomplete="off" spellcheck="false">
  <div class="seg" role="group" aria-label="Transport">
    <button data-transport="all" aria-pressed="true">All</button>
    <button data-transport="websocket" aria-pressed="false">WebSocket</button>
    <button data-transport="http" aria-pressed="false">HTTP</button>
  </div>
  <label class="check"><input id="errors-only" type="checkbox"> errors only</label>
  <span class="spacer"></span>
  <span id="counts" class="counts"></span>
  <button id="pause" aria-pressed="false">Pause</button>
  <button id="clear" title="Clear this view (the proxy keeps its log; reload to see it again)">Clear</button>
</div>
<main>
  <section id="feed">
    <div id="empty" class="empty">
      <h2>Waiting for queries</h2>
      <p>Each statement your code sends through the proxy shows here as it runs, newest first: WebSocket sessions
      (<code>Client</code>, <code>Pool</code>) with their statements and turns, and <code>neon()</code> queries over HTTP.</p>
    </div>
  </section>
  <aside>
    <div class="panel">
      <div class="panel-head"><h3>Tables</h3><button id="refresh-tables" title="Count again">↻</button></div>
      <div id="tables" class="tables"></div>
      <p class="note">Read in a read-only transaction; counts stop at 100,000.</p>
    </div>
    <div class="panel legend">
      <h3>Reading this page</h3>
      <dl>
        <dt>Turn</dt><dd>One request–response exchange: your code sent, then waited for the answer. In production each costs a network round trip.</dd>
        <dt>Time</dt><dd>At the database, as the proxy saw it; the distance to your code is not in it.</dd>
        <dt><code>$1</code>, <code>$2</code>…</dt><dd id="values-note">Parameters. Their values are hidden; start with <code>--show-values</code> to see them.</dd>
      </dl>
    </div>
  </aside>
</main>
`;

// Plain ES2020 in a raw string: no backticks and no dollar-brace in it.
const SCRIPT = String.raw`
(function () {
  'use strict';
  var MAX_GROUPS = 500, MAX_ROWS = 500;
  var $ = function (id) { return document.getElementById(id); };
  var feed = $('feed'), empty = $('empty');
  var groups = new Map();
  var view = { transport: 'all', errorsOnly: false, filter: '', paused: false, rttMs: 0, showValues: false };
  var cleared = { group: 0, statement: 0, views: new Map() };
  var dirty = new Set(), renderTimer = 0, newWhilePaused = 0, unseen = 0, baseTitle = document.title;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function plural(n, one, many) { return n.toLocaleString('en-US') + ' ' + (n === 1 ? one : (many || one + 's')); }
  function ms(x) {
    if (x === undefined || x === null) return '';
    if (x < 1) return x.toFixed(2) + ' ms';
    if (x < 100) return x.toFixed(1) + ' ms';
    if (x < 1000) return Math.round(x) + ' ms';
    return (x / 1000).toFixed(2) + ' s';
  }
  function clock(t) {
    var d = new Date(t);
    var p = function (n, w) { return String(n).padStart(w || 2, '0'); };
    return p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds()) + '.' + p(d.getMilliseconds(), 3);
  }

  // --- SQL, coloured with spans (textContent only) ---
  var KEYWORDS = new Set(('select from where and or not null is in as on join left right inner outer full cross using group by order having limit offset ' +
    'insert into values update set delete returning with recursive distinct union all except intersect case when then else end begin commit rollback ' +
    'savepoint release start transaction isolation level read write only deferrable create table index view drop alter add column constraint primary key ' +
    'foreign references unique default if exists cascade truncate grant revoke explain analyze lateral over partition window asc desc nulls first last ' +
    'true false between like ilike similar any some cast coalesce do nothing conflict for share lock of extension schema function returns language ' +
    'trigger sequence type enum serial bigserial integer int bigint text varchar boolean timestamptz timestamp date now').split(' '));
  var TOKEN = /(--[^\n]*|\/\*[\s\S]*?\*\/)|('(?:[^']|'')*'?)|(\$\d+)|(\b\d+(?:\.\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)|("(?:[^"]|"")*"?)/g;
  function sqlNode(text) {
    var code = el('code', 'sql'), last = 0, m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text))) {
      var cls = m[1] ? 'com' : m[2] ? 'str' : m[3] ? 'param' : m[4] ? 'num' : m[5] && KEYWORDS.has(m[5].toLowerCase()) ? 'kw' : '';
      if (!cls) continue;
      if (m.index > last) code.appendChild(document.createTextNode(text.slice(last, m.index)));
      code.appendChild(el('span', cls, m[0]));
      last = m.index + m[0].length;
    }
    if (last < text.length) code.appendChild(document.createTextNode(text.slice(last)));
    return code;
  }

  // --- state ---
  function entry(id) {
    var g = groups.get(id);
    if (!g) {
      g = { view: null, statements: new Map(), card: null, rows: new Map(), fresh: true };
      groups.set(id, g);
    }
    return g;
  }
  function upsertGroup(v) {
    if (v.id <= cleared.group && !groups.has(v.id)) { cleared.views.set(v.id, v); return; }
    entry(v.id).view = v;
    touch(v.id);
  }
  function upsertStatement(s) {
    if (s.id <= cleared.statement) return;
    if (!groups.has(s.groupId) && cleared.views && cleared.views.has(s.groupId)) entry(s.groupId).view = cleared.views.get(s.groupId);
    var g = entry(s.groupId);
    var before = g.statements.get(s.id);
    g.statements.set(s.id, s);
    if (!before && view.paused) { newWhilePaused++; $('pause').textContent = 'Resume (' + newWhilePaused + ' new)'; }
    if (!before && document.hidden) { unseen++; document.title = '(' + unseen + ') ' + baseTitle; }
    touch(s.groupId);
    if (s.status === 'ok' && (!before || before.status !== 'ok') && /^(INSERT|UPDATE|DELETE|MERGE|COPY|CREATE|DROP|ALTER|TRUNCATE)/.test(s.command || '')) tablesSoon();
  }
  function touch(id) {
    dirty.add(id);
    if (view.paused) return;
    if (!renderTimer) renderTimer = setTimeout(render, 40);
  }
  function reset(snapshot) {
    groups.forEach(function (g) { if (g.card) g.card.remove(); });
    groups.clear();
    view.rttMs = snapshot.rttMs;
    view.showValues = snapshot.showValues;
    var db = $('database');
    db.textContent = snapshot.database || 'no database URL given to the proxy';
    $('rtt').hidden = !snapshot.rttMs;
    $('rtt').textContent = 'RTT ' + snapshot.rttMs + ' ms';
    $('values-note').textContent = snapshot.showValues ? 'Parameters, with the values they were sent with (--show-values).' : 'Parameters. Their values are hidden; start with --show-values to see them.';
    snapshot.groups.forEach(upsertGroup);
    snapshot.statements.forEach(upsertStatement);
    groups.forEach(function (g) { g.fresh = false; });
    render();
  }

  // --- rendering ---
  function matches(g) {
    var v = g.view;
    if (view.transport !== 'all' && v.transport !== view.transport) return false;
    var failed = !!v.error;
    g.statements.forEach(function (s) { if (s.status === 'error') failed = true; });
    if (view.errorsOnly && !failed) return false;
    if (!view.filter) return true;
    return statementMatches(g).size > 0 || (v.user + '@' + v.database).toLowerCase().indexOf(view.filter) >= 0;
  }
  function statementMatches(g) {
    var ids = new Set();
    if (!view.filter) return ids;
    g.statements.forEach(function (s) {
      var hay = (s.text + ' ' + (s.error ? s.error.code + ' ' + s.error.message : '') + ' ' + (s.command || '')).toLowerCase();
      if (hay.indexOf(view.filter) >= 0) ids.add(s.id);
    });
    return ids;
  }
  function title(v) {
    if (v.transport === 'http') return (v.batch ? 'transaction #' : 'request #') + v.id;
    if (v.cancel) return 'cancel request #' + v.id;
    return 'session #' + v.id;
  }
  function facts(g) {
    var v = g.view, total = 0, parts = [];
    g.statements.forEach(function (s) { total += s.durationMs || 0; });
    parts.push(plural(v.statements, 'statement'));
    if (v.transport === 'websocket' && !v.cancel) parts.push(plural(v.turns, 'turn'));
    if (v.transport === 'http') parts.push(v.batch ? '1 request, begin … commit' : '1 request');
    parts.push(ms(total) + ' at the database');
    return parts.join(' · ');
  }
  function distance(v) {
    if (!view.rttMs) return null;
    // WebSocket: TCP connect and the upgrade, then each turn; HTTP: the request (a new connection adds one).
    var trips = v.transport === 'http' ? 1 : v.turns + 2;
    var text = '+' + Math.round(trips * view.rttMs) + ' ms of distance at ' + view.rttMs + ' ms RTT';
    var why = plural(trips, 'round trip') + ' × ' + view.rttMs + ' ms' + (v.transport === 'http' ? ' (one more when the connection is new)' : ' (TCP connect, WebSocket upgrade, ' + plural(v.turns, 'turn') + ')');
    var span = el('span', 'distance', text);
    span.title = why;
    return span;
  }
  function application(name) {
    // The driver's default application_name is a package URL: pkg:npm/%40neondatabase/serverless@1.2.0
    var m = /^pkg:npm\/(.+)$/.exec(name);
    if (!m) return name;
    try { return decodeURIComponent(m[1]); } catch (e) { return m[1]; }
  }
  function header(g) {
    var v = g.view, h = el('header'), one = el('div', 'line1'), two = el('div', 'line2');
    one.appendChild(el('span', 'badge', v.transport === 'http' ? 'HTTP' : 'WebSocket'));
    one.appendChild(el('span', 'gid', title(v)));
    if (v.user) one.appendChild(el('span', 'who mono', v.user + '@' + (v.database || v.user)));
    if (v.application) one.appendChild(el('span', 'app', application(v.application)));
    var open = v.endedAt === undefined;
    one.appendChild(el('span', 'state' + (open ? ' open' : ''), open ? 'open' : 'closed after ' + ms(v.endedAt - v.startedAt)));
    var t = el('time', '', clock(v.startedAt));
    t.dateTime = new Date(v.startedAt).toISOString();
    one.appendChild(t);
    var f = el('span', 'facts', facts(g));
    if (v.connectTurns) f.title = 'The login took ' + plural(v.connectTurns, 'turn') + '; the driver sends its password, and its first statement, without waiting to be asked.';
    two.appendChild(f);
    var d = distance(v);
    if (d) two.appendChild(d);
    h.appendChild(one);
    h.appendChild(two);
    return h;
  }
  function paramsNode(s) {
    if (!s.paramCount) return null;
    var p = el('div', 'params');
    if (!s.params) {
      var names = [];
      for (var i = 1; i <= Math.min(s.paramCount, 8); i++) names.push('$' + i);
      p.textContent = names.join(', ') + (s.paramCount > 8 ? ', …' : '') + ' · values hidden';
      return p;
    }
    s.params.forEach(function (value, i) {
      if (i) p.appendChild(document.createTextNode('  '));
      p.appendChild(document.createTextNode('$' + (i + 1) + ' = '));
      p.appendChild(el('code', '', value === null ? 'NULL' : "'" + value + "'"));
    });
    if (s.paramCount > s.params.length) p.appendChild(document.createTextNode('  … ' + (s.paramCount - s.params.length) + ' more'));
    return p;
  }
  function row(s, previous, matched) {
    var li = el('li', 'stmt ' + s.status);
    li.dataset.status = s.status;
    li.dataset.statementId = s.id;
    if (matched) li.classList.add('match');
    if (previous && s.turn !== undefined && previous.turn === s.turn) li.classList.add('sameturn');
    else if (previous) li.classList.add('newturn');
    var turn = el('span', 'turn', s.turn === undefined ? '' : 'turn ' + s.turn);
    if (s.turn !== undefined) turn.title = 'sent in turn ' + s.turn + ' of the session';
    li.appendChild(turn);
    var body = el('div', 'body');
    body.appendChild(sqlNode(s.text));
    var p = paramsNode(s);
    if (p) body.appendChild(p);
    if (s.error) {
      var e = el('div', 'err');
      if (s.error.code) e.appendChild(el('b', '', s.error.code));
      e.appendChild(document.createTextNode(s.error.message));
      body.appendChild(e);
    }
    li.appendChild(body);
    li.appendChild(el('span', 'cmd', s.status === 'skipped' ? 'not run' : s.status === 'error' ? 'error' : s.command || ''));
    li.appendChild(el('span', 'rows', s.rows === undefined || s.rows === null ? '' : plural(s.rows, 'row')));
    var dur = el('span', 'dur' + (s.durationMs >= 100 ? ' slow' : ''), s.status === 'running' ? 'running…' : s.status === 'skipped' ? '—' : ms(s.durationMs));
    if (s.status === 'skipped') li.title = 'Not run: an earlier statement sent with it failed, so Postgres skipped it.';
    li.appendChild(dur);
    return li;
  }
  function renderGroup(id, g) {
    var v = g.view;
    if (!v) return;
    var card = g.card;
    if (!card) {
      card = g.card = el('article', 'group');
      card.dataset.groupId = id;
      var next = null;
      for (var c = feed.firstElementChild; c; c = c.nextElementSibling) {
        if (c.dataset.groupId && Number(c.dataset.groupId) < id) { next = c; break; }
      }
      feed.insertBefore(card, next);
      card.addEventListener('animationend', function () { card.classList.remove('fresh'); });
    }
    var fresh = g.fresh || card.classList.contains('fresh');
    g.fresh = false;
    card.dataset.transport = v.transport;
    var failed = !!v.error;
    g.statements.forEach(function (s) { if (s.status === 'error') failed = true; });
    card.className = 'group ' + (v.transport === 'http' ? 'http' : 'ws') + (failed ? ' failed' : '') + (fresh ? ' fresh' : '');
    card.replaceChildren(header(g));
    if (v.error) {
      var ge = el('div', 'group-error');
      if (v.error.code) ge.appendChild(el('b', 'mono', v.error.code + '  '));
      ge.appendChild(document.createTextNode(v.error.message));
      card.appendChild(ge);
    }
    var list = Array.from(g.statements.values()).sort(function (a, b) { return a.id - b.id; });
    var hiddenEarlier = Math.max(0, v.statements - list.length);
    if (list.length > MAX_ROWS) { hiddenEarlier += list.length - MAX_ROWS; list = list.slice(-MAX_ROWS); }
    if (hiddenEarlier) card.appendChild(el('div', 'more', plural(hiddenEarlier, 'earlier statement') + ' not shown'));
    if (!list.length && !hiddenEarlier) card.appendChild(el('div', 'none', v.cancel ? 'asked Postgres to cancel a running statement' : 'no statements'));
    if (list.length) {
      var ol = el('ol', 'statements'), matched = statementMatches(g), prev = null;
      list.forEach(function (s) { ol.appendChild(row(s, prev, matched.has(s.id))); prev = s; });
      card.appendChild(ol);
    }
    card.hidden = !matches(g);
  }
  function render() {
    renderTimer = 0;
    dirty.forEach(function (id) { var g = groups.get(id); if (g) renderGroup(id, g); });
    dirty.clear();
    if (groups.size > MAX_GROUPS) {
      var ids = Array.from(groups.keys()).sort(function (a, b) { return a - b; });
      ids.slice(0, groups.size - MAX_GROUPS).forEach(function (id) { var g = groups.get(id); if (g.card) g.card.remove(); groups.delete(id); });
    }
    refreshVisibility(false);
  }
  function refreshVisibility(all) {
    var shown = 0, sessions = 0, requests = 0, statements = 0, errors = 0;
    groups.forEach(function (g, id) {
      if (!g.view) return;
      if (all && g.card) renderGroup(id, g);
      if (g.card && !g.card.hidden) shown++;
      if (g.view.transport === 'http') requests++; else sessions++;
      statements += g.view.statements;
      g.statements.forEach(function (s) { if (s.status === 'error') errors++; });
    });
    empty.hidden = shown > 0;
    $('counts').textContent = plural(sessions, 'session') + ' · ' + plural(requests, 'HTTP request') + ' · ' + plural(statements, 'statement') + (errors ? ' · ' + plural(errors, 'error') : '');
  }

  // --- controls ---
  $('filter').addEventListener('input', function (e) { view.filter = e.target.value.trim().toLowerCase(); refreshVisibility(true); });
  document.querySelectorAll('.seg button').forEach(function (b) {
    b.addEventListener('click', function () {
      view.transport = b.dataset.transport;
      document.querySelectorAll('.seg button').forEach(function (o) { o.setAttribute('aria-pressed', String(o === b)); });
      refreshVisibility(true);
    });
  });
  $('errors-only').addEventListener('change', function (e) { view.errorsOnly = e.target.checked; refreshVisibility(true); });
  $('pause').addEventListener('click', function () {
    view.paused = !view.paused;
    this.setAttribute('aria-pressed', String(view.paused));
    this.textContent = view.paused ? 'Resume' : 'Pause';
    if (!view.paused) { newWhilePaused = 0; render(); }
  });
  $('clear').addEventListener('click', function () {
    var views = new Map();
    groups.forEach(function (g, id) {
      if (g.view && g.view.endedAt === undefined) views.set(id, g.view);
      cleared.group = Math.max(cleared.group, id);
      g.statements.forEach(function (s) { cleared.statement = Math.max(cleared.statement, s.id); });
      if (g.card) g.card.remove();
    });
    cleared.views = views;
    groups.clear();
    refreshVisibility(false);
  });
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden) { unseen = 0; document.title = baseTitle; }
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === '/' && document.activeElement !== $('filter')) { e.preventDefault(); $('filter').focus(); }
  });

  // --- tables ---
  var tablesTimer = 0, tablesBusy = false;
  function tablesSoon() { clearTimeout(tablesTimer); tablesTimer = setTimeout(loadTables, 800); }
  function loadTables() {
    if (tablesBusy) return tablesSoon();
    tablesBusy = true;
    fetch('/explorer/tables', { headers: { Accept: 'application/json' } })
      .then(function (r) { return r.json(); })
      .then(showTables, function (err) { showTables({ tables: null, message: String(err) }); })
      .then(function () { tablesBusy = false; });
  }
  function showTables(answer) {
    var box = $('tables');
    box.replaceChildren();
    if (!answer.tables) { box.appendChild(el('div', 'note', answer.message || 'no tables')); return; }
    if (!answer.tables.length) { box.appendChild(el('div', 'note', 'No tables yet.')); return; }
    answer.tables.forEach(function (t) {
      var line = el('div', 'table'), name = el('span', 'name mono');
      line.dataset.table = t.schema + '.' + t.name;
      if (t.schema !== 'public') name.appendChild(el('span', 'schema', t.schema + '.'));
      name.appendChild(document.createTextNode(t.name));
      name.title = t.schema + '.' + t.name;
      line.appendChild(name);
      var count = el('span', 'count', t.rows === null ? '?' : t.rows.toLocaleString('en-US') + (t.more ? '+' : ''));
      if (t.rows === null) count.title = 'could not be counted in time';
      line.appendChild(count);
      box.appendChild(line);
    });
  }
  $('refresh-tables').addEventListener('click', loadTables);

  // --- live ---
  function live(on, text) { var l = $('live'); l.className = 'live' + (on ? ' on' : ''); l.textContent = text; }
  var source = new EventSource('/explorer/events');
  source.addEventListener('snapshot', function (e) { reset(JSON.parse(e.data)); live(true, 'live'); });
  source.addEventListener('group', function (e) { upsertGroup(JSON.parse(e.data)); });
  source.addEventListener('statement', function (e) { upsertStatement(JSON.parse(e.data)); });
  source.addEventListener('error', function () { live(false, 'reconnecting…'); });
  loadTables();
})();
`;

const FAVICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect x='2' y='2' width='12' height='12' rx='3' fill='%2300e599'/%3E%3C/svg%3E";

export function explorerPage(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>neon-on-localhost · explorer</title>
<link rel="icon" href="${FAVICON}">
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>${BODY}<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
}
