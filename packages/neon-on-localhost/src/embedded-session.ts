// One client of the embedded database, after login: the bytes between the
// client and pglite-socket, read as Postgres messages. PGlite is a single
// Postgres session that pglite-socket shares between all its connections, so
// this is where each connection is made to look like a session of its own,
// as far as that can be done:
//
//   prepared statement and portal names get a per-connection prefix, so
//     node-postgres' named statements of two connections never collide;
//   the connection string's settings (application_name, options=-c …) are
//     applied when it starts, as Postgres applies them (in the one shared
//     session, as a SET would be);
//   Terminate ends the connection (pglite-socket would keep it open, so
//     client.end() never resolved), and a connection that ends rolls back its
//     transaction, closes its statements and, as the last one, resets the session;
//   the /sql pool's reset between requests is the whole reset PostgreSQL gets
//     when no other connection is in the middle of something;
//   what PGlite cannot do fails with a clear error, decided from what the
//     database does, never from how the SQL is spelt: COPY … FROM STDIN is
//     answered by a CopyFail that PGlite reads in the same call (see
//     guardPGlite: otherwise it waits for data that never comes, and dies),
//     and its CopyInResponse is turned into the refusal; LISTEN is found by
//     Postgres' own parser and refused before anything of the query runs, and
//     a notification (a LISTEN made some other way) reaches no one wrongly;
//   each connection gets its own cancel key (PGlite gives all the same one), so
//     a cancel request finds its connection: PGlite runs a statement to the end
//     on Node's one thread, so it cannot be interrupted, and the connection gets
//     a warning notice saying so instead of nothing.

import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { fatalError, serverMessage, startupParameters, typedMessage } from './auth.ts';
import { EMBEDDED_RESET_SESSION, RESET_SESSION } from './session-reset.ts';

/** The error text for what the embedded database refuses; the way out is in it. */
export const COPY_FROM_STDIN_REFUSED =
  'COPY ... FROM STDIN is not supported by the embedded database (PGlite): use INSERT, or a local PostgreSQL or Neon (set DATABASE_URL)';
export const LISTEN_REFUSED =
  'LISTEN is not supported by the embedded database (PGlite shares one session between connections, so notifications are never delivered): use a local PostgreSQL or Neon (set DATABASE_URL)';

export const CANCEL_NOT_SUPPORTED =
  'cancel request ignored: the embedded database (PGlite) cannot interrupt a statement, it runs to completion: use a local PostgreSQL or Neon (set DATABASE_URL) to cancel queries';

const CLEANUP_TIMEOUT_MS = 5_000;

// Postgres' parser, loaded once the embedded database starts (prepareSessions).
let parseSql: ((sql: string) => { stmts?: Array<{ stmt?: object }> }) | undefined;

/** Loads what the sessions need before the first connection: Postgres' parser (WebAssembly). */
export async function prepareSessions(): Promise<void> {
  if (parseSql) return;
  const parser = await import('libpg-query');
  await parser.loadModule();
  parseSql = parser.parseSync;
}

/** True when Postgres' parser finds a LISTEN among the statements of `sql`. */
function listens(sql: string): boolean {
  // Every spelling of LISTEN holds the keyword: anything else need not be parsed.
  if (!/listen/i.test(sql) || !parseSql) return false;
  try {
    return (parseSql(sql).stmts ?? []).some((s) => s.stmt !== undefined && 'ListenStmt' in s.stmt);
  } catch {
    return false; // not valid SQL: PGlite answers with its own error
  }
}

/** A statement that fails inside PGlite with `message` (SQLSTATE 0A000, feature not supported). */
function failingStatement(message: string): string {
  return `DO $neon_on_localhost$ BEGIN RAISE EXCEPTION USING ERRCODE = '0A000', MESSAGE = '${message.replace(/'/g, "''")}'; END $neon_on_localhost$`;
}

/** The SQL as sent on to PGlite: a LISTEN anywhere in it fails the whole query, before any of it runs. */
function guardSql(sql: string): string {
  return listens(sql) ? failingStatement(LISTEN_REFUSED) : sql;
}

interface PGliteExec {
  execProtocolRawStream(message: Uint8Array, options: object): Promise<unknown>;
}

/**
 * PGlite as pglite-socket gets it: every Query and Execute message followed by
 * a CopyFail in the same call. Postgres ignores a CopyFail outside COPY; a COPY
 * … FROM STDIN reads it and fails, where it would otherwise wait for data that
 * pglite-socket only hands over in a later call, lose protocol sync and end
 * PGlite for every connection.
 */
export function guardPGlite<T extends object>(db: T): T {
  const copyFail = typedMessage('f', cstring(COPY_FROM_STDIN_REFUSED));
  return new Proxy(db, {
    get(target, property) {
      if (property === 'execProtocolRawStream') {
        return (message: Uint8Array, options: object) => {
          const type = message[0];
          const guarded = type === 0x51 /* Q */ || type === 0x45 /* E */ ? Buffer.concat([message, copyFail]) : message;
          return (target as unknown as PGliteExec).execProtocolRawStream(guarded, options);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const cstring = (text: string) => Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])]);

/** Reads a NUL-terminated string at `offset`: [text, offset after it]. */
function readCString(buf: Buffer, offset: number): [string, number] {
  const end = buf.indexOf(0, offset);
  if (end === -1) throw new Error('malformed message');
  return [buf.toString('utf8', offset, end), end + 1];
}

/** A NoticeResponse (severity WARNING): a message a client may get at any time. */
const warningNotice = (code: string, message: string) => serverMessage('N', 'WARNING', code, message);
/** An ErrorResponse (severity ERROR): answers a statement. */
const errorResponse = (code: string, message: string) => serverMessage('E', 'ERROR', code, message);

/** The code and message of an ErrorResponse body. */
function errorFieldsOf(body: Buffer): { code: string; message: string } {
  const fields: Record<string, string> = {};
  for (const part of body.toString('utf8').split('\0')) if (part) fields[part[0]] = part.slice(1);
  return { code: fields.C ?? 'XX000', message: fields.M ?? 'error' };
}

/**
 * The connection string's settings, as Postgres applies them at connection
 * start: the startup parameters that are settings, and `options`' `-c name=value`
 * (and `--name=value`), split on spaces with backslash escapes. A statement of
 * set_config calls (values as the command line gives them, so a list stays a
 * list), or an error message.
 */
function startupSettings(startup: Buffer): { sql?: string; error?: string } {
  const { user: _user, database: _database, replication, options, client_encoding, ...rest } = startupParameters(startup);
  if (replication !== undefined) return { error: 'the embedded database does not support replication connections' };
  const settings: Array<[string, string]> = Object.entries(rest);
  // pg and the driver always send UTF8, which the embedded database already uses.
  if (client_encoding !== undefined && !/^utf-?8$/i.test(client_encoding)) settings.push(['client_encoding', client_encoding]);
  const words = (options ?? '').match(/(?:\\.|\S)+/g)?.map((w) => w.replace(/\\(.)/g, '$1')) ?? [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const setting = word === '-c' ? words[++i] : word.startsWith('--') ? word.slice(2) : word.startsWith('-c') ? word.slice(2) : undefined;
    const eq = setting?.indexOf('=') ?? -1;
    if (!setting || eq < 1)
      return { error: `invalid command-line argument for server process: ${word} (the embedded database takes -c name=value in options)` };
    settings.push([setting.slice(0, eq).replace(/-/g, '_'), setting.slice(eq + 1)]);
  }
  if (settings.length === 0) return {};
  const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
  return { sql: `select ${settings.map(([name, value]) => `set_config(${literal(name)}, ${literal(value)}, false)`).join(', ')}` };
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
  /**
   * Before relaying: the startup's answer, then (when the connection string has settings) the
   * answer to applying them, of which the client sees only a failure; its startup ReadyForQuery
   * waits until they are applied.
   */
  private phase: 'startup' | 'settings' | 'relay' = 'startup';
  private startupReady: Buffer | undefined;
  private hasSettings = false;
  /** PGlite asked for COPY data: the CopyFail sent with the statement fails it, and that error becomes the refusal. */
  private copyRefusing = false;
  /** The last thing this connection ran was the /sql pool's reset: it holds nothing of its own. */
  private parked = false;

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
    const settings = startupSettings(startup);
    if (settings.error) {
      this.client.end(fatalError('0A000', settings.error));
      this.upstream.destroy();
      return;
    }
    this.live.add(this);
    this.owed++; // the startup's ReadyForQuery
    this.upstream.write(startup);
    if (settings.sql) {
      this.hasSettings = true;
      this.owed++;
      this.upstream.write(typedMessage('Q', cstring(settings.sql)));
    }
    this.client.on('data', (chunk: Buffer) => this.fromClientData(chunk));
    this.upstream.on('data', (chunk: Buffer) => this.fromUpstreamData(chunk));
    this.client.once('close', () => this.end());
    this.upstream.once('close', () => {
      this.live.delete(this);
      this.client.destroy();
    });
    if (pending.length) this.fromClientData(pending);
  }

  /** True when nothing of this connection's own would be lost to a reset of the shared session. */
  get idle(): boolean {
    return this.parked;
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
    const out: Buffer[] = [];
    this.fromUpstream.push(chunk, (type, body, raw) => {
      for (const message of this.fromDatabase(type, body, raw)) out.push(message);
    });
    if (this.ending) {
      if (this.owed <= 0) this.upstream.end();
    } else if (out.length && this.client.writable) {
      this.client.write(out.length === 1 ? out[0] : Buffer.concat(out));
    }
  }

  /** A message from PGlite as the client gets it: none, itself, or others in its place. */
  private fromDatabase(type: string, body: Buffer, raw: Buffer): Buffer[] {
    if (type === 'Z') this.owed--;
    if (this.phase !== 'relay') return this.duringStartup(type, body, raw);
    switch (type) {
      case 'K':
        return [this.ownKey()];
      case 'Z':
        if (!this.cancelNoticeOwed) return [raw];
        this.cancelNoticeOwed = false;
        return [raw, warningNotice('0A000', CANCEL_NOT_SUPPORTED)];
      case 'G': // CopyInResponse
      case 'W': // CopyBothResponse
        this.copyRefusing = true;
        return [];
      case 'E':
        if (!this.copyRefusing) return [raw];
        this.copyRefusing = false;
        return [errorResponse('0A000', COPY_FROM_STDIN_REFUSED)];
      case 'A': // NotificationResponse: no connection here listens, so it would reach the wrong one
        return [];
      default:
        return [raw];
    }
  }

  /** The startup's answer, then the settings' (if any), seen by the client as one startup. */
  private duringStartup(type: string, body: Buffer, raw: Buffer): Buffer[] {
    if (this.phase === 'startup') {
      if (type === 'K') return [this.ownKey()];
      if (type !== 'Z') return [raw];
      if (!this.hasSettings) {
        this.phase = 'relay';
        return [raw];
      }
      this.startupReady = raw;
      this.phase = 'settings';
      return [];
    }
    if (type === 'E') {
      // As Postgres: a bad setting in the connection string ends the connection.
      const { code, message } = errorFieldsOf(body);
      this.client.end(fatalError(code, message));
      this.end();
      return [];
    }
    if (type === 'S') return [raw]; // ParameterStatus: the client keeps it
    if (type !== 'Z') return []; // the set_config rows
    this.phase = 'relay';
    return [this.startupReady!];
  }

  /** This connection's BackendKeyData, in place of PGlite's shared one. */
  private ownKey(): Buffer {
    const key = Buffer.alloc(8);
    key.writeInt32BE(this.processId, 0);
    key.writeInt32BE(this.secretKey, 4);
    return typedMessage('K', key);
  }

  /** The message as PGlite gets it: names prefixed, refused SQL replaced. */
  private rewrite(type: string, body: Buffer, raw: Buffer): Buffer {
    switch (type) {
      case 'Q': {
        this.owed++;
        const [sql] = readCString(body, 0);
        if (sql === RESET_SESSION) return typedMessage('Q', cstring(this.resetBetweenRequests()));
        this.parked = false;
        const guarded = guardSql(sql);
        return guarded === sql ? raw : typedMessage('Q', cstring(guarded));
      }
      case 'S':
        this.owed++;
        return raw;
      case 'P': {
        this.parked = false;
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

  /**
   * The /sql pool's reset after a request. When every other connection is parked the same way
   * (or there is none), nothing in the shared session belongs to anyone else: the whole reset, as on
   * PostgreSQL (temp tables, SQL PREPARE, sequences' currval). Otherwise what other connections
   * hold (their prepared statements and temp tables) stays, and the README says so.
   */
  private resetBetweenRequests(): string {
    this.parked = true;
    for (const other of this.live) if (other !== this && !other.idle) return EMBEDDED_RESET_SESSION;
    this.statements.clear(); // deallocate all
    return RESET_SESSION;
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
    // The last connection that holds anything resets the one session (SET, temp tables, advisory
    // locks, statements; /sql connections parked between requests hold nothing); while others do,
    // only what is this connection's own can go.
    const last = [...this.live].every((other) => other.idle);
    const cleanup: Buffer[] = [typedMessage('Q', cstring('ROLLBACK'))];
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
