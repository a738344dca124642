// The migration runner: the `.sql` files in a project's `migrations/` folder,
// applied in name order, each once, each in its own transaction, and recorded
// in the table `neon_on_localhost_migrations`. It speaks `pg` over TCP, so the
// same command works against Neon (DATABASE_URL_UNPOOLED when set: a pooled
// PgBouncer connection is the wrong place for DDL), a local PostgreSQL and the
// embedded database, which listens on loopback.
//
// Two runners at once (npm start and npm test, two terminals) must not apply a
// file twice: each pending file is applied under a transaction-scoped advisory
// lock and checked again once the lock is held. On the embedded database
// (PGlite, one backend for every connection) the lock is granted to everyone,
// but pglite-socket already holds other connections back while a transaction
// is open, which serialises the same way.
//
// Files are run as they are (simple query protocol, so several statements per
// file): a file must not hold BEGIN/COMMIT itself, nor statements that cannot
// run in a transaction (CREATE INDEX CONCURRENTLY).

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ConnectionFailed } from './connection-problem.ts';
import { parseEnvFile, UNPOOLED_KEY } from './database-url.ts';

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

/** One line: which file failed, and Postgres' error, with the line in the file when Postgres gives a position. */
export class MigrationError extends Error {
  readonly file: string;
  constructor(file: string, cause: unknown) {
    const err = cause as { message?: string; code?: string; position?: string; sqlText?: string };
    const where = err.position && err.sqlText ? ` (line ${lineAt(err.sqlText, Number(err.position))})` : '';
    const code = err.code ? ` [${err.code}]` : '';
    super(`${file} failed and was rolled back, the database is as it was: ${firstLine(err.message ?? String(cause))}${code}${where}`);
    this.file = file;
  }
}

function lineAt(text: string, position: number): number {
  return text.slice(0, Math.max(0, position - 1)).split('\n').length;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
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

/**
 * The URL to migrate with: DATABASE_URL_UNPOOLED (Neon's direct connection)
 * when the place that defines the project's database also sets it, else
 * DATABASE_URL. The environment first, then the env files, as for DATABASE_URL.
 */
export function readMigrationUrl(projectDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const sources: Array<() => Record<string, string | undefined>> = [
    () => env,
    ...['.dev.vars', '.env.local', '.env'].map((name) => () => {
      const file = path.join(projectDir, name);
      return existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8')) : {};
    }),
  ];
  for (const source of sources) {
    const vars = source();
    if (vars[UNPOOLED_KEY] || vars.DATABASE_URL) return vars[UNPOOLED_KEY] || vars.DATABASE_URL;
  }
  return undefined;
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
    await locked(client, () => client.query(`create table if not exists ${MIGRATIONS_TABLE} (name text primary key, checksum text not null, applied_at timestamptz not null default now())`));
    const recorded = await appliedChecksums(client);
    for (const migration of migrations) {
      const known = recorded.get(migration.name);
      if (known !== undefined) {
        result.already++;
        if (known !== migration.checksum) result.changed.push(migration.name);
        continue;
      }
      if (await applyOne(client, migration, dir)) {
        result.applied.push(migration.name);
        log(`applied ${path.join(path.basename(dir), migration.name)}`);
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

/** False when another runner recorded it first. */
async function applyOne(client: pg.Client, migration: Migration, dir: string): Promise<boolean> {
  const file = path.join(path.basename(dir), migration.name);
  try {
    return await locked(client, async () => {
      const { rowCount } = await client.query(`select 1 from ${MIGRATIONS_TABLE} where name = $1`, [migration.name]);
      if (rowCount) return false;
      try {
        await client.query(migration.sql);
      } catch (err) {
        throw new MigrationError(file, Object.assign(err as object, { sqlText: migration.sql }));
      }
      await client.query(`insert into ${MIGRATIONS_TABLE} (name, checksum) values ($1, $2)`, [migration.name, migration.checksum]);
      return true;
    });
  } catch (err) {
    if (err instanceof MigrationError) throw err;
    throw new MigrationError(file, err);
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
export async function applyPendingMigrations(projectDir: string, url: string): Promise<void> {
  const dir = path.join(projectDir, MIGRATIONS_DIR);
  if (!existsSync(dir)) return;
  const result = await migrate(url, dir, (line) => console.log(`[neon-on-localhost] ${line}`));
  for (const line of summary(result, dir)) console.log(`[neon-on-localhost] ${line}`);
}
