// An embedded Postgres for when there is no DATABASE_URL yet: PGlite (Postgres
// compiled to WebAssembly) served over the Postgres wire protocol on loopback,
// so the local proxy, the driver and `pg` talk to it like any Postgres. PGlite
// is one database session; pglite-socket multiplexes connections onto it and
// holds the others back while a transaction is open.
//
// PGlite itself trusts every login, and loopback is shared by every user of
// the machine. So pglite-socket listens on a Unix socket in a private (0700)
// folder, and the loopback port in front of it (embedded-front.ts) asks for a
// password (SCRAM-SHA-256, like Postgres) before it relays anything: a random
// one kept per project in `<dataDir>.password` (0600), or a fresh one for a
// throwaway database.
//
// A new database never runs initdb (about 6 s): it starts from a data
// directory tarball, the project's prepared one (prepared.ts) or the engine's
// initialised one (@electric-sql/pglite-prepopulatedfs, made by the same
// PGlite's initdb). A folder gets the tarball unpacked into it, then opened,
// which is quicker than PGlite loading it file by file; 'memory' loads it, or,
// from a project's prepared tarball, opens a throwaway copy of it unpacked
// (scratch-copy.ts), quicker still.
//
// The engine (PGlite, pglite-socket, extension plugins such as PostGIS) is
// loaded by engine.ts, only when this is used. A folder remembers which engine
// made it (`<dataDir>.engine`): one whose Postgres major version is not the
// engine's is refused with one line before it is opened, and never deleted.

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EMBEDDED_DATABASE, EMBEDDED_USER, EmbeddedFront } from './embedded-front.ts';
import { guardPGlite, prepareSessions } from './embedded-session.ts';
import { ENGINE_POSTGRES_MAJOR, initialisedDataDir, loadEngine, type Engine, type PGliteLike } from './engine.ts';
import { acquireLock } from './lock.ts';
import { processTempDir } from './process-temp-dir.ts';
import { keptUnpacked, scratchCopy, unpackInto } from './scratch-copy.ts';

export { EMBEDDED_DATABASE, EMBEDDED_USER };
export const EMBEDDED_DATA_DIR = '.neon-localhost/pgdata';

export interface EmbeddedPostgres {
  /** postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres: the password is a secret, never print it. */
  readonly url: string;
  readonly address: string;
  /** Whether the database was made by this start (from a tarball), rather than opened. */
  readonly created: boolean;
  /** The whole data directory as a gzipped tarball (PGlite's dumpDataDir), to start others from. */
  dump(): Promise<Blob>;
  /** Stops serving and closes the database, flushing it to disk. */
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  /** The password to require; by default `<dataDir>.password` (made once), or a random one for 'memory'. */
  password?: string;
  /** Postgres extensions to load into PGlite (their plugins), e.g. ['postgis']. */
  extensions?: readonly string[];
  /** Where plugin packages are looked up besides the toolkit (default: the current directory). */
  projectDir?: string;
  /**
   * A data directory tarball (.tar.gz, as dump() writes) that a new database
   * starts from: 'memory', or a folder not made yet. Default: the engine's
   * initialised data directory (what initdb makes).
   */
  from?: string;
}

/** An open PGlite behind pglite-socket on a private Unix socket, for a front to serve. */
export interface OpenedDatabase {
  readonly socketPath: string;
  /** Whether it was made by this start (from a tarball), rather than opened. */
  readonly created: boolean;
  dump(): Promise<Blob>;
  /** Stops pglite-socket and closes PGlite (flushing a folder to disk), then releases the folder. */
  close(): Promise<void>;
}

export const newPassword = (): string => randomBytes(24).toString('base64url');

/** The project's password for its embedded database: read, or made once (0600, in the git-ignored folder). */
export function projectPassword(dataDir: string): string {
  const file = `${dataDir}.password`;
  try {
    writeFileSync(file, `${newPassword()}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  chmodSync(file, 0o600);
  const password = readFileSync(file, 'utf8').trim();
  if (!password) throw new Error(`${file} is empty: delete it and a new password is made`);
  return password;
}

/** Owner only: folders 0700, files 0600 (PGlite's initdb writes its files 0666). */
function makePrivate(target: string): void {
  const stat = lstatSync(target, { throwIfNoEntry: false });
  if (!stat || stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    chmodSync(target, 0o700);
    for (const entry of readdirSync(target)) makePrivate(path.join(target, entry));
  } else {
    chmodSync(target, 0o600);
  }
}

/** A folder initdb began but never finished (interrupted first start) cannot be opened: move it aside. */
function setAsideIfIncomplete(dataDir: string): void {
  if (!existsSync(dataDir) || readdirSync(dataDir).length === 0) return;
  if (existsSync(path.join(dataDir, 'PG_VERSION')) && existsSync(path.join(dataDir, 'global', 'pg_control'))) return;
  const aside = `${dataDir}.incomplete-${Date.now()}`;
  renameSync(dataDir, aside);
  makePrivate(aside);
  console.warn(`[neon-on-localhost] ${dataDir} was never fully initialised; moved it to ${aside} and starting afresh`);
}

/** The engine that made `dataDir`, as recorded beside it (undefined for folders made before it was recorded). */
const engineFile = (dataDir: string) => `${dataDir}.engine`;

/** Refuses, in one line and before opening, a folder made by a Postgres major version the engine cannot read. */
function checkMadeByThisEngine(dataDir: string, engine: Engine): void {
  const versionFile = path.join(dataDir, 'PG_VERSION');
  if (!existsSync(versionFile)) return;
  const major = readFileSync(versionFile, 'utf8').trim();
  if (major === ENGINE_POSTGRES_MAJOR) return;
  const madeBy = existsSync(engineFile(dataDir)) ? ` (${readFileSync(engineFile(dataDir), 'utf8').trim()})` : '';
  throw new Error(
    `${dataDir} was made by PostgreSQL ${major}${madeBy}, and this neon-on-localhost runs PostgreSQL ${ENGINE_POSTGRES_MAJOR} (${engine.versions}), which cannot open it; nothing was changed. To start afresh, move it away: mv ${dataDir} ${dataDir}-pg${major} (to keep its data, dump it with the neon-on-localhost version that made it and load the dump after)`,
  );
}

/** PGlite starts its one session with search_path=public; Postgres' default is "$user", public. */
function startOptions(PGlite: { defaultStartParams?: string[] }): { startParams?: string[] } {
  const params = PGlite.defaultStartParams;
  if (!params?.includes('search_path=public')) return {};
  return { startParams: params.map((p) => (p === 'search_path=public' ? 'search_path="$user", public' : p)) };
}

/** A tarball's bytes, read once per process while the file stays the same (per-file test databases load it again and again). */
const blobs = new Map<string, { mtimeMs: number; blob: Blob }>();
function blobOf(file: string): Blob {
  const { mtimeMs } = statSync(file);
  const known = blobs.get(file);
  if (known?.mtimeMs === mtimeMs) return known.blob;
  const blob = new Blob([readFileSync(file)]);
  blobs.set(file, { mtimeMs, blob });
  return blob;
}

/** A throwaway database: a copy of a project's prepared data in the temp dir (scratch-copy.ts), else in memory. */
async function openThrowaway(engine: Engine, opened: object, from: string | undefined): Promise<{ db: PGliteLike; created: boolean; scratch?: () => void }> {
  if (!from || !keptUnpacked(from)) return { db: await engine.PGlite.create(from ? { ...opened, loadDataDir: blobOf(from) } : opened), created: true };
  const copy = await scratchCopy(from);
  try {
    return { db: await engine.PGlite.create(copy.dir, opened), created: true, scratch: copy.remove };
  } catch (err) {
    copy.remove();
    throw err;
  }
}

async function openPGlite(engine: Engine, dataDir: string, from: string | undefined): Promise<{ db: PGliteLike; created: boolean; scratch?: () => void }> {
  const opened = { extensions: engine.plugins, ...startOptions(engine.PGlite as { defaultStartParams?: string[] }) };
  if (dataDir === 'memory') return openThrowaway(engine, opened, from);
  setAsideIfIncomplete(dataDir);
  checkMadeByThisEngine(dataDir, engine);
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  makePrivate(dataDir);
  const create = async () => {
    if (fresh && from) await unpackInto(from, dataDir);
    makePrivate(dataDir);
    const db = await engine.PGlite.create(dataDir, opened);
    writeFileSync(engineFile(dataDir), `${engine.versions}\n`, { mode: 0o600 });
    return db;
  };
  try {
    return { db: await create(), created: fresh };
  } catch (err) {
    if (!fresh) {
      // Never delete a user's data: say what to do instead.
      const madeBy = existsSync(engineFile(dataDir)) ? `made by ${readFileSync(engineFile(dataDir), 'utf8').trim()}, ` : '';
      throw new Error(
        `could not open the embedded database in ${dataDir} (${madeBy}opened with ${engine.versions}: ${firstLine(err)}): nothing was changed; move that folder away to start with an empty one`,
        { cause: err },
      );
    }
    // A first start that failed leaves nothing worth keeping: once more, from scratch.
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    return { db: await create(), created: true };
  } finally {
    makePrivate(dataDir);
  }
}

const firstLine = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0];

/** Claims `dataDir` for this process (its lock; the parent folder made private), or nothing for 'memory'. Returns the release. */
export function claimDataDir(dataDir: string): () => void {
  if (dataDir === 'memory') return () => {};
  const parent = path.dirname(path.resolve(dataDir));
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  // `.neon-localhost` holds nothing but the database, its lock and its password: owner only.
  if (path.basename(parent) === '.neon-localhost') chmodSync(parent, 0o700);
  return acquireLock(`${dataDir}.lock`, dataDir);
}

/**
 * Opens `dataDir` (a folder, created if missing, or 'memory') behind
 * pglite-socket on a private Unix socket. `release` (claimDataDir's) is called
 * when it closes, or at once if it fails to open.
 */
export async function openEmbeddedDatabase(
  dataDir: string,
  options: Pick<EmbeddedOptions, 'extensions' | 'projectDir' | 'from'>,
  release: () => void,
): Promise<OpenedDatabase> {
  let db: PGliteLike;
  let created: boolean;
  let engine: Engine;
  let scratch: (() => void) | undefined;
  try {
    engine = await loadEngine(options.extensions ?? [], options.projectDir);
    await prepareSessions();
    ({ db, created, scratch } = await openPGlite(engine, dataDir, options.from ?? initialisedDataDir()));
  } catch (err) {
    release();
    throw err;
  }
  const socketDir = processTempDir('neon-edge-pglite-'); // 0700: only we can connect
  const socketPath = path.join(socketDir, '.s.PGSQL');
  const inner = new engine.PGLiteSocketServer({ db: guardPGlite(db), path: socketPath, maxConnections: 64 });
  try {
    await inner.start();
  } catch (err) {
    await db.close().catch(() => {});
    rmSync(socketDir, { recursive: true, force: true });
    scratch?.();
    release();
    throw err;
  }
  let closed: Promise<void> | undefined;
  return {
    socketPath,
    created,
    dump: () => db.dumpDataDir('gzip'),
    close() {
      closed ??= inner
        .stop()
        // pglite-socket handles a connection's close on the next turn (setImmediate) and asks
        // PGlite whether a transaction is open: let that run while PGlite is still open.
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .finally(() => db.close())
        .finally(() => {
          rmSync(socketDir, { recursive: true, force: true });
          if (dataDir !== 'memory') makePrivate(dataDir);
          scratch?.();
          release();
        });
      return closed;
    },
  };
}

/** An opened database served by `front` as its main database, as one EmbeddedPostgres (closing both). */
export function servedBy(front: EmbeddedFront, opened: OpenedDatabase): EmbeddedPostgres {
  let closed: Promise<void> | undefined;
  return {
    url: front.url(),
    address: front.address,
    created: opened.created,
    dump: () => opened.dump(),
    close() {
      closed ??= front.close().then(() => opened.close());
      return closed;
    },
  };
}

/** `dataDir` is a folder (created if missing), or 'memory' for a throwaway database. Resolves once it is open. */
export async function startEmbeddedPostgres(dataDir: string, options: EmbeddedOptions = {}): Promise<EmbeddedPostgres> {
  const release = claimDataDir(dataDir);
  const password = options.password ?? (dataDir === 'memory' ? newPassword() : projectPassword(dataDir));
  const opened = openEmbeddedDatabase(dataDir, options, release);
  const front = await EmbeddedFront.listen(password);
  front.serve(
    EMBEDDED_DATABASE,
    opened.then((db) => db.socketPath),
  );
  try {
    return servedBy(front, await opened);
  } catch (err) {
    await front.close();
    throw err;
  }
}
