// An embedded Postgres for when there is no DATABASE_URL yet: PGlite (Postgres
// compiled to WebAssembly) served over the Postgres wire protocol on loopback,
// so the local proxy, the driver and `pg` talk to it like any Postgres. PGlite
// is one database session; pglite-socket multiplexes connections onto it and
// holds the others back while a transaction is open.
//
// PGlite itself trusts every login, and loopback is shared by every user of
// the machine. So pglite-socket listens on a Unix socket in a private (0700)
// folder, and the loopback port in front of it asks for a password (SCRAM-SHA-256,
// like Postgres) before it relays anything: a random one kept per project in
// `<dataDir>.password` (0600), or a fresh one for a throwaway database.
//
// The engine (PGlite, pglite-socket, extension plugins such as PostGIS) is
// loaded by engine.ts, only when this is used. A folder remembers which engine
// made it (`<dataDir>.engine`): one whose Postgres major version is not the
// engine's is refused with one line before it is opened, and never deleted.

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CANCEL_REQUEST, fatalError, GSSENC_REQUEST, MessageQueue, PROTOCOL_3, SSL_REQUEST, startupParameters, typedMessage } from './auth.ts';
import { EmbeddedSession, guardPGlite, prepareSessions } from './embedded-session.ts';
import { ENGINE_POSTGRES_MAJOR, loadEngine, type Engine, type PGliteLike } from './engine.ts';
import { acquireLock } from './lock.ts';

export const EMBEDDED_DATA_DIR = '.neon-localhost/pgdata';
/** The one role and the one database the embedded database has. */
export const EMBEDDED_USER = 'postgres';
export const EMBEDDED_DATABASE = 'postgres';

export interface EmbeddedPostgres {
  /** postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres: the password is a secret, never print it. */
  readonly url: string;
  readonly address: string;
  /** Whether the database was made by this start (initdb or a prepared copy), rather than opened. */
  readonly created: boolean;
  /** The whole data directory as a gzipped tarball (PGlite's dumpDataDir), for `loadDataDir`. */
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
  /** A data directory tarball (PGlite's dumpDataDir) to start from, instead of initdb, for 'memory' or a folder not made yet. */
  loadDataDir?: Blob;
}

const HANDSHAKE_TIMEOUT_MS = 10_000;

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

async function openPGlite(engine: Engine, dataDir: string, loadDataDir: Blob | undefined): Promise<{ db: PGliteLike; created: boolean }> {
  const opened = { extensions: engine.plugins, ...startOptions(engine.PGlite as { defaultStartParams?: string[] }) };
  const options = { ...opened, ...(loadDataDir ? { loadDataDir } : {}) };
  if (dataDir === 'memory') return { db: await engine.PGlite.create(options), created: true };
  setAsideIfIncomplete(dataDir);
  checkMadeByThisEngine(dataDir, engine);
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  makePrivate(dataDir);
  try {
    const db = await engine.PGlite.create(dataDir, fresh ? options : opened);
    writeFileSync(engineFile(dataDir), `${engine.versions}\n`, { mode: 0o600 });
    return { db, created: fresh };
  } catch (err) {
    if (!fresh) {
      // Never delete a user's data: say what to do instead.
      const madeBy = existsSync(engineFile(dataDir)) ? `made by ${readFileSync(engineFile(dataDir), 'utf8').trim()}, ` : '';
      throw new Error(
        `could not open the embedded database in ${dataDir} (${madeBy}opened with ${engine.versions}: ${firstLine(err)}): nothing was changed; move that folder away to start with an empty one`,
        { cause: err },
      );
    }
    // A first initialisation that failed leaves nothing worth keeping: once more, from scratch.
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const db = await engine.PGlite.create(dataDir, options);
    writeFileSync(engineFile(dataDir), `${engine.versions}\n`, { mode: 0o600 });
    return { db, created: true };
  } finally {
    makePrivate(dataDir);
  }
}

const firstLine = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0];

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const authRequest = (kind: number, data = Buffer.alloc(0)) => typedMessage('R', Buffer.concat([int32(kind), data]));

/** What a SCRAM-SHA-256 server keeps of a password (as in pg_authid): the password itself is not needed per login. */
interface ScramVerifier {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

function scramVerifier(password: string): ScramVerifier {
  const salt = randomBytes(16);
  const iterations = 4096;
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  return { salt, iterations, storedKey: createHash('sha256').update(hmac(salted, 'Client Key')).digest(), serverKey: hmac(salted, 'Server Key') };
}

class LoginRefused extends Error {
  readonly reply: Buffer;
  constructor(reply: Buffer) {
    super('login refused');
    this.reply = reply;
  }
}

/**
 * The startup and SCRAM exchange, answered here. Returns the StartupMessage
 * (for PGlite, which then says AuthenticationOk itself), or undefined when the
 * client only wanted to cancel (handed to `onCancel`: process id, secret key).
 */
async function login(
  queue: MessageQueue,
  send: (b: Buffer) => void,
  verifier: ScramVerifier,
  onCancel: (processId: number, secretKey: number) => void,
): Promise<Buffer | undefined> {
  let startup: Buffer;
  for (;;) {
    const { code, raw } = await queue.nextUntyped();
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      send(Buffer.from('N'));
      continue;
    }
    if (code === CANCEL_REQUEST) {
      // Like Postgres: no authentication, the key is the proof, and no answer either way.
      if (raw.length >= 16) onCancel(raw.readInt32BE(8), raw.readInt32BE(12));
      return undefined;
    }
    if (code >> 16 !== PROTOCOL_3) throw new LoginRefused(fatalError('0A000', 'unsupported frontend protocol'));
    startup = raw;
    break;
  }
  const { user = '', database } = startupParameters(startup);
  const refused = new LoginRefused(fatalError('28P01', `password authentication failed for user "${user}"`));
  send(authRequest(10, Buffer.from('SCRAM-SHA-256\0\0')));

  const first = await queue.nextTyped();
  if (first.type !== 'p') throw refused;
  const mechanismEnd = first.body.indexOf(0);
  if (first.body.subarray(0, mechanismEnd).toString() !== 'SCRAM-SHA-256') throw refused;
  const clientFirst = first.body.subarray(mechanismEnd + 5).toString('utf8');
  // gs2 header: no channel binding ('n' or 'y'), no authzid; then the bare part with the client's nonce.
  const m = /^([ny]),,(n=[^,]*,r=([^,]+)(?:,.*)?)$/.exec(clientFirst);
  if (!m) throw refused;
  const gs2Header = `${m[1]},,`;
  const nonce = `${m[3]}${randomBytes(18).toString('base64')}`;
  const serverFirst = `r=${nonce},s=${verifier.salt.toString('base64')},i=${verifier.iterations}`;
  send(authRequest(11, Buffer.from(serverFirst)));

  const final = await queue.nextTyped();
  if (final.type !== 'p') throw refused;
  const clientFinal = final.body.toString('utf8');
  const f = /^c=([^,]*),r=([^,]*)(?:,.*)?,p=([^,]+)$/.exec(clientFinal);
  if (!f || f[2] !== nonce || Buffer.from(f[1], 'base64').toString() !== gs2Header) throw refused;
  const authMessage = `${m[2]},${serverFirst},${clientFinal.slice(0, clientFinal.lastIndexOf(',p='))}`;
  const signature = hmac(verifier.storedKey, authMessage);
  const proof = Buffer.from(f[3], 'base64');
  if (proof.length !== signature.length) throw refused;
  const clientKey = Buffer.from(proof.map((byte, i) => byte ^ signature[i]));
  if (!timingSafeEqual(createHash('sha256').update(clientKey).digest(), verifier.storedKey)) throw refused;
  // PGlite would let any name in, as postgres: like Postgres, a role that does not exist fails as a
  // wrong password would (after the whole exchange), and a database that does not exist after it.
  if (user !== EMBEDDED_USER) throw refused;
  send(authRequest(12, Buffer.from(`v=${hmac(verifier.serverKey, authMessage).toString('base64')}`)));
  const name = database || user;
  if (name !== EMBEDDED_DATABASE) throw new LoginRefused(fatalError('3D000', `database "${name}" does not exist`));
  return startup;
}

/** The loopback port: logs the client in, then relays it to pglite-socket's private Unix socket. */
function serveWithPassword(socketPath: string, password: string): { server: net.Server; clients: Set<net.Socket> } {
  const verifier = scramVerifier(password);
  const clients = new Set<net.Socket>();
  const live = new Set<EmbeddedSession>();
  let sessionIds = 0;
  const server = net.createServer((client) => {
    clients.add(client);
    client.once('close', () => clients.delete(client));
    client.setNoDelay(true);
    const queue = new MessageQueue();
    const onData = (chunk: Buffer) => queue.push(chunk);
    client.on('data', onData);
    client.on('error', () => {});
    client.once('close', () => queue.end(new Error('client closed')));
    const timer = setTimeout(() => client.destroy(), HANDSHAKE_TIMEOUT_MS);
    const onCancel = (processId: number, secretKey: number) => {
      for (const session of live) if (session.isCancelKey(processId, secretKey)) session.cancelRequested();
    };
    login(queue, (b) => client.write(b), verifier, onCancel).then(
      (startup) => {
        clearTimeout(timer);
        if (!startup || client.destroyed) return void client.destroy();
        client.off('data', onData);
        const upstream = net.connect(socketPath);
        upstream.on('error', () => client.destroy());
        client.on('error', () => {});
        new EmbeddedSession(client, upstream, ++sessionIds, live).start(startup, queue.takeRest());
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (err instanceof LoginRefused && client.writable) client.end(err.reply);
        else client.destroy();
      },
    );
  });
  return { server, clients };
}

/** `dataDir` is a folder (created if missing), or 'memory' for a throwaway database. */
export async function startEmbeddedPostgres(dataDir: string, options: EmbeddedOptions = {}): Promise<EmbeddedPostgres> {
  const engine = await loadEngine(options.extensions ?? [], options.projectDir);
  await prepareSessions();
  const memory = dataDir === 'memory';
  if (!memory) {
    const parent = path.dirname(path.resolve(dataDir));
    mkdirSync(parent, { recursive: true, mode: 0o700 });
    // `.neon-localhost` holds nothing but the database, its lock and its password: owner only.
    if (path.basename(parent) === '.neon-localhost') chmodSync(parent, 0o700);
  }
  const password = options.password ?? (memory ? newPassword() : projectPassword(dataDir));
  const unlock = memory ? () => {} : acquireLock(`${dataDir}.lock`, dataDir);
  let db: PGliteLike;
  let created: boolean;
  try {
    ({ db, created } = await openPGlite(engine, dataDir, options.loadDataDir));
  } catch (err) {
    unlock();
    throw err;
  }
  const socketDir = mkdtempSync(path.join(tmpdir(), 'neon-edge-pglite-')); // 0700: only we can connect
  const socketPath = path.join(socketDir, '.s.PGSQL');
  const inner = new engine.PGLiteSocketServer({ db: guardPGlite(db), path: socketPath, maxConnections: 64 });
  const { server: front, clients } = serveWithPassword(socketPath, password);
  try {
    await inner.start();
    await new Promise<void>((resolve, reject) => {
      front.once('error', reject);
      front.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    await inner.stop().catch(() => {});
    await db.close().catch(() => {});
    rmSync(socketDir, { recursive: true, force: true });
    unlock();
    throw err;
  }
  const address = `127.0.0.1:${(front.address() as net.AddressInfo).port}`;
  let closed: Promise<void> | undefined;
  return {
    url: `postgres://${EMBEDDED_USER}:${encodeURIComponent(password)}@${address}/${EMBEDDED_DATABASE}`,
    address,
    created,
    dump: () => db.dumpDataDir('gzip'),
    close() {
      closed ??= new Promise<void>((resolve) => {
        front.close(() => resolve());
        for (const client of clients) client.destroy();
      })
        .then(() => inner.stop())
        // pglite-socket handles a connection's close on the next turn (setImmediate) and asks
        // PGlite whether a transaction is open: let that run while PGlite is still open.
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .finally(() => db.close())
        .finally(() => {
          rmSync(socketDir, { recursive: true, force: true });
          if (!memory) makePrivate(dataDir);
          unlock();
        });
      return closed;
    },
  };
}
