// Runs the local proxy on its own:
//   neon-on-localhost serve [--port 4444] [--allow host:port ...] [--embedded <dir>|memory [--project <dir>]]
//                           [--max-connections 50] [--queue-timeout-ms 10000]
//                           [--allowed-host name[:port] ...] [--allowed-origin http(s)://host[:port] ...]
//                           [--rtt-ms 50]
// With no --allow, the target is DATABASE_URL's host:port (from the
// environment or .dev.vars); with --embedded, an embedded PGlite database;
// with --project too, that project's (its extensions, migrations and seed,
// from a copy of its prepared database: project-database.ts).
// Prints `neon-on-localhost database HOST:PORT` (embedded only) and then
// `neon-on-localhost listening on HOST:PORT` once it accepts connections (a
// project's embedded database may still be opening: logins wait for it), and
// `neon-on-localhost ready` once the database is ready too;
// SIGINT/SIGTERM stop it (and flush the embedded database). The embedded
// database's password is never on the command line or in the output: a folder
// keeps its own in <dir>.password; 'memory' takes NEON_LOCALHOST_EMBEDDED_PASSWORD
// from the environment (or makes one nobody knows).
// --allowed-host/--allowed-origin replace NEON_LOCALHOST_ALLOWED_HOSTS/_ORIGINS
// (comma-separated); by default only this machine may use it (origin-guard.ts).
// --rtt-ms (or NEON_LOCALHOST_RTT_MS) makes each round trip to the proxy cost
// that long, as from an edge location far from the database (latency.ts).

import { parseArgs } from 'node:util';
import { maskDatabaseUrl, readDatabaseUrl } from './database-url.ts';
import { DEFAULTS } from './defaults.ts';
import { startEmbeddedPostgres } from './embedded.ts';
import { listenProjectDatabase, type ListeningDatabase } from './project-database.ts';
import { embeddedTestDatabases, postgresTestDatabases, SharedDatabase, type TestDatabases } from './test-databases.ts';
import { originSettingsFromEnv } from './origin-guard.ts';
import { rttFromEnv } from './latency.ts';
import { sessionLimitsFromEnv, startProxy, type LocalProxy } from './proxy.ts';
import { targetOf } from './targets.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.NEON_LOCALHOST_PORT ?? String(DEFAULTS.port) },
    allow: { type: 'string', multiple: true },
    'max-connections': { type: 'string' },
    'queue-timeout-ms': { type: 'string' },
    embedded: { type: 'string' },
    project: { type: 'string' },
    'allowed-host': { type: 'string', multiple: true },
    'allowed-origin': { type: 'string', multiple: true },
    'rtt-ms': { type: 'string' },
    'test-databases': { type: 'boolean', default: false },
  },
});

let origins: ReturnType<typeof originSettingsFromEnv>;
let rttMs: number;
try {
  rttMs = rttFromEnv(process.env, values['rtt-ms']);
  origins = originSettingsFromEnv(process.env, { allowedHosts: values['allowed-host'], allowedOrigins: values['allowed-origin'] });
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}

// Settings are checked before anything starts.
let limits: ReturnType<typeof sessionLimitsFromEnv>;
try {
  limits = sessionLimitsFromEnv({
    ...process.env,
    NEON_LOCALHOST_MAX_CONNECTIONS: values['max-connections'] ?? process.env.NEON_LOCALHOST_MAX_CONNECTIONS,
    NEON_LOCALHOST_QUEUE_TIMEOUT_MS: values['queue-timeout-ms'] ?? process.env.NEON_LOCALHOST_QUEUE_TIMEOUT_MS,
  });
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}

// Ready for SIGINT/SIGTERM before anything starts: a signal at any moment (right after the
// "listening" line too) closes what has started, the embedded database included. During the
// start it is acted on between steps, once what has started can be closed.
let embedded: { url: string; address: string; ready: Promise<unknown>; close(): Promise<void> } | undefined;
let project: ListeningDatabase | undefined;
let embeddedReady: Promise<void> = Promise.resolve();
let testDatabases: TestDatabases | undefined;
// eslint-disable-next-line prefer-const -- assigned once, below; the signal handler above may run before that
let proxy: LocalProxy | undefined;
let started = false;
let stopAsked = false;
let stopping: Promise<void> | undefined;
function stop(): Promise<void> {
  stopping ??= (async () => {
    await testDatabases?.close().catch(() => {});
    await proxy?.close();
    await embedded?.close();
    process.exit(0);
  })();
  return stopping;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopAsked = true;
    if (started) void stop();
  });
}
// Started by spawnProxy (a test run): its parent gone, even killed outright, it stops too.
if (process.channel) {
  process.channel.unref();
  process.once('disconnect', () => {
    stopAsked = true;
    if (started) void stop();
  });
}
const stopIfAsked = async () => {
  if (stopAsked) await stop();
};

// Progress goes to stderr: stdout carries the lines spawnProxy waits for.
const log = (line: string) => console.error(`[neon-on-localhost] ${line}`);

if (values.embedded) {
  const password = values.embedded === 'memory' ? process.env.NEON_LOCALHOST_EMBEDDED_PASSWORD || undefined : undefined;
  // A project's database listens at once and is made ready behind its front (project-database.ts).
  const listening = values.project
    ? listenProjectDatabase(values.project, values.embedded, { password, log }).then((db) => (project = db))
    : startEmbeddedPostgres(values.embedded, { password }).then((db) => ({ ...db, ready: Promise.resolve(db), close: () => db.close() }));
  embedded = await listening.catch((err: Error) => {
    console.error(`neon-on-localhost: the embedded database did not start: ${err.message.split('\n')[0]}`);
    return process.exit(1);
  });
  embeddedReady = embedded.ready.then(
    () => {},
    async (err: Error) => {
      console.error(`neon-on-localhost: the embedded database did not start: ${err.message.split('\n')[0]}`);
      await testDatabases?.close().catch(() => {});
      await proxy?.close();
      process.exit(1);
    },
  );
  await stopIfAsked();
  console.log(`neon-on-localhost database ${embedded.address}`);
}
const databaseUrl = embedded?.url ?? readDatabaseUrl(process.cwd());
const allow = values.allow ?? (databaseUrl ? [targetOf(databaseUrl)] : []);
if (allow.length === 0) {
  console.error('neon-on-localhost: nothing to relay to: set DATABASE_URL (in .dev.vars) or pass --allow host:port');
  process.exit(2);
}

/**
 * --test-databases (the vitest setup's): a database of its own per test file,
 * on the project's embedded database or on the PostgreSQL the tests use
 * (NEON_LOCALHOST_TESTS_URL, managed over NEON_LOCALHOST_TESTS_ADMIN_URL);
 * or the reason the files share one.
 */
async function perFileDatabases(): Promise<TestDatabases | string> {
  if (project) {
    const expected = Number(process.env.NEON_LOCALHOST_TESTS_FILES ?? 0) || 0;
    return embeddedTestDatabases({
      front: project.front,
      tarball: project.prepared,
      extensions: project.extensions,
      projectDir: values.project!,
      expected,
      ...(values.embedded === 'memory' ? { inMemoryBase: { ready: project.ready } } : {}),
    });
  }
  const url = process.env.NEON_LOCALHOST_TESTS_URL;
  if (!url) return 'no database URL was given for them';
  try {
    return await postgresTestDatabases(url, process.env.NEON_LOCALHOST_TESTS_ADMIN_URL || url, log);
  } catch (err) {
    if (err instanceof SharedDatabase) return err.message;
    return `they could not be made (${maskDatabaseUrl((err as Error).message.split('\n')[0])})`;
  }
}

const token = process.env.NEON_LOCALHOST_TESTS_TOKEN;
let sharedBecause: string | undefined;
if (values['test-databases'] && token) {
  const made = await perFileDatabases();
  if (typeof made === 'string') sharedBecause = made;
  else testDatabases = made;
}

proxy = await startProxy({
  allow,
  port: Number(values.port),
  ...limits,
  ...origins,
  rttMs,
  explorer: { databaseUrl },
  ...(testDatabases && token ? { testDatabases: { token, databases: testDatabases } } : {}),
}).catch(async (err: Error) => {
  console.error(`neon-on-localhost: the proxy did not start: ${err.message.split('\n')[0]}`);
  await embedded?.close();
  return process.exit(1);
});
started = true;
await stopIfAsked();
if (rttMs) console.error(`neon-on-localhost: emulating ${rttMs} ms round trips to the proxy (NEON_LOCALHOST_RTT_MS)`);
console.log(`neon-on-localhost listening on ${proxy.address}`);
console.log(`neon-on-localhost explorer ${proxy.explorerUrl}`);
if (values['test-databases']) console.log(`neon-on-localhost test-databases ${testDatabases ? 'per-file' : `shared ${sharedBecause ?? 'no token was given'}`}`);
await embeddedReady;
console.log('neon-on-localhost ready');
