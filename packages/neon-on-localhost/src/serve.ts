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
// `neon-on-localhost listening on HOST:PORT` once it accepts connections;
// SIGINT/SIGTERM stop it (and flush the embedded database). The embedded
// database's password is never on the command line or in the output: a folder
// keeps its own in <dir>.password; 'memory' takes NEON_LOCALHOST_EMBEDDED_PASSWORD
// from the environment (or makes one nobody knows).
// --allowed-host/--allowed-origin replace NEON_LOCALHOST_ALLOWED_HOSTS/_ORIGINS
// (comma-separated); by default only this machine may use it (origin-guard.ts).
// --rtt-ms (or NEON_LOCALHOST_RTT_MS) makes each round trip to the proxy cost
// that long, as from an edge location far from the database (latency.ts).

import { parseArgs } from 'node:util';
import { readDatabaseUrl } from './database-url.ts';
import { DEFAULTS } from './defaults.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.ts';
import { startProjectDatabase } from './project-database.ts';
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

// Ready for SIGINT/SIGTERM before anything starts: a signal at any moment (right after the
// "listening" line too) closes what has started, the embedded database included. During the
// start it is acted on between steps, once what has started can be closed.
let embedded: EmbeddedPostgres | undefined;
// eslint-disable-next-line prefer-const -- assigned once, below; the signal handler above may run before that
let proxy: LocalProxy | undefined;
let started = false;
let stopAsked = false;
let stopping: Promise<void> | undefined;
function stop(): Promise<void> {
  stopping ??= (async () => {
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
const stopIfAsked = async () => {
  if (stopAsked) await stop();
};

if (values.embedded) {
  const password = values.embedded === 'memory' ? process.env.NEON_LOCALHOST_EMBEDDED_PASSWORD || undefined : undefined;
  const project = values.project;
  // Progress goes to stderr: stdout carries the lines spawnProxy waits for.
  const log = (line: string) => console.error(`[neon-on-localhost] ${line}`);
  const opened = project ? startProjectDatabase(project, values.embedded, { password, log }) : startEmbeddedPostgres(values.embedded, { password });
  embedded = await opened.catch((err: Error) => {
    console.error(`neon-on-localhost: the embedded database did not start: ${err.message.split('\n')[0]}`);
    return process.exit(1);
  });
  await stopIfAsked();
  console.log(`neon-on-localhost database ${embedded.address}`);
}
const databaseUrl = embedded?.url ?? readDatabaseUrl(process.cwd());
const allow = values.allow ?? (databaseUrl ? [targetOf(databaseUrl)] : []);
if (allow.length === 0) {
  console.error('neon-on-localhost: nothing to relay to: set DATABASE_URL (in .dev.vars) or pass --allow host:port');
  process.exit(2);
}

let limits: ReturnType<typeof sessionLimitsFromEnv>;
try {
  limits = sessionLimitsFromEnv({
    ...process.env,
    NEON_LOCALHOST_MAX_CONNECTIONS: values['max-connections'] ?? process.env.NEON_LOCALHOST_MAX_CONNECTIONS,
    NEON_LOCALHOST_QUEUE_TIMEOUT_MS: values['queue-timeout-ms'] ?? process.env.NEON_LOCALHOST_QUEUE_TIMEOUT_MS,
  });
} catch (err) {
  console.error((err as Error).message);
  await embedded?.close();
  process.exit(2);
}

proxy = await startProxy({ allow, port: Number(values.port), ...limits, ...origins, rttMs, explorer: { databaseUrl } }).catch(async (err: Error) => {
  console.error(`neon-on-localhost: the proxy did not start: ${err.message.split('\n')[0]}`);
  await embedded?.close();
  return process.exit(1);
});
started = true;
await stopIfAsked();
if (rttMs) console.error(`neon-on-localhost: emulating ${rttMs} ms round trips to the proxy (NEON_LOCALHOST_RTT_MS)`);
console.log(`neon-on-localhost listening on ${proxy.address}`);
console.log(`neon-on-localhost explorer ${proxy.explorerUrl}`);
