// A database of its own for every test file (neon-on-localhost/vitest/database
// asks for one as each file starts, through the proxy: test-database-endpoint.ts).
//
// On PostgreSQL: the run copies the tests' database once, migrated (and
// loaded, where the project loads data), into a template of its own, and each
// file gets `CREATE DATABASE … TEMPLATE` of that copy, dropped when the file
// ends (Postgres copies from a template only while nobody else is connected
// to it; the developer's `npm start` may be connected to theirs).
//
// On the embedded database: one PGlite per file, a copy of the prepared data,
// behind the same front under a name of its own. A PGlite takes a second or
// two to open and some 200 MB, so a few are opened ahead of the files (as
// many as there are files to come, at most `limit` at a time), and a file
// past the limit waits for one to end. The run's own in-memory database is a
// copy of the same data already: the first file gets it, once the copies
// opened ahead are open (a run of one file opens none).
//
// Every name starts with `neon_localhost_test_`, then the process id and
// start time of the process that made it: what a run leaves behind when it
// is killed outright is found by the next run on this machine and dropped,
// once that process is gone.

import { createHash } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import type { EmbeddedFront } from './embedded-front.ts';
import { EMBEDDED_DATABASE, openEmbeddedDatabase, type OpenedDatabase } from './embedded.ts';
import { databaseNameOf, withDatabaseName } from './database-name.ts';
import { processStart } from './lock.ts';

export const TEST_DATABASE_PREFIX = 'neon_localhost_test_';

export interface TestDatabase {
  name: string;
  url: string;
}

export interface TestDatabases {
  /** A new database for one test file. */
  create(): Promise<TestDatabase>;
  /** Drops one (unknown names are ignored). */
  drop(name: string): Promise<void>;
  /** Drops every database it made. */
  close(): Promise<void>;
}

/** A short token for when process `pid` started ('' when it is not running or that is unknown). */
function startToken(pid: number): string {
  const started = processStart(pid);
  return started ? createHash('sha256').update(started).digest('hex').slice(0, 8) : '';
}

/** `neon_localhost_test_<pid>_<start>`: this run's names begin so; start tells this process from a later one with its pid. */
export function runStem(pid = process.pid): string {
  return `${TEST_DATABASE_PREFIX}${pid}_${startToken(pid) || 'x'}`;
}

/** True for a name this toolkit made in a run whose process is gone (so never this run's). */
export function isLeftover(name: string): boolean {
  const m = new RegExp(`^${TEST_DATABASE_PREFIX}(\\d+)_([0-9a-fx]+)_`).exec(name);
  if (!m) return false;
  const pid = Number(m[1]);
  if (processStart(pid) === undefined) return true;
  const token = startToken(pid);
  return token !== '' && token !== m[2];
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

const pgCode = (err: unknown) => (err as { code?: string }).code;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A connection for CREATE and DROP DATABASE: to the server's `postgres`
 * database (else template1), never to the tests' one, which is copied.
 */
async function adminClient(url: string): Promise<pg.Client> {
  let last: unknown;
  for (const database of ['postgres', 'template1']) {
    const client = new pg.Client({ connectionString: withDatabaseName(url, database), connectionTimeoutMillis: 10_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      return client;
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

/** Drops what runs killed outright left on this server. */
async function sweepPostgres(admin: pg.Client, log: (line: string) => void): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1)', [TEST_DATABASE_PREFIX]);
  const leftovers = rows.map((r) => r.datname).filter(isLeftover);
  for (const name of leftovers) await admin.query(`drop database if exists ${quoted(name)} with (force)`);
  if (leftovers.length) log(`dropped ${leftovers.length} test database${leftovers.length === 1 ? '' : 's'} left by a test run that ended without cleaning up`);
}

/** Thrown when the files cannot have databases of their own: the message says why, and the fix. */
export class SharedDatabase extends Error {}

/**
 * Per-file databases on the PostgreSQL at `databaseUrl` (the tests' database,
 * migrated), managed over `adminUrl` (the same server: DATABASE_URL_UNPOOLED
 * or DATABASE_URL). Throws SharedDatabase when the role may not create
 * databases or the tests' database cannot be copied.
 */
export async function postgresTestDatabases(databaseUrl: string, adminUrl: string, log: (line: string) => void): Promise<TestDatabases> {
  const base = databaseNameOf(databaseUrl);
  const user = decodeURIComponent(new URL(databaseUrl).username);
  const admin = await adminClient(adminUrl);
  const stem = runStem();
  const template = `${stem}_template`;
  try {
    await sweepPostgres(admin, log);
    // Copying needs the source to itself: a session on it (npm start's pool) makes Postgres refuse, for a while.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${quoted(template)} template ${quoted(base)}`);
        break;
      } catch (err) {
        if (pgCode(err) === '42501') {
          throw new SharedDatabase(`the role ${user} may not create databases (ALTER ROLE ${user} CREATEDB gives each test file one of its own)`);
        }
        if (pgCode(err) !== '55006') throw err;
        if (attempt === 10) throw new SharedDatabase(`${base} could not be copied: other sessions are using it (npm start?)`);
        await sleep(200);
      }
    }
  } catch (err) {
    await admin.end().catch(() => {});
    throw err;
  }
  const made = new Set<string>();
  let count = 0;
  // One statement at a time: two copies of one template at once make Postgres refuse the second.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => {});
    return next;
  };
  const drop = (name: string) => admin.query(`drop database if exists ${quoted(name)} with (force)`);
  return {
    create: () =>
      serially(async () => {
        const name = `${stem}_${++count}`;
        await admin.query(`create database ${quoted(name)} template ${quoted(template)}`);
        made.add(name);
        return { name, url: withDatabaseName(databaseUrl, name) };
      }),
    drop: (name) =>
      serially(async () => {
        if (!made.delete(name)) return;
        await drop(name);
      }),
    close: () =>
      serially(async () => {
        try {
          for (const name of made) await drop(name);
          made.clear();
          await drop(template);
        } finally {
          await admin.end().catch(() => {});
        }
      }),
  };
}

export interface EmbeddedTestDatabasesOptions {
  front: EmbeddedFront;
  /** The prepared data directory tarball each file's database is a copy of. */
  tarball: Promise<string | undefined>;
  extensions: readonly string[];
  projectDir: string;
  /** How many files will ask: no more databases are opened ahead than that. */
  expected: number;
  /** How many may be open at once (default: by free memory, 1 to 4). */
  limit?: number;
  /**
   * The run's own database when it is in memory and started from the same
   * prepared data: as fresh as a copy, so the first file to ask gets it
   * rather than a copy of its own. Never a folder (npm start's data).
   */
  inMemoryBase?: { ready: Promise<unknown> };
}

/** About what one PGlite holds, with its copy of the data. */
const PGLITE_BYTES = 300 * 2 ** 20;

export function defaultEmbeddedLimit(): number {
  return Math.max(1, Math.min(4, Math.floor(os.freemem() / PGLITE_BYTES / 2)));
}

/** Per-file databases on the embedded database: one PGlite each, behind `front`. */
export function embeddedTestDatabases(options: EmbeddedTestDatabasesOptions): TestDatabases {
  const { front, extensions, projectDir } = options;
  const limit = options.limit ?? defaultEmbeddedLimit();
  const stem = runStem();
  const open = new Map<string, Promise<OpenedDatabase>>();
  /** Those of `open` that have opened. */
  const opened = new Set<string>();
  /** Opening or open, not yet handed to a file. */
  const spares: string[] = [];
  const waiting: Array<() => void> = [];
  let count = 0;
  let closed = false;
  let base = options.inMemoryBase;
  const copiesExpected = options.expected - (base ? 1 : 0);

  const openOne = () => {
    const name = `${stem}_${++count}`;
    const opening = options.tarball.then((from) => {
      if (!from) throw new Error('the prepared database is missing');
      return openEmbeddedDatabase('memory', { extensions, projectDir, from }, () => {});
    });
    opening.then(
      () => opened.add(name),
      () => {},
    );
    open.set(name, opening);
    front.serve(
      name,
      opening.then((db) => db.socketPath),
    );
    spares.push(name);
  };
  /** Opens ahead, within the limit, as many as there are files still to come. */
  const fill = () => {
    while (!closed && open.size < limit && count < copiesExpected) openOne();
  };
  fill();

  const close = async (name: string) => {
    const opening = open.get(name);
    if (!opening) return;
    open.delete(name);
    opened.delete(name);
    front.forget(name);
    await (await opening.catch(() => undefined))?.close();
    waiting.shift()?.();
    fill();
  };

  return {
    async create() {
      if (base) {
        const { ready } = base;
        base = undefined;
        // Not before the copies opened ahead are open: opening a PGlite holds this process (the
        // front of every database) for a second at a time, and a file's first connection would wait.
        await Promise.allSettled([ready, ...open.values()]);
        await ready;
        return { name: EMBEDDED_DATABASE, url: front.url() };
      }
      while (spares.length === 0 && open.size >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      if (spares.length === 0) openOne();
      const name = spares.shift()!;
      fill();
      await open.get(name);
      return { name, url: front.url(name) };
    },
    drop: close,
    async close() {
      closed = true;
      // A copy still opening (opened ahead for a file that never came) is not waited for: a second or
      // two for nothing at the end of every run. It closes once open, or goes with the process (it is in memory).
      await Promise.all([...open.keys()].map((name) => (opened.has(name) ? close(name) : void close(name))));
      for (const wake of waiting.splice(0)) wake();
    },
  };
}
