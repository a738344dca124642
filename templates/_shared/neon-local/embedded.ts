// An embedded Postgres for when there is no DATABASE_URL yet: PGlite (Postgres
// compiled to WebAssembly) served over the Postgres wire protocol on loopback,
// so the local proxy, the driver and `pg` talk to it like any Postgres. PGlite
// is one database session; pglite-socket multiplexes connections onto it and
// holds the others back while a transaction is open.
//
// PGlite has no PostGIS. Its packages are loaded only when this is used.

import { mkdirSync } from 'node:fs';

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
  if (dataDir !== 'memory') mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir === 'memory' ? undefined : dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 64 });
  await server.start();
  const address = server.getServerConn();
  let closed: Promise<void> | undefined;
  return {
    url: `postgres://postgres:postgres@${address}/postgres`,
    address,
    close() {
      closed ??= server.stop().finally(() => db.close());
      return closed;
    },
  };
}
