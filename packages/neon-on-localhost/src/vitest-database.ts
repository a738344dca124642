// neon-on-localhost/vitest/database: a vitest setup file that gives the test
// file about to run a database of its own, a copy of the migrated (and
// loaded) one, dropped when the file ends. With the global setup
// (neon-on-localhost/vitest):
//
//   test: { globalSetup: ['neon-on-localhost/vitest'], setupFiles: ['neon-on-localhost/vitest/database'] }
//
// It runs where the tests run (workerd, edge-runtime, Node), asks the local
// proxy for the database with the run's secret (test-database-endpoint.ts),
// and points the code under test at it: process.env.DATABASE_URL and, inside
// workerd, the Worker's `env` from cloudflare:workers (every string binding
// equal to the run's database URL, and Hyperdrive bindings to that database).
// Tests read it with testDatabase(), and `inject('databaseUrl')` gives it too
// (the file's value is set in vitest's per-worker state, so tests written
// against the run's database need no change). When the files share one
// database (the project opted out, or the database is elsewhere) it is the
// run's database, and `own` is false.

import { afterAll, expect, inject } from 'vitest';
import { databaseNameOf, withDatabaseName } from './database-name.ts';
import type { TestDatabasesInfo } from './vitest-setup.ts';

export interface FileDatabase {
  /** The URL of this test file's database (the password is a secret, never print it). */
  url: string;
  /** Its name (`neon_localhost_test_…`, or the run's database when shared). */
  name: string;
  /** True when it is this file's alone; false when the test files share the run's database. */
  own: boolean;
  /** Why the files share one, when they do. */
  sharedBecause?: string;
}

const KEY = Symbol.for('neon-on-localhost/vitest/database');
const RUN_URL = Symbol.for('neon-on-localhost/vitest/run-database-url');
const FILE = Symbol.for('neon-on-localhost/vitest/database-file');
const holder = globalThis as { [KEY]?: FileDatabase; [RUN_URL]?: string; [FILE]?: string };

/** vitest's state in this worker, where inject() reads what the global setup provided. */
const workerState = () => (globalThis as { __vitest_worker__?: { providedContext?: Record<string, unknown> } }).__vitest_worker__;

/** This test file's database (set up by the setup file before the file runs). */
export function testDatabase(): FileDatabase {
  const database = holder[KEY];
  if (!database) throw new Error("no test database: add 'neon-on-localhost/vitest/database' to test.setupFiles in vitest.config.ts");
  return database;
}

interface HyperdriveLike {
  connectionString: string;
  database: string;
}

const isHyperdrive = (value: unknown): value is HyperdriveLike =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as HyperdriveLike).connectionString === 'string' &&
  typeof (value as HyperdriveLike).database === 'string';

/** What a Hyperdrive binding this file set up stands in for. */
const ORIGINAL = Symbol('neon-on-localhost original binding');

/** A Hyperdrive binding that reaches database `name` on the same server (locally, workerd routes by host and port). */
function hyperdriveFor(binding: HyperdriveLike, name: string): HyperdriveLike {
  const original = (binding as { [ORIGINAL]?: HyperdriveLike })[ORIGINAL] ?? binding;
  const connectionString = withDatabaseName(original.connectionString, name);
  return new Proxy(original, {
    get: (target, property) =>
      property === ORIGINAL
        ? original
        : property === 'connectionString'
          ? connectionString
          : property === 'database'
            ? name
            : Reflect.get(target, property, target),
  });
}

/**
 * Points the code under test at `database` wherever it reads the run's
 * database `base` from (or, in a worker that ran a file before, that file's).
 */
async function pointAt(database: FileDatabase, base: string, previous: string | undefined): Promise<void> {
  const was = (value: unknown) => value === base || (previous !== undefined && value === previous);
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env) {
    for (const [key, value] of Object.entries(env)) if (was(value)) env[key] = database.url;
    env.DATABASE_URL = database.url;
  }
  if (globalThis.navigator?.userAgent !== 'Cloudflare-Workers') return;
  // Inside workerd: the Worker's bindings, which exports.default.fetch() hands the Worker.
  const specifier = 'cloudflare:workers';
  const workers = (await import(/* @vite-ignore */ specifier)) as { env: Record<string, unknown> };
  const baseName = databaseNameOf(base);
  for (const [key, value] of Object.entries(workers.env)) {
    if (was(value)) workers.env[key] = database.url;
    else if (isHyperdrive(value) && ((value as { [ORIGINAL]?: HyperdriveLike })[ORIGINAL] ?? value).database === baseName)
      workers.env[key] = hyperdriveFor(value, database.name);
  }
}

/** Asks the proxy for a database of this file's own; dropped when the file ends. */
async function ownDatabase(control: string, token: string): Promise<FileDatabase> {
  const endpoint = `http://${control}/_neon_localhost/test-databases`;
  const headers = { Authorization: `Bearer ${token}` };
  const response = await fetch(endpoint, { method: 'POST', headers }).catch((err: Error) => {
    throw new Error(`neon-on-localhost could not give this test file a database of its own: the local proxy did not answer (${err.message})`);
  });
  const body = (await response.json().catch(() => ({}))) as { name?: string; url?: string; message?: string };
  if (!response.ok || !body.url || !body.name) {
    throw new Error(`neon-on-localhost could not give this test file a database of its own: ${body.message ?? `HTTP ${response.status}`}`);
  }
  const name = body.name;
  afterAll(async () => {
    await fetch(`${endpoint}/${encodeURIComponent(name)}`, { method: 'DELETE', headers }).then(
      (r) => r.body?.cancel(),
      () => {},
    );
  });
  return { url: body.url, name, own: true };
}

/** Sets up this file's database: called once per test file, as the setup file runs. */
export async function setUpFileDatabase(): Promise<FileDatabase> {
  // Once per file: a test file that imports this module (for testDatabase) may run it again.
  const file = expect.getState().testPath;
  if (holder[KEY] && file && holder[FILE] === file) return holder[KEY];
  // The run's database, kept from the first file: without isolation, a worker runs several files in one state.
  const base = (holder[RUN_URL] ??= inject('databaseUrl'));
  const info = inject('neonLocalhostTestDatabases') as TestDatabasesInfo | undefined;
  const database =
    info && 'control' in info
      ? await ownDatabase(info.control, info.token)
      : { url: base, name: databaseNameOf(base), own: false, sharedBecause: info?.shared ?? 'the global setup neon-on-localhost/vitest did not run' };
  await pointAt(database, base, holder[KEY]?.url);
  holder[KEY] = database;
  holder[FILE] = file;
  const provided = workerState()?.providedContext;
  if (provided) provided.databaseUrl = database.url;
  return database;
}

await setUpFileDatabase();
