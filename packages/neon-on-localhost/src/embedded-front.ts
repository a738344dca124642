// The embedded database's loopback port. PGlite trusts every login and
// listens on a private Unix socket (embedded.ts); this port asks for the
// password first (SCRAM-SHA-256, like Postgres), then relays the client to the
// PGlite serving the database it named.
//
// It listens before any database is open: its address and password are known
// at once, so `npm start` hands them to the dev server while PGlite is still
// opening, and `npm test` to the tests. A client that logs in meanwhile waits
// until its database is served (`serve(name, socket)`, a promise); one whose
// database failed to open is told why. Several databases can sit behind one
// port, one PGlite each: the tests' per-file databases (test-databases.ts).

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import { CANCEL_REQUEST, fatalError, GSSENC_REQUEST, MessageQueue, PROTOCOL_3, SSL_REQUEST, startupParameters, typedMessage } from './auth.ts';
import { EmbeddedSession } from './embedded-session.ts';

/** The one role the embedded database has, and the name of its main database. */
export const EMBEDDED_USER = 'postgres';
export const EMBEDDED_DATABASE = 'postgres';

const HANDSHAKE_TIMEOUT_MS = 10_000;

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const authRequest = (kind: number, data = Buffer.alloc(0)) => typedMessage('R', Buffer.concat([int32(kind), data]));
const firstLine = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0];

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

/** A StartupMessage naming `database` instead (PGlite has one database, whatever its name here). */
function withDatabase(startup: Buffer, database: string): Buffer {
  const params = { ...startupParameters(startup), database };
  const body = Buffer.concat([int32(startup.readInt32BE(4)), ...Object.entries(params).map(([k, v]) => Buffer.from(`${k}\0${v}\0`, 'utf8')), Buffer.from([0])]);
  return Buffer.concat([int32(body.length + 4), body]);
}

/**
 * The startup and SCRAM exchange, answered here. Returns the StartupMessage
 * and the database it names, or undefined when the client only wanted to
 * cancel (handed to `onCancel`: process id, secret key).
 */
async function login(
  queue: MessageQueue,
  send: (b: Buffer) => void,
  verifier: ScramVerifier,
  onCancel: (processId: number, secretKey: number) => void,
): Promise<{ startup: Buffer; database: string } | undefined> {
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
  // wrong password would (after the whole exchange).
  if (user !== EMBEDDED_USER) throw refused;
  send(authRequest(12, Buffer.from(`v=${hmac(verifier.serverKey, authMessage).toString('base64')}`)));
  return { startup, database: database || user };
}

/** A database behind the front: its PGlite's socket once open, and its connections (for cancels and resets). */
interface Served {
  socket: Promise<string>;
  live: Set<EmbeddedSession>;
  clients: Set<net.Socket>;
}

export class EmbeddedFront {
  /** 127.0.0.1:PORT */
  readonly address: string;
  private readonly password: string;
  private readonly server: net.Server;
  private readonly clients: Set<net.Socket>;
  private readonly databases: Map<string, Served>;

  private constructor(server: net.Server, clients: Set<net.Socket>, databases: Map<string, Served>, password: string) {
    this.server = server;
    this.clients = clients;
    this.databases = databases;
    this.password = password;
    this.address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  }

  /** Listens on a free loopback port, asking every client for `password`; no database is served yet. */
  static async listen(password: string): Promise<EmbeddedFront> {
    const verifier = scramVerifier(password);
    const clients = new Set<net.Socket>();
    const databases = new Map<string, Served>();
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
        for (const { live } of databases.values()) for (const session of live) if (session.isCancelKey(processId, secretKey)) session.cancelRequested();
      };
      const relay = async (startup: Buffer, database: string) => {
        clearTimeout(timer);
        const served = databases.get(database);
        if (!served) throw new LoginRefused(fatalError('3D000', `database "${database}" does not exist`));
        // Held here, without a timeout of its own, until the database is open (the client's own connect timeout applies).
        const socketPath = await served.socket.catch((err: unknown) => {
          throw new LoginRefused(fatalError('57P03', `the embedded database did not start: ${firstLine(err)}`));
        });
        if (client.destroyed || databases.get(database) !== served) return void client.destroy();
        served.clients.add(client);
        client.once('close', () => served.clients.delete(client));
        client.off('data', onData);
        const upstream = net.connect(socketPath);
        upstream.on('error', () => client.destroy());
        new EmbeddedSession(client, upstream, ++sessionIds, served.live).start(withDatabase(startup, EMBEDDED_DATABASE), queue.takeRest());
      };
      login(queue, (b) => client.write(b), verifier, onCancel)
        .then((found) => {
          if (!found || client.destroyed) return void client.destroy();
          return relay(found.startup, found.database);
        })
        .catch((err: unknown) => {
          clearTimeout(timer);
          if (err instanceof LoginRefused && client.writable) client.end(err.reply);
          else client.destroy();
        });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new EmbeddedFront(server, clients, databases, password);
  }

  /** postgres://postgres:PASSWORD@127.0.0.1:PORT/<database>: the password is a secret, never print it. */
  url(database: string = EMBEDDED_DATABASE): string {
    return `postgres://${EMBEDDED_USER}:${encodeURIComponent(this.password)}@${this.address}/${database}`;
  }

  /** Serves `database` from the PGlite at `socket` (a Unix socket path) once it resolves; logins wait until then. */
  serve(database: string, socket: Promise<string>): void {
    socket.catch(() => {}); // said to each client that waits for it
    this.databases.set(database, { socket, live: new Set(), clients: new Set() });
  }

  /** Stops serving `database`: new logins get "does not exist", its connections are cut. */
  forget(database: string): void {
    const served = this.databases.get(database);
    this.databases.delete(database);
    for (const client of served?.clients ?? []) client.destroy();
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const client of this.clients) client.destroy();
    });
  }
}
