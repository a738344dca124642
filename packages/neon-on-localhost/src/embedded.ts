// An embedded Postgres for when there is no DATABASE_URL yet: PGlite (Postgres
// compiled to WebAssembly) served over the Postgres wire protocol on loopback,
// so the local proxy, the driver and `pg` talk to it like any Postgres. PGlite
// is one database session; pglite-socket multiplexes connections onto it and
// holds the others back while a transaction is open.
//
// PGlite has no PostGIS. Its packages are loaded only when this is used.

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const EMBEDDED_DATA_DIR = '.neon-edge/pgdata';

export interface EmbeddedPostgres {
  /** postgres://postgres:postgres@127.0.0.1:PORT/postgres (PGlite accepts any password). */
  readonly url: string;
  readonly address: string;
  /** Stops serving and closes the database, flushing it to disk. */
  close(): Promise<void>;
}

interface PGliteLike {
  close(): Promise<void>;
}
interface SocketServerLike {
  start(): Promise<void>;
  stop(): Promise<void>;
  getServerConn(): string;
}

// Module names in variables: projects without PGlite still type-check and run.
const PGLITE = '@electric-sql/pglite';
const PGLITE_SOCKET = '@electric-sql/pglite-socket';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is a single session: two processes opening one folder corrupt it.
 * A lock file holding our pid keeps a second `npm start` out; a stale one
 * (its process is gone) is taken over.
 */
function lock(dataDir: string): () => void {
  const file = `${dataDir}.lock`;
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8'));
    if (pid && pid !== process.pid && pidAlive(pid)) {
      throw new Error(`the embedded database in ${dataDir} is in use by process ${pid} (another npm start?): stop it first`);
    }
  }
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}

/** A folder initdb began but never finished (interrupted first start) cannot be opened: move it aside. */
function setAsideIfIncomplete(dataDir: string): void {
  if (!existsSync(dataDir) || readdirSync(dataDir).length === 0) return;
  if (existsSync(path.join(dataDir, 'PG_VERSION')) && existsSync(path.join(dataDir, 'global', 'pg_control'))) return;
  const aside = `${dataDir}.incomplete-${Date.now()}`;
  renameSync(dataDir, aside);
  console.warn(`[neon-local] ${dataDir} was never fully initialised; moved it to ${aside} and starting afresh`);
}

async function openPGlite(PGlite: { create(dataDir?: string): Promise<PGliteLike> }, dataDir: string): Promise<PGliteLike> {
  if (dataDir === 'memory') return PGlite.create();
  setAsideIfIncomplete(dataDir);
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  mkdirSync(dataDir, { recursive: true });
  try {
    return await PGlite.create(dataDir);
  } catch (err) {
    if (!fresh) {
      // Never delete a user's data: say what to do instead.
      throw new Error(
        `could not open the embedded database in ${dataDir} (${(err as Error).message}): move that folder away to start with an empty one`,
      );
    }
    // A first initialisation that failed leaves nothing worth keeping: once more, from scratch.
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    return PGlite.create(dataDir);
  }
}

/** `dataDir` is a folder (created if missing), or 'memory' for a throwaway database. */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  let PGlite: { create(dataDir?: string): Promise<PGliteLike> };
  let PGLiteSocketServer: new (options: Record<string, unknown>) => SocketServerLike;
  try {
    ({ PGlite } = await import(PGLITE));
    ({ PGLiteSocketServer } = await import(PGLITE_SOCKET));
  } catch {
    throw new Error(
      `the embedded database needs ${PGLITE} and ${PGLITE_SOCKET} (npm install -D them), or set DATABASE_URL to a Postgres`,
    );
  }
  if (dataDir !== 'memory') mkdirSync(path.dirname(path.resolve(dataDir)), { recursive: true });
  const unlock = dataDir === 'memory' ? () => {} : lock(dataDir);
  let db: PGliteLike;
  try {
    db = await openPGlite(PGlite, dataDir);
  } catch (err) {
    unlock();
    throw err;
  }
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 64 });
  await server.start();
  const address = server.getServerConn();
  let closed: Promise<void> | undefined;
  return {
    url: `postgres://postgres:postgres@${address}/postgres`,
    address,
    close() {
      closed ??= server
        .stop()
        .finally(() => db.close())
        .finally(unlock);
      return closed;
    },
  };
}
