// Load on a generated project's `npm start`, end to end and on loopback only:
// a throwaway PostgreSQL, the template scaffolded by the built CLI, its dev
// server (wrangler dev or the edge-runtime server) with the local proxy, and
// N concurrent clients (Node's fetch, keep-alive) for S seconds over the
// template's routes. It reports requests, failures, p50/p95 latency, the
// database's sessions before and after (no connection may leak) and the
// proxy's memory, as a Markdown table; it exits non-zero on any failure or leak.
//
//   node --experimental-strip-types scripts/load.ts --template worker-raw --connections 200 --seconds 30
//   [--project <dir>]  reuse a project already scaffolded and installed for this template
//                      (it is created there, and kept, when the folder does not exist yet)

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { envLine, writeSecretFile } from '../src/scaffold/write-project.ts';
import { CLI, cleanEnv, REPO_ROOT, run } from '../test/support/cli.ts';
import { useTestRegistry } from '../test/support/registry.ts';
import { startDevServer } from '../test/support/dev-server.ts';
import { startPostgres, type TestPostgres } from '../test/support/postgres.ts';

export const LOAD_TEMPLATES = ['worker-raw', 'worker-postgis', 'vercel-edge'] as const;
export type LoadTemplate = (typeof LOAD_TEMPLATES)[number];

// One request may take this long before it counts as failed.
const REQUEST_TIMEOUT_MS = 15_000;
// After the load, how long the stack gets to close what it opened (the proxy's
// /sql pool lets idle connections go after 5 s).
const SETTLE_TIMEOUT_MS = 20_000;

// Points the places tests use, visited again and again (cache hits), next to random ones (misses).
const FAMILIAR_POINTS = [
  [48.8566, 2.3522],
  [51.5074, -0.1278],
  [40.7128, -74.006],
  [35.6762, 139.6503],
  [-33.8688, 151.2093],
  [-23.5505, -46.6333],
  [1.3521, 103.8198],
  [55.7558, 37.6173],
] as const;

interface TemplateLoad {
  /** Answered without touching the database: the dev server is up. */
  readyPath: string;
  /** The next path to request. */
  nextPath: (i: number) => string;
}

const round = (n: number) => Math.round(n * 100) / 100;

const TEMPLATE_LOAD: Record<LoadTemplate, TemplateLoad> = {
  'worker-raw': { readyPath: '/not-a-route', nextPath: (i) => ['/', '/http', '/tx'][i % 3] },
  'worker-postgis': {
    readyPath: '/not-a-route',
    nextPath: (i) => {
      if (i % 2 === 0) {
        const [lat, lng] = FAMILIAR_POINTS[(i / 2) % FAMILIAR_POINTS.length];
        return `/nearest?lat=${lat}&lng=${lng}`;
      }
      return `/nearest?lat=${round(Math.random() * 170 - 85)}&lng=${round(Math.random() * 360 - 180)}`;
    },
  },
  'vercel-edge': { readyPath: '/api/not-a-route', nextPath: (i) => ['/api/now', '/api/tx'][i % 2] },
};

export interface LoadOptions {
  template: LoadTemplate;
  connections: number;
  seconds: number;
  /** A project folder to reuse (or create and keep); otherwise a temporary one is made and removed. */
  project?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface LoadReport {
  template: LoadTemplate;
  connections: number;
  seconds: number;
  requests: number;
  failures: number;
  /** The most frequent failure reasons, with their counts. */
  failureReasons: [string, number][];
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  /** Requests per path (worker-postgis: per route). */
  perRoute: Record<string, number>;
  /** select count(*) from pg_stat_activity where usename = 'app' */
  pgBaseline: number;
  pgAfter: number;
  proxyRssBefore: number;
  proxyRssAfter: number;
  /** The proxy's open WebSocket sessions once settled. */
  proxyWsOpenAfter: number;
  /** When sessions were left open: what pg_stat_activity says about them. */
  leftOpen: string[];
  /** Errors the dev server logged, with their counts. */
  serverErrors: [string, number][];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function appSessions(monitor: pg.Client): Promise<number> {
  const { rows } = await monitor.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where usename = 'app'");
  return rows[0].n;
}

interface ProxyStatsJson {
  rssBytes: number;
  wsOpen: number;
}

async function proxyStats(address: string): Promise<ProxyStatsJson> {
  const response = await fetch(`http://${address}/_neon_localhost/stats`, { signal: AbortSignal.timeout(5_000) });
  return (await response.json()) as ProxyStatsJson;
}

/** Builds dist/ (the CLI and the templates it copies) from the current sources. */
export async function buildCli(): Promise<void> {
  const built = await run(process.execPath, ['--experimental-strip-types', '--no-warnings', 'scripts/build.ts'], { cwd: REPO_ROOT });
  if (built.code !== 0) throw new Error(`building the CLI failed:\n${built.output}`);
}

/** Scaffolds the template with the built CLI into `dir` (installing it, and loading the places for worker-postgis). */
async function scaffold(template: LoadTemplate, dir: string, databaseUrl: string): Promise<void> {
  if (!existsSync(CLI)) await buildCli();
  mkdirSync(path.dirname(dir), { recursive: true });
  const created = await run(
    process.execPath,
    [CLI, path.basename(dir), '--template', template, '--database-url', databaseUrl, '--no-git', '--package-manager', 'npm'],
    { cwd: path.dirname(dir), timeoutMs: 600_000 },
  );
  if (created.code !== 0) throw new Error(`create-neon-edge failed:\n${created.output}`);
  if (template === 'worker-postgis' && !/places in the places table/.test(created.output)) {
    throw new Error(`the places were not loaded:\n${created.output}`);
  }
}

/** A project made earlier: point it at this run's database (and load the places into it). */
async function reuse(template: LoadTemplate, dir: string, databaseUrl: string): Promise<void> {
  const envFile = template === 'vercel-edge' ? '.env.local' : '.dev.vars';
  writeSecretFile(path.join(dir, envFile), envLine('DATABASE_URL', databaseUrl));
  if (template === 'worker-postgis') {
    const setup = await run('npm', ['run', 'db:setup'], { cwd: dir, timeoutMs: 300_000 });
    if (setup.code !== 0) throw new Error(`npm run db:setup failed:\n${setup.output}`);
  }
}

/** N clients, each sending its next request as soon as the previous one is answered, until the deadline. */
async function drive(base: string, load: TemplateLoad, connections: number, seconds: number) {
  const latencies: number[] = [];
  const reasons = new Map<string, number>();
  const perRoute: Record<string, number> = {};
  let requests = 0;
  let failures = 0;
  let counter = 0;
  const started = performance.now();
  const deadline = started + seconds * 1_000;
  const fail = (reason: string) => {
    failures++;
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  };
  const client = async () => {
    while (performance.now() < deadline) {
      const route = load.nextPath(counter++);
      const key = route.split('?')[0];
      perRoute[key] = (perRoute[key] ?? 0) + 1;
      const t0 = performance.now();
      requests++;
      try {
        const response = await fetch(`${base}${route}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        const body = await response.text();
        latencies.push(performance.now() - t0);
        if (!response.ok) fail(`${key}: HTTP ${response.status} ${body.slice(0, 120)}`);
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        fail(`${key}: ${e.name}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, client));
  const elapsed = (performance.now() - started) / 1_000;
  latencies.sort((a, b) => a - b);
  return {
    requests,
    failures,
    failureReasons: [...reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5),
    requestsPerSecond: requests / elapsed,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    perRoute,
  };
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const log = options.log ?? (() => {});
  const load = TEMPLATE_LOAD[options.template];
  const db: TestPostgres = await startPostgres();
  const work = options.project ? undefined : mkdtempSync(path.join(tmpdir(), 'neon-edge-load-'));
  const project = options.project ? path.resolve(options.project) : path.join(work!, 'app');
  let monitor: pg.Client | undefined;
  try {
    if (options.project && existsSync(path.join(project, 'node_modules'))) {
      log(`reusing ${project}`);
      await reuse(options.template, project, db.url);
    } else {
      log(`scaffolding ${options.template} into ${project} (install${options.template === 'worker-postgis' ? ', places' : ''})`);
      await scaffold(options.template, project, db.url);
    }
    monitor = new pg.Client(db.url);
    await monitor.connect();

    log('starting npm start');
    // Any free port for the proxy, so a developer's own npm start on :4444 does not interfere.
    const dev = await startDevServer(project, load.readyPath, cleanEnv({ NEON_LOCALHOST_PORT: '0' }));
    try {
      const proxyAddress = /\[neon-on-localhost\] proxy on (\S+)/.exec(dev.output())?.[1];
      if (!proxyAddress) throw new Error(`npm start did not start the local proxy:\n${dev.output()}`);
      const pgBaseline = await appSessions(monitor);
      const proxyRssBefore = (await proxyStats(proxyAddress)).rssBytes;

      log(`${options.connections} connections for ${options.seconds} s against ${dev.base}`);
      const result = await drive(dev.base, load, options.connections, options.seconds);

      log('settling');
      const settleDeadline = Date.now() + SETTLE_TIMEOUT_MS;
      let pgAfter = await appSessions(monitor);
      let after = await proxyStats(proxyAddress);
      while ((pgAfter > pgBaseline || after.wsOpen > 0) && Date.now() < settleDeadline) {
        await new Promise((r) => setTimeout(r, 250));
        pgAfter = await appSessions(monitor);
        after = await proxyStats(proxyAddress);
      }
      const leftOpen =
        pgAfter > pgBaseline
          ? (
              await monitor.query<{ what: string }>(
                `select format('%s × %s, %s, backend_start %s, query %L', count(*), coalesce(nullif(application_name, ''), '(no application_name)'),
                        coalesce(state, backend_type), min(backend_start)::time(0), left(min(query), 60)) as what
                   from pg_stat_activity where usename = 'app' and pid <> pg_backend_pid() group by application_name, state, backend_type`,
              )
            ).rows.map((r) => r.what)
          : [];
      // What the app logged about its failures (worker-raw logs `database error: …`).
      const serverErrors = new Map<string, number>();
      for (const line of dev.output().split('\n')) {
        const m = /(database error:.*|✘ \[ERROR\].*|Error: .*)$/.exec(line);
        if (!m) continue;
        const key = m[1].replace(/\d+/g, 'N').slice(0, 160);
        serverErrors.set(key, (serverErrors.get(key) ?? 0) + 1);
      }
      return {
        leftOpen,
        serverErrors: [...serverErrors.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5),
        template: options.template,
        connections: options.connections,
        seconds: options.seconds,
        ...result,
        pgBaseline,
        pgAfter,
        proxyRssBefore,
        proxyRssAfter: after.rssBytes,
        proxyWsOpenAfter: after.wsOpen,
      };
    } finally {
      if (!(await dev.stop())) log('warning: some process of npm start survived Ctrl-C');
    }
  } finally {
    await monitor?.end().catch(() => {});
    await db.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  }
}

/** True when the run had no failure and left no connection behind. */
export function passed(report: LoadReport): boolean {
  return report.failures === 0 && report.pgAfter <= report.pgBaseline && report.proxyWsOpenAfter === 0;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export function formatReports(reports: readonly LoadReport[]): string {
  const lines = [
    '| template | connections × seconds | requests | req/s | failures | p50 | p95 | pg_stat_activity (app) baseline → after | proxy RSS before → after |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...reports.map(
      (r) =>
        `| ${r.template} | ${r.connections} × ${r.seconds} s | ${r.requests} | ${r.requestsPerSecond.toFixed(0)} | ${r.failures} | ` +
        `${r.p50Ms.toFixed(1)} ms | ${r.p95Ms.toFixed(1)} ms | ${r.pgBaseline} → ${r.pgAfter} | ${mb(r.proxyRssBefore)} → ${mb(r.proxyRssAfter)} |`,
    ),
  ];
  for (const r of reports) {
    lines.push(
      '',
      `${r.template}: ${Object.entries(r.perRoute)
        .map(([route, n]) => `${route} ${n}`)
        .join(', ')}`,
    );
    for (const [reason, count] of r.failureReasons) lines.push(`- ${count} × ${reason}`);
    if (r.failures > 0) for (const [error, count] of r.serverErrors) lines.push(`  - logged ${count} × ${error}`);
    if (r.pgAfter > r.pgBaseline) {
      lines.push(`- leak: ${r.pgAfter - r.pgBaseline} database session(s) still open after ${SETTLE_TIMEOUT_MS / 1000} s:`);
      for (const what of r.leftOpen) lines.push(`  - ${what}`);
    }
    if (r.proxyWsOpenAfter !== 0) lines.push(`- leak: the proxy still counts ${r.proxyWsOpenAfter} open WebSocket session(s)`);
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      template: { type: 'string', default: 'worker-raw' },
      connections: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '30' },
      project: { type: 'string' },
    },
  });
  const template = values.template as LoadTemplate;
  const connections = Number(values.connections);
  const seconds = Number(values.seconds);
  if (!LOAD_TEMPLATES.includes(template)) {
    console.error(`✖ Unknown template "${values.template}": use --template ${LOAD_TEMPLATES.join('|')}.`);
    return 2;
  }
  if (!Number.isInteger(connections) || connections < 1 || !(seconds > 0)) {
    console.error('✖ --connections must be a whole number of at least 1 and --seconds a positive number.');
    return 2;
  }
  await buildCli();
  // Projects install neon-on-localhost as published: from a throwaway registry holding this checkout's build.
  const stopRegistry = await useTestRegistry();
  const report = await runLoad({ template, connections, seconds, project: values.project, log: (line) => console.error(`[load] ${line}`) });
  await stopRegistry();
  console.log(formatReports([report]));
  return passed(report) ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`✖ ${err.message}`);
      process.exit(1);
    },
  );
}
