// The migration runner: the `.sql` files in a project's `migrations/` folder,
// applied in name order, each once, each whole or not at all, and recorded
// in the table `neon_on_localhost_migrations`. It speaks `pg` over TCP, so the
// same command works against Neon (DATABASE_URL_UNPOOLED when set: a pooled
// PgBouncer connection is the wrong place for DDL), a local PostgreSQL and the
// embedded database, which listens on loopback.
//
// Every pending file is read with Postgres' parser before any runs
// (migration-plan.ts): transaction control the runner cannot honour is
// refused, naming the file and line. A file then runs in one transaction
// together with the row that records it, so it is never recorded unless all
// of it committed; a file marked `-- neon-on-localhost: no-transaction` runs
// its statements one by one instead, and says so if one fails.
//
// Two runners at once (npm start and npm test, two terminals) must not apply a
// file twice: each pending file is applied under the runner's advisory lock
// and checked again once the lock is held. On the embedded database (PGlite,
// one backend for every connection) the lock is granted to everyone, but
// pglite-socket already holds other connections back while a transaction is
// open, which serialises the same way.

import { createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ConnectionFailed } from './connection-problem.ts';
import { checkedDatabaseUrl } from './database-url.ts';
import { endsSession } from './pg-errors.ts';
import { lineAt, MigrationRefused, NO_TRANSACTION_MARKER, planMigration, type MigrationPlan } from './migration-plan.ts';

export const MIGRATIONS_DIR = 'migrations';
export const MIGRATIONS_TABLE = 'neon_on_localhost_migrations';
/** An arbitrary constant naming this runner's advisory lock (the ASCII of "neonmigr"). */
const LOCK_KEY = '7954890487937141106';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  /** Applied before this run. */
  already: number;
  /** Applied before, with a file that has changed since: not run again. */
  changed: string[];
}

/** One line: which file failed, what Postgres said, and what state the database is in. */
export class MigrationError extends Error {
  readonly file: string;
  constructor(file: string, message: string) {
    super(message);
    this.file = file;
  }
}

interface PgErrorLike {
  message?: string;
  code?: string;
  position?: string;
}

// What to do about errors that have a known way out.
const HINTS: Record<string, string> = {
  // "cannot run inside a transaction block" (CREATE INDEX CONCURRENTLY and the like, in a function too)
  '25001': `: move the statement to a migration file of its own whose first line is "${NO_TRANSACTION_MARKER}"`,
  // "invalid transaction termination": COMMIT in a DO block or procedure
  '2D000': `: a DO block or procedure that commits must be in a migration file of its own whose first line is "${NO_TRANSACTION_MARKER}"`,
  // "unsafe use of new value": an enum value added and used in one transaction
  '55P04': ': add the enum value in an earlier migration than the one that uses it',
};

/** `message [code] (line N)`, and the way out when there is a known one. */
function describe(cause: unknown, line?: number): string {
  const err = cause as PgErrorLike;
  const code = err.code ? ` [${err.code}]` : '';
  return `${firstLine(err.message ?? String(cause))}${code}${line ? ` (line ${line})` : ''}${(err.code && HINTS[err.code]) ?? ''}`;
}

/** The line in the file of Postgres' error position (1-based, in characters) in `text`, which starts at line `startLine`. */
function lineOfPosition(cause: unknown, text: string, startLine = 1): number | undefined {
  const position = Number((cause as PgErrorLike).position);
  return position ? startLine - 1 + lineAt(text.slice(0, position - 1)) : undefined;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}

/** True when the error means the connection is gone (so nothing is known about what the server did last). */
function connectionLost(err: unknown): boolean {
  return !(err instanceof pg.DatabaseError) || endsSession(err);
}

/** The `.sql` files directly in `dir`, by name (sub-folders such as drizzle-kit's `meta/` are not migrations). */
export function readMigrations(dir: string): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql') && statSync(path.join(dir, name)).isFile())
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => {
      const sql = readFileSync(path.join(dir, name), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** The migrations in `<projectDir>/migrations` as one hash (names and contents), and how many there are. */
export function migrationsFingerprint(projectDir: string): { hash: string; count: number } {
  const migrations = readMigrations(path.join(projectDir, MIGRATIONS_DIR));
  const hash = createHash('sha256');
  for (const m of migrations) hash.update(`${m.name}\0${m.checksum}\0`);
  return { hash: hash.digest('hex'), count: migrations.length };
}

/**
 * Where a script such as a template's db:setup writes: DATABASE_URL_UNPOOLED
 * beside DATABASE_URL (same source), else DATABASE_URL, checked as `migrate`,
 * `run` and the vitest setup check them. Throws the one-line problem (two URLs
 * naming different databases, a malformed one); undefined: the embedded database.
 */
export function readMigrationUrl(projectDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const checked = checkedDatabaseUrl(projectDir, env);
  if (checked.problem) throw new Error(checked.problem);
  return checked.migrationUrl;
}

/** Applies the pending migrations in `dir` to the database at `url`. Throws MigrationError naming the file. */
export async function migrate(url: string, dir: string, log: (line: string) => void = () => {}): Promise<MigrateResult> {
  const migrations = readMigrations(dir);
  const result: MigrateResult = { applied: [], already: 0, changed: [] };
  if (migrations.length === 0) return result;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {}); // a dropped connection fails the query in flight, which reports it
  try {
    await client.connect();
  } catch (err) {
    throw new ConnectionFailed(url, err);
  }
  try {
    await locked(client, () =>
      client.query(
        `create table if not exists ${MIGRATIONS_TABLE} (name text primary key, checksum text not null, applied_at timestamptz not null default now())`,
      ),
    );
    const recorded = await appliedChecksums(client);
    const pending: Migration[] = [];
    for (const migration of migrations) {
      const known = recorded.get(migration.name);
      if (known === undefined) pending.push(migration);
      else {
        result.already++;
        if (known !== migration.checksum) result.changed.push(migration.name);
      }
    }
    // Every pending file is checked before the first one runs.
    const plans = new Map<Migration, MigrationPlan>();
    for (const migration of pending) {
      const file = path.join(path.basename(dir), migration.name);
      try {
        plans.set(migration, await planMigration(file, migration.sql));
      } catch (err) {
        if (err instanceof MigrationRefused) throw new MigrationError(file, err.message);
        throw err;
      }
    }
    for (const migration of pending) {
      const file = path.join(path.basename(dir), migration.name);
      const plan = plans.get(migration)!;
      const applied = plan.transaction
        ? await applyInTransaction(client, migration, plan, file)
        : await applyStatementByStatement(client, migration, plan, file);
      if (applied) {
        result.applied.push(migration.name);
        log(`applied ${file}`);
      } else {
        result.already++; // another runner applied it meanwhile
      }
    }
    return result;
  } finally {
    await client.end().catch(() => {});
  }
}

async function appliedChecksums(client: pg.Client): Promise<Map<string, string>> {
  const { rows } = await client.query<{ name: string; checksum: string }>(`select name, checksum from ${MIGRATIONS_TABLE}`);
  return new Map(rows.map((r) => [r.name, r.checksum]));
}

async function isRecorded(client: pg.Client, name: string): Promise<boolean> {
  return Boolean((await client.query(`select 1 from ${MIGRATIONS_TABLE} where name = $1`, [name])).rowCount);
}

function record(client: pg.Client, migration: Migration): Promise<unknown> {
  return client.query(`insert into ${MIGRATIONS_TABLE} (name, checksum) values ($1, $2)`, [migration.name, migration.checksum]);
}

/** Runs `body` in a transaction holding the runner's advisory lock. */
async function locked<T>(client: pg.Client, body: () => Promise<T>): Promise<T> {
  await client.query('begin');
  try {
    await client.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
    const value = await body();
    await client.query('commit');
    return value;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  }
}

/**
 * The file and the row that records it, in one transaction: committed together
 * or not at all. False when another runner recorded it first.
 */
async function applyInTransaction(client: pg.Client, migration: Migration, plan: MigrationPlan, file: string): Promise<boolean> {
  let ran = false;
  let completed = 0;
  try {
    return await locked(client, async () => {
      if (await isRecorded(client, migration.name)) return false;
      ran = true;
      // Statements done so far: an error without a position is in the next one.
      const count = () => completed++;
      const connection = (client as unknown as { connection: EventEmitter }).connection;
      connection.on('commandComplete', count);
      try {
        await client.query(migration.sql);
      } catch (err) {
        throw Object.assign(err as object, { inFile: true });
      } finally {
        connection.off('commandComplete', count);
      }
      await record(client, migration);
      return true;
    });
  } catch (err) {
    if (ran && connectionLost(err)) {
      throw new MigrationError(
        file,
        `${file}: the connection to the database was lost while it was being applied (${firstLine((err as Error).message)}): whether it was committed is unknown. A file is applied whole or not at all, and recorded in ${MIGRATIONS_TABLE} only if applied: run the migrations again to find out`,
      );
    }
    if (connectionLost(err))
      throw new MigrationError(
        file,
        `${file} was not applied, nothing in it ran: the connection to the database failed (${firstLine((err as Error).message)})`,
      );
    // The transaction ended in an error, and locked() rolled it back (or the server did, at commit).
    const inFile = (err as { inFile?: boolean }).inFile;
    const line = inFile ? (lineOfPosition(err, migration.sql) ?? plan.statements[completed]?.line) : undefined;
    throw new MigrationError(file, `${file} failed and was rolled back, the database is as it was: ${describe(err, line)}`);
  }
}

/**
 * A no-transaction file: under the runner's lock held for the session (taken by
 * polling, since a waiting lock would hold a snapshot that CREATE INDEX
 * CONCURRENTLY in the other runner waits for), each statement on its own, then
 * the record. A failure stops there: nothing is rolled back, and it says so.
 */
async function applyStatementByStatement(client: pg.Client, migration: Migration, plan: MigrationPlan, file: string): Promise<boolean> {
  const lost = (err: unknown, what: string) =>
    new MigrationError(file, `${file}: the connection to the database was lost ${what} (${firstLine((err as Error).message)}); it is not recorded as applied`);
  try {
    await sessionLock(client, file);
  } catch (err) {
    if (err instanceof MigrationError) throw err;
    throw connectionLost(err) ? lost(err, 'before it started, so nothing in it ran') : err;
  }
  try {
    if (await isRecorded(client, migration.name)) return false;
    for (const [i, statement] of plan.statements.entries()) {
      const before = i === 0 ? 'nothing before it ran' : `the statements before line ${statement.line} were applied and stay`;
      try {
        await client.query(statement.sql);
      } catch (err) {
        if (connectionLost(err)) throw lost(err, `at line ${statement.line}: ${before}, and whether that statement took effect is unknown`);
        throw new MigrationError(
          file,
          `${file} failed and was not rolled back (its statements run one by one, without a transaction, as its first line asks): ${describe(err, lineOfPosition(err, statement.sql, statement.line) ?? statement.line)}; ${before}, and the file is not recorded as applied: make it safe to run again (IF NOT EXISTS, IF EXISTS), then run the migrations again`,
        );
      }
    }
    try {
      await record(client, migration);
    } catch (err) {
      throw lost(err, 'after all its statements ran');
    }
    return true;
  } finally {
    // Settings the file made (SET lock_timeout …) end with it.
    await client.query('reset all').catch(() => {});
    await client.query('select pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
  }
}

const LOCK_POLL_MS = 200;
const LOCK_WAIT_MS = 15 * 60_000;

async function sessionLock(client: pg.Client, file: string): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!(await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [LOCK_KEY])).rows[0].ok) {
    if (Date.now() > deadline) {
      throw new MigrationError(
        file,
        `${file} was not applied, nothing in it ran: another migration run held the migrations lock for ${LOCK_WAIT_MS / 60_000} minutes`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/** What a run printed about the migrations: one line, or none when there is no migrations folder. */
export function summary(result: MigrateResult, dir: string): string[] {
  const lines = result.changed.map(
    (name) => `! ${path.join(path.basename(dir), name)} changed after it was applied: it is not run again (add a new migration instead)`,
  );
  const total = result.applied.length + result.already;
  lines.push(
    result.applied.length
      ? `${result.applied.length} migration${result.applied.length === 1 ? '' : 's'} applied, ${total} in all`
      : `migrations up to date (${total} applied)`,
  );
  return lines;
}

/**
 * For `run` and the vitest setup: applies `<projectDir>/migrations` to `url`,
 * printing what it did with `[neon-on-localhost]`. Throws with one line.
 */
export async function applyPendingMigrations(
  projectDir: string,
  url: string,
  log: (line: string) => void = (line) => console.log(`[neon-on-localhost] ${line}`),
): Promise<void> {
  const dir = path.join(projectDir, MIGRATIONS_DIR);
  if (!existsSync(dir)) return;
  const result = await migrate(url, dir, log);
  for (const line of summary(result, dir)) log(line);
}
