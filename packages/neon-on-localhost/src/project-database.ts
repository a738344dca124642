// A project's embedded database, ready to use: its extensions loaded, its
// migrations applied, its seed data loaded. A folder that exists is opened as
// it is (it holds the developer's data); a new one, or an in-memory database,
// starts as a copy of the prepared database (prepared.ts), which is made first
// when missing or out of date, or, for a project with neither extensions nor
// a seed, of the engine's initialised data directory with the migrations
// applied. Used by `run` (npm start), `serve --project` (the vitest setup),
// `migrate` and the project's own scripts (openProjectDatabase).
//
// It listens at once (listenProjectDatabase): the URL can be handed out while
// PGlite opens, and logins wait until the database is ready, migrated
// included. Migrations and the seed reach it through a front of their own.
// A folder remembers the migrations it has (`<dir>.migrations`), so a start
// with none new does not connect to check.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EmbeddedFront } from './embedded-front.ts';
import {
  claimDataDir,
  EMBEDDED_DATA_DIR,
  EMBEDDED_DATABASE,
  newPassword,
  openEmbeddedDatabase,
  projectPassword,
  servedBy,
  type EmbeddedPostgres,
  type OpenedDatabase,
} from './embedded.ts';
import { engineVersions } from './engine.ts';
import { acquireLock } from './lock.ts';
import { applyPendingMigrations, migrationsFingerprint, readMigrationUrl } from './migrate.ts';
import { fingerprintOf, freshPrepared, preparedLockFile, runSeed, savePrepared } from './prepared.ts';
import { readProjectConfig, type ProjectConfig } from './project-config.ts';

export interface ProjectDatabaseOptions {
  /** As for startEmbeddedPostgres. */
  password?: string;
  /** Extensions asked for besides package.json's (`run --requires postgis`). */
  extensions?: readonly string[];
  /** Progress lines (preparing takes a while the first time). */
  log?: (line: string) => void;
}

/** A project's embedded database that listens already and is made ready behind its front. */
export interface ListeningDatabase {
  /** Its URL (the password is a secret, never print it); a login waits until the database is ready. */
  readonly url: string;
  readonly address: string;
  /** The database once open and migrated (and prepared or seeded when new); rejects with a one-line Error. */
  readonly ready: Promise<EmbeddedPostgres>;
  /** The prepared tarball this database started from or made, when there is one (per-file test databases copy it). */
  readonly prepared: Promise<string | undefined>;
  /** Its front, which can serve more databases under other names (per-file test databases). */
  readonly front: EmbeddedFront;
  /** The extensions it loads. */
  readonly extensions: readonly string[];
  /** Stops it, whether or not it got ready. */
  close(): Promise<void>;
}

const LOCK_WAIT_MS = 10 * 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits while another process prepares the same project (npm start and npm test at once). */
async function preparingLock(projectDir: string, log: (line: string) => void): Promise<() => void> {
  const file = preparedLockFile(projectDir);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const until = Date.now() + LOCK_WAIT_MS;
  for (let said = false; ; said = true) {
    try {
      return acquireLock(file, path.join(path.dirname(file), 'prepared.tar.gz'));
    } catch (err) {
      if (!/in use by process/.test((err as Error).message) || Date.now() > until) throw err;
      if (!said) log('another process is preparing the embedded database: waiting for it');
      await sleep(500);
    }
  }
}

/** What a folder records of the migrations applied to it. */
const migrationsFile = (dataDir: string) => `${dataDir}.migrations`;

/** A project whose databases are worth keeping a prepared copy of even for a folder: the slow parts (extensions, seed). */
const slowToMake = (config: ProjectConfig) => config.extensions.length > 0 || config.seed !== undefined;

interface Making {
  projectDir: string;
  target: string;
  config: ProjectConfig;
  password: string;
  release: () => void;
  log: (line: string) => void;
}

/** Runs `work` with a front of its own onto `db` (for the migrations and the seed, which must not wait for `ready`). */
async function withSetupFront<T>(db: OpenedDatabase, password: string, work: (url: string) => Promise<T>): Promise<T> {
  const front = await EmbeddedFront.listen(password);
  front.serve(EMBEDDED_DATABASE, Promise.resolve(db.socketPath));
  try {
    return await work(front.url());
  } finally {
    await front.close();
  }
}

/** Applies the migrations (unless the folder records them all), and records them for a folder. */
async function migrateIfNeeded(making: Making, db: OpenedDatabase, known: boolean): Promise<void> {
  const { projectDir, target, password, log } = making;
  const fingerprint = migrationsFingerprint(projectDir);
  const recorded = target !== 'memory' && existsSync(migrationsFile(target)) ? readFileSync(migrationsFile(target), 'utf8').trim() : undefined;
  if (!known && recorded !== fingerprint.hash) await withSetupFront(db, password, (url) => applyPendingMigrations(projectDir, url, log));
  else if (!known && fingerprint.count) log(`migrations up to date (${fingerprint.count} applied)`);
  if (target !== 'memory') writeFileSync(migrationsFile(target), `${fingerprint.hash}\n`, { mode: 0o600 });
}

/** Opens the folder as it is, or a new database from the prepared one (made first when needed). */
async function makeReady(making: Making): Promise<{ db: OpenedDatabase; prepared?: string }> {
  const { projectDir, target, config, password, release, log } = making;
  const open = (from?: string) => openEmbeddedDatabase(target, { extensions: config.extensions, projectDir, from }, release);
  if (target !== 'memory' && existsSync(path.join(target, 'PG_VERSION'))) {
    const db = await open();
    await migrateIfNeeded(making, db, false).catch(async (err: unknown) => {
      await db.close();
      throw err;
    });
    return { db };
  }
  const { fingerprint, manifest } = fingerprintOf(projectDir, config, engineVersions(config.extensions, projectDir));
  const fromPrepared = async (prepared: string) => {
    const db = await open(prepared);
    await migrateIfNeeded(making, db, true);
    return { db, prepared };
  };
  const ready = freshPrepared(projectDir, fingerprint);
  if (ready) return fromPrepared(ready);
  const keep = target === 'memory' || slowToMake(config);
  const unlock = keep ? await preparingLock(projectDir, log) : () => {};
  try {
    const madeMeanwhile = keep ? freshPrepared(projectDir, fingerprint) : undefined;
    if (madeMeanwhile) return await fromPrepared(madeMeanwhile);
    if (keep) {
      const what = [...config.extensions, 'migrations', ...(config.seed ? [`the ${config.seed.script} script`] : [])].join(', ');
      log(`preparing the embedded database once (${what}); later starts and test runs copy it`);
    }
    const started = performance.now();
    const db = await open();
    try {
      await migrateIfNeeded(making, db, false);
      if (config.seed) await withSetupFront(db, password, (url) => runSeed(projectDir, config.seed!, url, log));
      const prepared = keep ? await savePrepared(db, projectDir, manifest) : undefined;
      if (keep) log(`prepared in ${((performance.now() - started) / 1000).toFixed(1)} s, kept in .neon-localhost/prepared.tar.gz`);
      return { db, prepared };
    } catch (err) {
      await db.close().catch(() => {});
      // A folder made just now holds nothing of the developer's: nothing half-made is left.
      if (target !== 'memory') rmSync(target, { recursive: true, force: true });
      throw err;
    }
  } finally {
    unlock();
  }
}

/**
 * `target`: a folder (created if missing) or 'memory'. Listens at once; the
 * database is opened (and prepared, migrated) behind it. Throws at once, in
 * one line, when the project's settings are wrong or another process holds
 * the folder.
 */
export async function listenProjectDatabase(projectDir: string, target: string, options: ProjectDatabaseOptions = {}): Promise<ListeningDatabase> {
  const log = options.log ?? ((line: string) => console.log(`[neon-on-localhost] ${line}`));
  const config = readProjectConfig(projectDir, options.extensions);
  const release = claimDataDir(target);
  let front: EmbeddedFront;
  let password: string;
  try {
    password = options.password ?? (target === 'memory' ? newPassword() : projectPassword(target));
    front = await EmbeddedFront.listen(password);
  } catch (err) {
    release();
    throw err;
  }
  const made = makeReady({ projectDir, target, config, password, release, log });
  made.catch(release); // also when it failed before opening (the folder is released once it opened)
  front.serve(
    EMBEDDED_DATABASE,
    made.then(({ db }) => db.socketPath),
  );
  const ready = made.then(({ db }) => servedBy(front, db));
  ready.catch(() => front.close());
  return {
    url: front.url(),
    address: front.address,
    ready,
    prepared: made.then(({ prepared }) => prepared).catch(() => undefined),
    front,
    extensions: config.extensions,
    async close() {
      const db = await ready.catch(() => undefined);
      await (db ? db.close() : front.close());
    },
  };
}

/** `target`: a folder (created if missing) or 'memory'. Resolves once the database is ready. */
export async function startProjectDatabase(projectDir: string, target: string, options: ProjectDatabaseOptions = {}): Promise<EmbeddedPostgres> {
  return (await listenProjectDatabase(projectDir, target, options)).ready;
}

/**
 * For a project's own scripts (a data loader, a seed): DATABASE_URL_UNPOOLED
 * or DATABASE_URL when set (environment, .dev.vars, .env.local, .env), else the
 * project's embedded database in `.neon-localhost/pgdata`, opened until close().
 */
export async function openProjectDatabase(projectDir = process.cwd()): Promise<{ url: string; embedded: boolean; close(): Promise<void> }> {
  const url = readMigrationUrl(projectDir);
  if (url) return { url, embedded: false, close: async () => {} };
  const db = await startProjectDatabase(projectDir, path.join(projectDir, EMBEDDED_DATA_DIR));
  return { url: db.url, embedded: true, close: () => db.close() };
}
