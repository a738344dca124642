// One client of the embedded database, after login: the bytes between the
// client and pglite-socket, read as Postgres messages. PGlite is a single
// Postgres session that pglite-socket shares between all its connections, so
// this is where each connection is made to look like a session of its own,
// as far as that can be done:
//
//   prepared statement and portal names get a per-connection prefix, so
//     node-postgres' named statements of two connections never collide;
//   Terminate ends the connection (pglite-socket would keep it open, so
//     client.end() never resolved), and a connection that ends rolls back its
//     transaction, closes its statements and, as the last one, resets the session;
//   what PGlite cannot do fails with a clear error, in the order of the
//     client's messages: COPY … FROM STDIN (it loses protocol sync and wedges
//     every connection) and LISTEN (notifications never arrive);
//   each connection gets its own cancel key (PGlite gives all the same one), so
//     a cancel request finds its connection: PGlite runs a statement to the end
//     on Node's one thread, so it cannot be interrupted, and the connection gets
//     a warning notice saying so instead of nothing.

import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { typedMessage } from './auth.ts';
import { EMBEDDED_RESET_SESSION, RESET_SESSION } from './session-reset.ts';

/** The error text for what the embedded database refuses; the way out is in it. */
export const COPY_FROM_STDIN_REFUSED =
  'COPY ... FROM STDIN is not supported by the embedded database (PGlite): use INSERT, or a local PostgreSQL or Neon (set DATABASE_URL)';
export const LISTEN_REFUSED =
  'LISTEN is not supported by the embedded database (PGlite shares one session between connections, so notifications are never delivered): use a local PostgreSQL or Neon (set DATABASE_URL)';

export const CANCEL_NOT_SUPPORTED =
  'cancel request ignored: the embedded database (PGlite) cannot interrupt a statement, it runs to completion: use a local PostgreSQL or Neon (set DATABASE_URL) to cancel queries';

const COPY_FROM_STDIN = /\bcopy\b[^;]*\bfrom\s+stdin\b/i;
const LISTEN = /^\s*listen\b/i;
const CLEANUP_TIMEOUT_MS = 5_000;

/** A statement that fails inside PGlite with `message` (SQLSTATE 0A000, feature not supported). */
function failingStatement(message: string): string {
  return `DO $neon_on_localhost$ BEGIN RAISE EXCEPTION USING ERRCODE = '0A000', MESSAGE = '${message.replace(/'/g, "''")}'; END $neon_on_localhost$`;
}

/** The SQL as sent on to PGlite: what PGlite cannot do becomes a clear error. */
export function guardSql(sql: string): string {
  // The /sql pool's reset between requests must not take other connections' statements with it.
  if (sql === RESET_SESSION) return EMBEDDED_RESET_SESSION;
  if (COPY_FROM_STDIN.test(sql)) return failingStatement(COPY_FROM_STDIN_REFUSED);
  if (LISTEN.test(sql)) return failingStatement(LISTEN_REFUSED);
  return sql;
}

const cstring = (text: string) => Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])]);

/** Reads a NUL-terminated string at `offset`: [text, offset after it]. */
function readCString(buf: Buffer, offset: number): [string, number] {
  const end = buf.indexOf(0, offset);
  if (end === -1) throw new Error('malformed message');
  return [buf.toString('utf8', offset, end), end + 1];
}

/** A NoticeResponse (severity WARNING): a message a client may get at any time. */
function warningNotice(code: string, message: string): Buffer {
  const field = (tag: string, text: string) => cstring(`${tag}${text}`);
  return typedMessage('N', Buffer.concat([field('S', 'WARNING'), field('V', 'WARNING'), field('C', code), field('M', message), Buffer.from([0])]));
}

/** Splits a stream into typed messages (type byte, int32 length). */
class Framer {
  private buffer: Buffer = Buffer.alloc(0);
  /** `end` is where the message ends in `chunk` (bytes of it carried from earlier chunks make it smaller). */
  push(chunk: Buffer, each: (type: string, body: Buffer, raw: Buffer, end: number) => void): void {
    const carried = this.buffer.length;
    this.buffer = carried ? Buffer.concat([this.buffer, chunk]) : chunk;
    let offset = 0;
    while (this.buffer.length - offset >= 5) {
      const length = this.buffer.readInt32BE(offset + 1);
      if (this.buffer.length - offset < length + 1) break;
      const raw = this.buffer.subarray(offset, offset + length + 1);
      each(String.fromCharCode(raw[0]), raw.subarray(5), raw, offset + length + 1 - carried);
      offset += length + 1;
    }
    this.buffer = this.buffer.subarray(offset);
  }
}

export class EmbeddedSession {
  private readonly client: net.Socket;
  private readonly upstream: net.Socket;
  private readonly prefix: string;
  private readonly live: Set<EmbeddedSession>;
  private readonly fromClient = new Framer();
  private readonly fromUpstream = new Framer();
  /** Statement names this connection prepared (as sent to PGlite), closed when it ends. */
  private readonly statements = new Set<string>();
  /** ReadyForQuery answers still owed by PGlite, and how many came. */
  private owed = 0;
  private ending = false;
  /** This connection's BackendKeyData, in place of PGlite's shared one. */
  private readonly processId: number;
  private readonly secretKey = randomBytes(4).readInt32BE(0);
  /** A cancel came while a statement ran: the notice goes out after its ReadyForQuery. */
  private cancelNoticeOwed = false;

  constructor(client: net.Socket, upstream: net.Socket, id: number, live: Set<EmbeddedSession>) {
    this.client = client;
    this.upstream = upstream;
    this.prefix = `c${id}_`;
    this.processId = id;
    this.live = live;
  }

  /** Whether a CancelRequest with this process id and key is meant for this connection. */
  isCancelKey(processId: number, secretKey: number): boolean {
    return !this.ending && processId === this.processId && secretKey === this.secretKey;
  }

  /** A cancel for this connection: it cannot be done, so say so, to the client and in the output. */
  cancelRequested(): void {
    console.warn(`[neon-on-localhost] ${CANCEL_NOT_SUPPORTED}`);
    if (this.owed > 0) this.cancelNoticeOwed = true;
    else if (this.client.writable) this.client.write(warningNotice('0A000', CANCEL_NOT_SUPPORTED));
  }

  /** Relays from here on; `pending` is what the client sent after its startup message. */
  start(startup: Buffer, pending: Buffer): void {
    this.live.add(this);
    this.owed++; // the startup's ReadyForQuery
    this.upstream.write(startup);
    this.client.on('data', (chunk: Buffer) => this.fromClientData(chunk));
    this.upstream.on('data', (chunk: Buffer) => this.fromUpstreamData(chunk));
    this.client.once('close', () => this.end());
    this.upstream.once('close', () => {
      this.live.delete(this);
      this.client.destroy();
    });
    if (pending.length) this.fromClientData(pending);
  }

  private fromClientData(chunk: Buffer): void {
    if (this.ending) return;
    const out: Buffer[] = [];
    this.fromClient.push(chunk, (type, body, raw) => {
      if (this.ending) return;
      if (type === 'X') {
        // Terminate: the client is done. pglite-socket would keep the socket open; end it here.
        this.end();
        return;
      }
      out.push(this.rewrite(type, body, raw));
    });
    if (out.length) this.upstream.write(Buffer.concat(out));
    if (this.ending) this.client.end();
  }

  private fromUpstreamData(chunk: Buffer): void {
    let noticeAt = -1;
    this.fromUpstream.push(chunk, (type, _body, _raw, end) => {
      if (type === 'Z') {
        this.owed--;
        if (this.cancelNoticeOwed && noticeAt < 0) noticeAt = end;
      } else if (type === 'K') {
        // Same length as PGlite's: written over it in place (a K split across chunks keeps PGlite's key).
        const key = Buffer.alloc(8);
        key.writeInt32BE(this.processId, 0);
        key.writeInt32BE(this.secretKey, 4);
        if (end - 8 >= 0) key.copy(chunk, end - 8);
      }
    });
    if (this.ending) {
      if (this.owed <= 0) this.upstream.end();
    } else if (!this.client.writable) {
      return;
    } else if (noticeAt >= 0) {
      this.cancelNoticeOwed = false;
      this.client.write(Buffer.concat([chunk.subarray(0, noticeAt), warningNotice('0A000', CANCEL_NOT_SUPPORTED), chunk.subarray(noticeAt)]));
    } else {
      this.client.write(chunk);
    }
  }

  /** The message as PGlite gets it: names prefixed, refused SQL replaced. */
  private rewrite(type: string, body: Buffer, raw: Buffer): Buffer {
    switch (type) {
      case 'Q': {
        this.owed++;
        const [sql] = readCString(body, 0);
        const guarded = guardSql(sql);
        return guarded === sql ? raw : typedMessage('Q', cstring(guarded));
      }
      case 'S':
        this.owed++;
        return raw;
      case 'P': {
        const [name, afterName] = readCString(body, 0);
        const [sql, afterSql] = readCString(body, afterName);
        const local = this.local(name);
        if (local) this.statements.add(local);
        return typedMessage('P', Buffer.concat([cstring(local), cstring(guardSql(sql)), body.subarray(afterSql)]));
      }
      case 'B': {
        const [portal, afterPortal] = readCString(body, 0);
        const [statement, afterStatement] = readCString(body, afterPortal);
        return typedMessage('B', Buffer.concat([cstring(this.local(portal)), cstring(this.local(statement)), body.subarray(afterStatement)]));
      }
      case 'E': {
        const [portal, afterPortal] = readCString(body, 0);
        return typedMessage('E', Buffer.concat([cstring(this.local(portal)), body.subarray(afterPortal)]));
      }
      case 'D':
      case 'C': {
        const [name] = readCString(body, 1);
        const local = this.local(name);
        if (type === 'C' && body[0] === 0x53 /* S */) this.statements.delete(local);
        return typedMessage(type, Buffer.concat([body.subarray(0, 1), cstring(local)]));
      }
      default:
        return raw;
    }
  }

  /** The name PGlite knows; the unnamed statement and portal stay unnamed (each message replaces them). */
  private local(name: string): string {
    return name === '' ? '' : `${this.prefix}${name}`;
  }

  /**
   * The client is gone (Terminate or hang-up): its session state goes with it. PGlite runs
   * these after whatever this connection still had queued, then the connection closes.
   */
  private end(): void {
    if (this.ending) return;
    this.ending = true;
    this.live.delete(this);
    if (this.upstream.destroyed) return;
    const last = this.live.size === 0;
    const cleanup: Buffer[] = [typedMessage('Q', cstring('ROLLBACK'))];
    // The last connection resets the one session (SET, temp tables, advisory locks, statements);
    // while others are open only what is this connection's own can go.
    if (last) cleanup.push(typedMessage('Q', cstring('DISCARD ALL')));
    else for (const name of this.statements) cleanup.push(typedMessage('C', Buffer.concat([Buffer.from('S'), cstring(name)])));
    this.owed += last ? 2 : 1;
    if (!last && this.statements.size) {
      cleanup.push(typedMessage('S', Buffer.alloc(0)));
      this.owed++;
    }
    this.upstream.write(Buffer.concat(cleanup));
    setTimeout(() => this.upstream.destroy(), CLEANUP_TIMEOUT_MS).unref();
  }
}
