// `npm start`: one process tree for local development. Without DATABASE_URL
// it starts an embedded Postgres (PGlite, kept in .neon-localhost/pgdata; a new
// one starts as a copy of the prepared database, project-database.ts); for a
// database on this machine it starts the local proxy; then it runs the dev
// server given as arguments, with `{proxy}` replaced by the proxy's address
// and DATABASE_URL in its environment. The embedded database listens at once
// and opens while the dev server starts (both take seconds; a login waits
// until it is ready); a DATABASE_URL gets its pending migrations first. Ctrl-C stops the dev server, then the
// proxy, then the database (flushed to disk), and nothing is left running:
// also when the shell or npm above it dies (it watches its parent), and when
// it is killed outright (the dev server runs under watchdog.ts, which watches
// this process the same way). The proxy's explorer page shows what reaches
// the database; --log-queries prints it too, a line per statement.
// `wrangler dev` gets a front at its address that refuses other sites' pages
// and host names (wrangler-front.ts); wrangler listens behind it.
//
//   neon-on-localhost run [--requires postgis] [--rtt-ms N] [--log-queries] [--show-values]
//                         wrangler dev --var NEON_LOCALHOST_PROXY:{proxy}
//
// `--requires postgis` (older generated projects) loads PostGIS into the
// embedded database, as "extensions": ["postgis"] in package.json does.

import { spawn } from 'node:child_process';
import { nodeArgsFor } from './node-script.ts';
import { connectionFailedLine } from './connection-problem.ts';
import { checkedDatabaseUrl, envFileOf, isLocalDatabaseUrl, maskDatabaseUrl } from './database-url.ts';
import { EMBEDDED_DATA_DIR } from './embedded.ts';
import { listenProjectDatabase, type ListeningDatabase } from './project-database.ts';
import { originSettingsFromEnv } from './origin-guard.ts';
import { rttFromEnv } from './latency.ts';
import { sessionLimitsFromEnv, startProxy, type LocalProxy } from './proxy.ts';
import { targetOf } from './targets.ts';
import { DEFAULTS } from './defaults.ts';
import { DEFAULT_LOCAL_PROXY, PROXY_VARIABLE } from './driver.ts';
import { setHyperdriveLocalConnection } from './hyperdrive-local.ts';
import { applyPendingMigrations, MigrationError } from './migrate.ts';
import { printQueries } from './query-lines.ts';
import { quietOfflineCf } from './wrangler-cf.ts';
import { isWranglerDev } from './wrangler-command.ts';
import { startWranglerFront, type WranglerFront } from './wrangler-front.ts';

// run's own options come before the command, in any order.
let argv = process.argv.slice(2);
let requiresPostgis = false;
// `--rtt-ms N` (or NEON_LOCALHOST_RTT_MS): emulated distance to the proxy (latency.ts).
let rttFlag: string | undefined;
// A line per statement in the terminal (or NEON_LOCALHOST_LOG_QUERIES=1), and parameter values shown there
// and in the explorer (or NEON_LOCALHOST_SHOW_VALUES=1); both off by default.
let logQueriesFlag = false;
let showValuesFlag = false;
for (;;) {
  if (argv[0] === '--requires' && argv[1] === 'postgis') {
    requiresPostgis = true;
    argv = argv.slice(2);
  } else if (argv[0] === '--rtt-ms') {
    rttFlag = argv[1] ?? '';
    argv = argv.slice(2);
  } else if (argv[0] === '--log-queries') {
    logQueriesFlag = true;
    argv = argv.slice(1);
  } else if (argv[0] === '--show-values') {
    showValuesFlag = true;
    argv = argv.slice(1);
  } else break;
}
const [command, ...args] = argv;
if (!command) {
  console.error(
    'usage: neon-on-localhost run [--requires postgis] [--rtt-ms N] [--log-queries] [--show-values] <command> [args...]   ({proxy} in args becomes the proxy address)',
  );
  process.exit(2);
}

/** An on/off setting: its flag, else its variable (1/true/0/false). */
function switchFromEnv(name: string, flag: boolean): boolean {
  const raw = process.env[name];
  if (flag || raw === undefined || raw === '') return flag;
  if (/^(1|true)$/i.test(raw)) return true;
  if (/^(0|false)$/i.test(raw)) return false;
  throw new Error(`neon-on-localhost: ${name} must be 1 or 0, not "${raw}"`);
}

let origins: ReturnType<typeof originSettingsFromEnv>;
let rttMs: number;
let logQueries: boolean;
let showValues: boolean;
let limits: ReturnType<typeof sessionLimitsFromEnv>;
try {
  logQueries = switchFromEnv('NEON_LOCALHOST_LOG_QUERIES', logQueriesFlag);
  showValues = switchFromEnv('NEON_LOCALHOST_SHOW_VALUES', showValuesFlag);
  rttMs = rttFromEnv(process.env, rttFlag);
  limits = sessionLimitsFromEnv();
  // Pages on other hosts or origins get 403 unless NEON_LOCALHOST_ALLOWED_HOSTS / _ORIGINS name them.
  origins = originSettingsFromEnv();
} catch (err) {
  console.error(`✖ ${(err as Error).message}`);
  process.exit(1);
}

const envFile = envFileOf(process.cwd());

/** A migration's failure (or the database refusing the connection), with the fix. */
function migrationFailureLine(err: Error): string {
  return (
    connectionFailedLine(err, process.cwd(), 'then start again') ??
    `${maskDatabaseUrl(err.message.split('\n')[0])}. Fix it (or add a migration that does), then start again.`
  );
}

/** Why the embedded database is not there, with the way out. */
function embeddedFailureLine(err: Error): string {
  if (err instanceof MigrationError) return migrationFailureLine(err);
  return `The embedded database did not start: ${err.message.split('\n')[0]}. Set DATABASE_URL in ${envFile} to use Neon or a local Postgres instead.`;
}
const checked = checkedDatabaseUrl(process.cwd());
if (checked.problem) {
  console.error(`✖ ${checked.problem}`);
  process.exit(1);
}
let databaseUrl = checked.url;
let embedded: ListeningDatabase | undefined;
let proxy: LocalProxy | undefined;
if (!databaseUrl) {
  // It listens at once and opens behind its front while the dev server starts: logins wait until it
  // is ready, migrations applied (project-database.ts).
  embedded = await listenProjectDatabase(process.cwd(), EMBEDDED_DATA_DIR, { extensions: requiresPostgis ? ['postgis'] : [] }).catch((err: Error) => {
    console.error(`✖ ${embeddedFailureLine(err)}`);
    return process.exit(1);
  });
  databaseUrl = embedded.url;
  console.log(
    `[neon-on-localhost] No DATABASE_URL: using embedded Postgres (PGlite) at ${EMBEDDED_DATA_DIR}, serving on ${embedded.address} (user postgres, password in ${EMBEDDED_DATA_DIR}.password) — set DATABASE_URL in ${envFile} to use Neon`,
  );
} else {
  // The dev server starts on the current schema: pending migrations first (migrate.ts).
  await applyPendingMigrations(process.cwd(), checked.migrationUrl ?? databaseUrl).catch((err: Error) => {
    console.error(`✖ ${migrationFailureLine(err)}`);
    return process.exit(1);
  });
}
if (isLocalDatabaseUrl(databaseUrl)) {
  const port = Number(process.env.NEON_LOCALHOST_PORT ?? DEFAULTS.port);
  let moved = false;
  const allow = [targetOf(databaseUrl)];
  // The explorer reads the tables with DATABASE_URL's own credentials, in this process; they are never shown.
  const settings = { allow, ...limits, ...origins, rttMs, explorer: { databaseUrl, showValues } };
  proxy = await startProxy({ ...settings, port }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE') throw err;
    moved = true;
    return startProxy({ ...settings, port: 0 }); // the usual port is taken: any free one does (said below)
  });
  console.log(`[neon-on-localhost] proxy on ${proxy.address} → ${maskDatabaseUrl(databaseUrl)}`);
  console.log(`[neon-on-localhost] explorer: ${proxy.explorerUrl} (what reaches the database, live)`);
  if (logQueries) printQueries(proxy.queries, (line) => console.log(line));
  if (rttMs) console.log(`[neon-on-localhost] emulating ${rttMs} ms round trips between your code and the proxy (NEON_LOCALHOST_RTT_MS)`);
  // The dev server is told the new address; anything else pointed at the usual port is not.
  if (moved)
    console.log(
      `[neon-on-localhost] port ${port} is in use, so the proxy took ${proxy.address.split(':').pop()} instead (set NEON_LOCALHOST_PORT to choose one)`,
    );
} else {
  console.log(`[neon-on-localhost] using ${maskDatabaseUrl(databaseUrl)} directly (no local proxy needed)`);
}

let front: WranglerFront | undefined;
if (isWranglerDev([command, ...args])) {
  front = await startWranglerFront(args, process.cwd()).catch(async (err: Error) => {
    console.error(`✖ ${err.message}`);
    await shutdown();
    return process.exit(1);
  });
  if (front.front.moved) console.log(`[neon-on-localhost] ${front.front.moved}`);
  console.log(
    `[neon-on-localhost] wrangler dev: use ${front.front.url}, which refuses other sites' pages and host names; the port wrangler prints below (${front.innerPort}) is its own, unguarded`,
  );
}

const proxyAddress = proxy?.address ?? DEFAULT_LOCAL_PROXY;
const childArgs = (front?.args ?? args).map((a) => a.replaceAll('{proxy}', proxyAddress));
// wrangler dev and the local server take DATABASE_URL from here when no env file sets it.
const childEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, [PROXY_VARIABLE]: proxyAddress };
setHyperdriveLocalConnection(childEnv, databaseUrl);
// Offline, wrangler would print a stack twice over request.cf: said once here instead (wrangler-cf.ts).
const cfNote = isWranglerDev([command, ...args]) ? await quietOfflineCf(childEnv, process.cwd()) : undefined;
if (cfNote) console.log(`[neon-on-localhost] ${cfNote}`);
const child = spawn(process.execPath, [...nodeArgsFor(import.meta.url, 'watchdog'), command, ...childArgs], {
  stdio: 'inherit',
  env: childEnv,
});

// The embedded database got ready meanwhile, or says why not and stops everything.
let failed = false;
embedded?.ready.then(
  () => {},
  (err: Error) => {
    console.error(`✖ ${embeddedFailureLine(err)}`);
    failed = true;
    child.kill('SIGTERM');
  },
);

async function shutdown(): Promise<void> {
  front?.close();
  await proxy?.close();
  await embedded?.close();
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
// npm, sent SIGTERM, kills the shell that started this process and not this process: an orphan
// (its parent changed) stops as if Ctrl-C'd.
const parent = process.ppid;
const orphanCheck = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(orphanCheck);
  child.kill('SIGTERM');
}, 250);
orphanCheck.unref();
child.on('error', async (err) => {
  console.error(`[neon-on-localhost] could not start ${command}: ${err.message}`);
  await shutdown();
  process.exit(1);
});
child.on('exit', async (code) => {
  await shutdown();
  if (failed) process.exit(1);
  if (embedded) console.log(`[neon-on-localhost] embedded Postgres closed; data kept in ${EMBEDDED_DATA_DIR}`);
  process.exit(code ?? 0);
});
