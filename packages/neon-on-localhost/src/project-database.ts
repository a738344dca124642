// A project's embedded database, ready to use: its extensions loaded, its
// migrations applied, its seed data loaded. A folder that exists is opened as
// it is (it holds the developer's data); a new one, or an in-memory database,
// starts as a copy of the prepared database (prepared.ts), which is made first
// when missing or out of date. Used by `run` (npm start), `serve --project`
// (the vitest setup), `migrate` and the project's own scripts
// (openProjectDatabase).

import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { EMBEDDED_DATA_DIR, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.ts';
import { engineVersions } from './engine.ts';
import { acquireLock } from './lock.ts';
import { applyPendingMigrations, readMigrationUrl } from './migrate.ts';
import { fingerprintOf, freshPrepared, preparedLockFile, runSeed, savePrepared } from './prepared.ts';
import { readProjectConfig } from './project-config.ts';

export interface ProjectDatabaseOptions {
  /** As for startEmbeddedPostgres. */
  password?: string;
  /** Extensions asked for besides package.json's (`run --requires postgis`). */
  extensions?: readonly string[];
  /** Progress lines (preparing takes a while the first time). */
  log?: (line: string) => void;
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

/** `target`: a folder (created if missing) or 'memory'. */
export async function startProjectDatabase(projectDir: string, target: string, options: ProjectDatabaseOptions = {}): Promise<EmbeddedPostgres> {
  const log = options.log ?? ((line: string) => console.log(`[neon-on-localhost] ${line}`));
  const config = readProjectConfig(projectDir, options.extensions);
  const start = (loadDataDir?: Blob) =>
    startEmbeddedPostgres(target, { password: options.password, extensions: config.extensions, projectDir, loadDataDir });
  if (target !== 'memory' && existsSync(path.join(target, 'PG_VERSION'))) return start();

  const { fingerprint, manifest } = fingerprintOf(projectDir, config, engineVersions(config.extensions, projectDir));
  const ready = freshPrepared(projectDir, fingerprint);
  if (ready) return start(ready);
  const unlock = await preparingLock(projectDir, log);
  try {
    const madeMeanwhile = freshPrepared(projectDir, fingerprint);
    if (madeMeanwhile) return await start(madeMeanwhile);
    const what = [...config.extensions, 'migrations', ...(config.seed ? [`the ${config.seed.script} script`] : [])].join(', ');
    log(`preparing the embedded database once (${what}); later starts and test runs copy it`);
    const started = performance.now();
    const db = await start();
    try {
      await applyPendingMigrations(projectDir, db.url, log);
      if (config.seed) await runSeed(projectDir, config.seed, db.url, log);
      await savePrepared(db, projectDir, manifest);
    } catch (err) {
      await db.close().catch(() => {});
      // A folder made just now holds nothing of the developer's: nothing half-made is left.
      if (target !== 'memory') rmSync(target, { recursive: true, force: true });
      throw err;
    }
    log(`prepared in ${((performance.now() - started) / 1000).toFixed(1)} s, kept in .neon-localhost/prepared.tar.gz`);
    return db;
  } finally {
    unlock();
  }
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
