// npm run bench [-- --smoke] [-- --out file.md]
// Measures scaffold speed, database round trips, latency, bundle size and
// proxy overhead in one run on this machine, prints a Markdown report, writes
// it to bench/results.md and into docs/benchmarks.md between the bench markers.
// --smoke: tiny counts, written only to --out (npm test runs it so it cannot rot).

import { cpus, totalmem } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startPostgres, type TestPostgres } from '../test/support/postgres.ts';
import { useTestRegistry } from '../test/support/registry.ts';
import { nodeFunctionBundles, vercelFunctionBundles, workerBundle } from './bundle.ts';
import { concurrent, floor, missPoint, sequential, type Latency } from './latency.ts';
import { BENCH_TEMPLATES, Projects } from './projects.ts';
import { measureProxyOverhead } from './proxy-overhead.ts';
import { countDriverModes, countRequest, type TripCount } from './round-trips.ts';
import { countTcpRoutes, TCP_TEMPLATES } from './tcp-trips.ts';
import { measureScaffold } from './scaffold.ts';
import { measureDistance } from './distance.ts';
import { CONTENDERS, measureFirstRequest } from './first-request.ts';
import { embeddedPostgisSection, measureEmbeddedPostgis } from './embedded-postgis.ts';
import { measureTestDatabases, testDatabasesSection } from './test-databases.ts';
import { kib, ms, table } from './stats.ts';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, out: { type: 'string' } } });
const smoke = values.smoke ?? false;
const COUNTS = smoke
  ? {
      scaffoldRuns: 2,
      sequential: 3,
      clients: 2,
      perClient: 2,
      overheadRuns: 2,
      cache: 3,
      rtts: [0, 10],
      distanceRuns: 1,
      cacheRtt: 20,
      firstRequestRuns: 1,
      testDatabaseRuns: 1,
    }
  : {
      scaffoldRuns: 15,
      sequential: 100,
      clients: 10,
      perClient: 20,
      overheadRuns: 30,
      cache: 100,
      rtts: [0, 10, 50, 100],
      distanceRuns: 7,
      cacheRtt: 20,
      firstRequestRuns: 3,
      testDatabaseRuns: 5,
    };

const root = fileURLToPath(new URL('..', import.meta.url));
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const sections: string[] = [];

const tripCells = (t: TripCount) => [t.wsSessions, `${t.messagesIn} / ${t.messagesOut}`, t.turns, t.httpRequests];

let db: TestPostgres | undefined;
let passwordDb: TestPostgres | undefined;
let projects: Projects | undefined;
// Projects install neon-on-localhost as published: from a throwaway registry holding this checkout's build.
const stopRegistry = await useTestRegistry();
try {
  log('scaffold time');
  const scaffold = measureScaffold(COUNTS.scaffoldRuns);
  sections.push(
    `### 1. Scaffold time (whole process, median of ${scaffold.runs} runs, no install, no git)\n\n` +
      table(
        ['create-neon-edge `--yes`', 'create-vite `vanilla-ts`', 'ratio (goal ≤ 1.0)'],
        [[ms(scaffold.oursMs), ms(scaffold.viteMs), scaffold.ratio.toFixed(2)]],
      ),
  );

  db = await startPostgres();
  passwordDb = await startPostgres({ auth: 'password' });
  projects = new Projects(db.url);

  const tripRows: (string | number)[][] = [];
  const latencyRows: (string | number)[][] = [];
  let cacheRow: (string | number)[] | undefined;
  for (const template of BENCH_TEMPLATES) {
    log(`${template.name}: scaffold, install, npm start`);
    const { dev, proxy } = await projects.serve(template);
    try {
      for (const route of template.routes) {
        const count = await countRequest(`${dev.base}${route.path}`, proxy);
        tripRows.push([template.name, `\`${route.path.split('?')[0]}\``, route.transport, ...tripCells(count)]);
      }
      for (const route of template.routes.filter((r) => !/cache HIT/.test(r.transport))) {
        const path =
          route.path.includes('/nearest') && template.name === 'worker-postgis' && route.path.startsWith('/nearest?')
            ? (i: number) => `${dev.base}/nearest?${missPoint(i)}`
            : () => `${dev.base}${route.path}`;
        const seq: Latency = await sequential(path, COUNTS.sequential);
        const conc: Latency = await concurrent(path, COUNTS.clients, COUNTS.perClient);
        latencyRows.push([template.name, `\`${route.path.split('?')[0]}\``, route.transport, ms(seq.p50), ms(seq.p95), ms(conc.p50), ms(conc.p95)]);
      }
      // The dev server's own cost per request: a route that answers without the database.
      const idle = await floor(dev.base, COUNTS.sequential);
      latencyRows.push([template.name, '(404, no database)', 'dev server floor', ms(idle.p50), ms(idle.p95), '–', '–']);
      if (template.name === 'worker-postgis') {
        const offset = 10_000; // cells no latency run above has touched
        const miss = await sequential((i) => `${dev.base}/nearest?${missPoint(offset + i)}`, COUNTS.cache);
        await sequential(() => `${dev.base}/nearest?lat=40.71&lng=-74.01`, 1); // warm the one cell
        const hit = await sequential(() => `${dev.base}/nearest?lat=40.7128&lng=-74.0060`, COUNTS.cache);
        cacheRow = [ms(miss.p50), ms(miss.p95), ms(hit.p50), ms(hit.p95), `${(miss.p50 / hit.p50).toFixed(1)}×`];
      }
    } finally {
      await dev.stop();
    }
  }

  // The cache where it matters: the same worker-postgis with every round trip to the proxy costing cacheRtt.
  let distantCacheRow: (string | number)[] | undefined;
  {
    const postgis = BENCH_TEMPLATES.find((t) => t.name === 'worker-postgis')!;
    log(`worker-postgis: npm start with NEON_LOCALHOST_RTT_MS=${COUNTS.cacheRtt}`);
    const { dev } = await projects.serve(postgis, COUNTS.cacheRtt);
    try {
      const miss = await sequential((i) => `${dev.base}/nearest?${missPoint(20_000 + i)}`, COUNTS.cache);
      await sequential(() => `${dev.base}/nearest?lat=51.51&lng=-0.13`, 1); // warm the one cell
      const hit = await sequential(() => `${dev.base}/nearest?lat=51.5074&lng=-0.1278`, COUNTS.cache);
      distantCacheRow = [`${COUNTS.cacheRtt} ms`, ms(miss.p50), ms(miss.p95), ms(hit.p50), ms(hit.p95), `${(miss.p50 / hit.p50).toFixed(1)}×`];
    } finally {
      await dev.stop();
    }
  }

  const tcpRows: (string | number)[][] = [];
  for (const template of TCP_TEMPLATES) {
    log(`${template.name}: npm start with DATABASE_URL through a counting TCP relay`);
    for (const { route, count } of await countTcpRoutes(projects, template, db.url)) {
      tcpRows.push([template.name, `\`${route.path}\``, route.transport, count.connections, `${count.chunksIn} / ${count.chunksOut}`, count.turns]);
    }
  }

  log('driver connect modes');
  const modes = await countDriverModes(passwordDb);
  sections.push(
    `### 2. Database round trips per request (counted at the local proxy, cold connection)\n\n` +
      table(['template', 'route', 'transport', 'WebSocket sessions', 'messages in / out', 'turns', 'HTTP /sql requests'], tripRows) +
      '\n\nThe templates whose driver speaks Postgres over TCP bypass the proxy: counted at a relay between the dev server and Postgres (`scram-sha-256`, no TLS), in the order listed:\n\n' +
      table(['template', 'route', 'transport', 'TCP connections', 'chunks in / out', 'turns'], tcpRows) +
      '\n\nLocally Hyperdrive is a plain TCP connection from the Worker to Postgres, so every request pays the whole connect (startup and SCRAM, 3 turns, then the query). ' +
      "In production the Worker's connection ends at Hyperdrive in the same Cloudflare location, and Hyperdrive keeps a pool of connections to the database in the region nearest it: " +
      'the new-connection cost Cloudflare gives for Postgres without Hyperdrive, 7 round trips before the first query (TCP 1, TLS 3, authentication 3), is paid once per pooled connection, not per request, ' +
      'leaving each query (and each statement of a transaction) one round trip to the database ([How Hyperdrive works](https://developers.cloudflare.com/hyperdrive/concepts/how-hyperdrive-works/)). ' +
      "vercel-node's Pool pays the connect on an instance's first request and reuses the connection after it, as above." +
      '\n\nThe driver alone, from Node, against a cluster with cleartext `password` auth (so pipelining can be tried):\n\n' +
      table(
        ['connection', 'WebSocket sessions', 'messages in / out', 'turns', 'HTTP /sql requests'],
        modes.map((m) => [m.mode, ...tripCells(m.count)]),
      ),
  );

  sections.push(
    `### 3. Latency through the dev servers (loopback, ${COUNTS.sequential} sequential; ${COUNTS.clients} concurrent clients × ${COUNTS.perClient})\n\n` +
      table(['template', 'route', 'transport', 'sequential p50', 'p95', 'concurrent p50', 'p95'], latencyRows) +
      (cacheRow
        ? `\n\nworker-postgis \`/nearest\`, ${COUNTS.cache} requests each:\n\n` +
          table(
            ['round trip to the proxy', 'cache MISS p50', 'MISS p95', 'cache HIT p50', 'HIT p95', 'MISS / HIT (goal ≥ 10×)'],
            [['0 (loopback)', ...cacheRow], ...(distantCacheRow ? [distantCacheRow] : [])],
          )
        : ''),
  );

  log('bundle sizes');
  const bundleRows: (string | number)[][] = [];
  for (const name of ['worker-raw', 'worker-postgis', 'worker-hyperdrive'] as const) {
    const size = workerBundle(await projects.project(name));
    bundleRows.push([name, kib(size.uploadKiB * 1024), kib(size.gzipKiB * 1024), size.startupMs === undefined ? '–' : ms(size.startupMs)]);
  }
  for (const [fn, size] of Object.entries(await vercelFunctionBundles(await projects.project('vercel-edge')))) {
    bundleRows.push([`vercel-edge \`${fn}\``, kib(size.uploadKiB * 1024), kib(size.gzipKiB * 1024), '–']);
  }
  for (const [fn, size] of Object.entries(await nodeFunctionBundles(await projects.project('vercel-node')))) {
    bundleRows.push([`vercel-node \`${fn}\` (Node)`, kib(size.uploadKiB * 1024), kib(size.gzipKiB * 1024), '–']);
  }
  sections.push(
    '### 4. Bundle size and startup\n\n' +
      table(
        ['template', 'upload', 'gzip (goal < 150 KiB; Workers free plan limit 3 MB)', 'local startup CPU (`wrangler check startup`; limit 1 s)'],
        bundleRows,
      ),
  );

  log('proxy overhead');
  const overheadRows: (string | number)[][] = [];
  for (const [auth, cluster] of [
    ['cleartext `password`', passwordDb],
    ['`scram-sha-256`', db],
  ] as const) {
    const o = await measureProxyOverhead(cluster.url, COUNTS.overheadRuns);
    overheadRows.push([
      auth,
      `${ms(o.directMs)} (connect ${ms(o.directConnectMs)})`,
      `${ms(o.webSocketMs)} (TCP + upgrade ${ms(o.upgradeMs)})`,
      `${(o.webSocketMs / o.directMs).toFixed(2)}×`,
      ms(o.httpMs),
      `${(o.httpMs / o.directMs).toFixed(2)}×`,
    ]);
  }
  sections.push(
    `### 5. Local proxy overhead (time to first answer on a new connection, from Node, median of ${COUNTS.overheadRuns})\n\n` +
      table(
        [
          'auth',
          'direct `pg` over TCP',
          'driver `Client` over WebSocket via the proxy (pipelined)',
          'ratio (goal ≤ 1.5)',
          'driver `neon()` over HTTP via the proxy',
          'ratio',
        ],
        overheadRows,
      ),
  );

  log('time to first query at a distance');
  const distance = await measureDistance(db.url, COUNTS.rtts, COUNTS.distanceRuns);
  const far = COUNTS.rtts[COUNTS.rtts.length - 1];
  sections.push(
    `### 6. Time to first query at a distance (new connection, from Node, median of ${COUNTS.distanceRuns}; \`NEON_LOCALHOST_RTT_MS\`)\n\n` +
      table(
        ['path', ...COUNTS.rtts.map((r) => `${r} ms RTT`), `round trips (slope 0 → ${far} ms)`, 'over the internet'],
        distance.map((d) => [d.path, ...d.medians.map(ms), d.roundTrips.toFixed(1), d.published]),
      ),
  );

  // Smoke: ours only, once, on the npm cache as it is; create-cloudflare's install alone would take longer than the whole smoke run.
  const firstRequest = await measureFirstRequest({
    runs: COUNTS.firstRequestRuns,
    contenders: smoke ? CONTENDERS.slice(0, 1) : CONTENDERS,
    warmCache: !smoke,
    log,
  });
  const seconds = (value: number) => `${(value / 1000).toFixed(1)} s`;
  sections.push(
    `### 7. From \`npm create\` to the first request (npm; ${smoke ? 'smoke run: ours only, once, npm cache as found; create-cloudflare skipped' : `a fresh npm cache shared by both, warmed by one unmeasured \`npm create\` of each; median of ${COUNTS.firstRequestRuns}`})\n\n` +
      table(
        ['project', '`npm create` (scaffold + install)', '`npm start` → first 200 on `/`', 'total', '`node_modules` (`du`)'],
        firstRequest.map((r) => [
          r.name,
          seconds(r.createMs),
          seconds(r.firstResponseMs),
          seconds(r.createMs + r.firstResponseMs),
          `${r.nodeModulesMiB.toFixed(0)} MiB`,
        ]),
      ) +
      '\n\nOurs is the published package from the throwaway registry, with `--template worker-raw --yes --no-git`; its first 200 is a query on the embedded Postgres. ' +
      'create-cloudflare runs with `--accept-defaults --type hello-world --lang ts --no-deploy --no-git --no-open --no-auto-update` and its telemetry off; its first 200 is a static "Hello World!". ' +
      'Both install through the same registry and both serve with `wrangler dev` on loopback.' +
      firstRequest
        .filter((r) => r.wranglerAloneMs !== undefined)
        .map(
          (r) =>
            `\n\nOn the same ${r.name} project, \`wrangler dev\` alone (no database: its first answer is the Worker's 503) answers in ${seconds(r.wranglerAloneMs!)}; ` +
            `\`npm start\`'s first 200 takes ${(r.firstResponseMs / r.wranglerAloneMs!).toFixed(2)}× that on the first start after \`npm create\` and ` +
            `${(r.laterResponseMs! / r.wranglerAloneMs!).toFixed(2)}× (${seconds(r.laterResponseMs!)}) on the next (goal ≤ 1.25× for both).` +
            (r.testSetup
              ? ` \`npm test\`'s set-up, timed on a one-assertion test file: @cloudflare/vitest-plugin alone (no database) runs it in ${seconds(r.testSetup.aloneMs)}; ` +
                `with the project's config (the embedded database, migrated, a copy for the file) it takes ${(r.testSetup.firstMs / r.testSetup.aloneMs).toFixed(2)}× that (${seconds(r.testSetup.firstMs)}) on the first run after \`npm create\` and ` +
                `${(r.testSetup.laterMs / r.testSetup.aloneMs).toFixed(2)}× (${seconds(r.testSetup.laterMs)}) on the next (goal ≤ 1.25× for both).`
              : ''),
        )
        .join(''),
  );

  // Not in the smoke run: preparing PostGIS alone takes a minute or two (test/e2e-embedded-places.test.ts runs the same path).
  if (!smoke) {
    log('worker-postgis on the embedded database');
    sections.push(embeddedPostgisSection(await measureEmbeddedPostgis(db.url, 3, log)));
  }

  sections.push(testDatabasesSection(await measureTestDatabases(db.url, COUNTS.testDatabaseRuns, log)));
} finally {
  await projects?.remove();
  await db?.destroy();
  await passwordDb?.destroy();
  await stopRegistry();
}

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
const report = `_Measured ${new Date().toISOString().slice(0, 10)} on ${machine}${smoke ? ' (smoke run: tiny counts, not figures)' : ''}._\n\n${sections.join('\n\n')}\n`;
process.stdout.write(report);

if (values.out) writeFileSync(values.out, report);
if (!smoke) {
  writeFileSync(`${root}bench/results.md`, `# Benchmark results\n\n${report}`);
  const page = `${root}docs/benchmarks.md`;
  const text = readFileSync(page, 'utf8');
  const updated = text.replace(/(<!-- bench:start -->\n)[\s\S]*?(<!-- bench:end -->)/, `$1${report}$2`);
  if (updated === text && !text.includes(report)) throw new Error('docs/benchmarks.md has no <!-- bench:start --> / <!-- bench:end --> markers');
  writeFileSync(page, updated);
  log('wrote bench/results.md and docs/benchmarks.md');
}
