// Reads a WebSocket session's Postgres messages as the relay passes them on,
// without holding them up or keeping them, and reports each statement to the
// query log (query-log.ts): its text, parameters, rows, time, error, and the
// turn it was sent in.
//
//   driver → Postgres  startup (user, database, application_name), Query,
//                      Parse / Bind / Execute / Sync, Close; the password
//                      message is skipped unread
//   Postgres → driver  DataRow, CommandComplete, EmptyQueryResponse,
//                      PortalSuspended, ErrorResponse, ReadyForQuery
//
// A turn is a request–response exchange: it is counted each time the flow
// turns from driver→Postgres to Postgres→driver, as the proxy's stats count
// them; a statement belongs to the turn in which its request was sent. Each
// message's body is read only up to a small limit per type, so memory stays
// bounded whatever passes.

import { CANCEL_REQUEST, GSSENC_REQUEST, SSL_REQUEST } from './auth.ts';
import { clipText, MAX_TEXT_CHARS, type ErrorView, type LogGroup, type LoggedStatement } from './query-log.ts';

const EMPTY = Buffer.alloc(0);

/** Splits one direction's bytes into messages, reading at most `limit(type)` bytes of each body. */
export class Skimmer {
  /** Messages still to come without a type byte (the startup phase). */
  untyped = 0;
  /** Lone bytes still to come (the answers to SSLRequest and GSSENCRequest). */
  loneBytes = 0;
  private readonly limit: (type: string) => number;
  private readonly each: (type: string, body: Buffer, length: number) => void;
  private readonly header = Buffer.alloc(5);
  private headerFill = 0;
  private inBody = false;
  private type = '';
  private length = 0;
  private remaining = 0;
  private kept: Buffer[] = [];
  private keep = 0;
  private keptBytes = 0;

  constructor(limit: (type: string) => number, each: (type: string, body: Buffer, length: number) => void) {
    this.limit = limit;
    this.each = each;
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.inBody) {
        offset = this.continueBody(chunk, offset);
        continue;
      }
      if (this.headerFill === 0 && this.loneBytes > 0) {
        this.loneBytes--;
        offset++;
        continue;
      }
      const headerSize = this.untyped > 0 ? 4 : 5;
      let header = chunk;
      let at = offset;
      if (this.headerFill === 0 && chunk.length - offset >= headerSize) offset += headerSize;
      else {
        // A header split across chunks: gathered here first.
        const take = Math.min(headerSize - this.headerFill, chunk.length - offset);
        chunk.copy(this.header, this.headerFill, offset, offset + take);
        this.headerFill += take;
        offset += take;
        if (this.headerFill < headerSize) return;
        this.headerFill = 0;
        header = this.header;
        at = 0;
      }
      if (headerSize === 4) {
        this.untyped--;
        this.type = '';
        this.length = header.readInt32BE(at) - 4;
      } else {
        this.type = String.fromCharCode(header[at]);
        this.length = header.readInt32BE(at + 1) - 4;
      }
      if (this.length < 0) throw new Error('not the Postgres protocol');
      this.keep = Math.min(this.limit(this.type), this.length);
      if (chunk.length - offset >= this.length) {
        // The whole body is here: read in place (the reader keeps nothing of it).
        this.each(this.type, this.keep ? chunk.subarray(offset, offset + this.keep) : EMPTY, this.length);
        offset += this.length;
        continue;
      }
      this.inBody = true;
      this.remaining = this.length;
      this.kept = [];
      this.keptBytes = 0;
    }
  }

  /** A body that spans chunks: its first `keep` bytes are copied (the chunks themselves may be large). */
  private continueBody(chunk: Buffer, offset: number): number {
    const take = Math.min(this.remaining, chunk.length - offset);
    if (this.keptBytes < this.keep) {
      const n = Math.min(take, this.keep - this.keptBytes);
      this.kept.push(Buffer.from(chunk.subarray(offset, offset + n)));
      this.keptBytes += n;
    }
    this.remaining -= take;
    if (this.remaining === 0) {
      this.inBody = false;
      const body = this.kept.length === 0 ? EMPTY : this.kept.length === 1 ? this.kept[0] : Buffer.concat(this.kept);
      this.kept = [];
      this.each(this.type, body, this.length);
    }
    return offset + take;
  }
}

// How much of each message body is read; every other type is skipped unread (the password message 'p' among them).
const TEXT_BYTES = 4 * MAX_TEXT_CHARS + 64;
const CLIENT_LIMITS: Record<string, number> = { '': 2_048, Q: TEXT_BYTES, P: TEXT_BYTES, B: TEXT_BYTES, E: 256, C: 256 };
const SERVER_LIMITS: Record<string, number> = { E: 4_096, C: 256, Z: 1 };
// Beyond these a session is no longer followed (a driver pipelining without end would otherwise grow them).
const MAX_IN_FLIGHT = 10_000;
const MAX_NAMES = 256;

/** A NUL-terminated string at `offset`, and the offset after it; a cut-off body gives what there is. */
function cstring(body: Buffer, offset: number): [string, number] {
  const end = body.indexOf(0, offset);
  if (end === -1) return [`${body.toString('utf8', offset)}…`, body.length];
  return [body.toString('utf8', offset, end), end + 1];
}

/** Bind's statement name, portal name and parameters (values only when wanted, binary ones described). */
function readBind(body: Buffer, withValues: boolean): { portal: string; name: string; count: number; values?: (string | null)[] } {
  const [portal, afterPortal] = cstring(body, 0);
  const [name, afterName] = cstring(body, afterPortal);
  let offset = afterName;
  if (offset + 2 > body.length) return { portal, name, count: 0 };
  const formatCount = body.readInt16BE(offset);
  offset += 2;
  const formats: number[] = [];
  for (let i = 0; i < formatCount && offset + 2 <= body.length; i++, offset += 2) formats.push(body.readInt16BE(offset));
  if (offset + 2 > body.length) return { portal, name, count: 0 };
  const count = body.readInt16BE(offset);
  offset += 2;
  if (!withValues) return { portal, name, count };
  const values: (string | null)[] = [];
  for (let i = 0; i < count; i++) {
    if (offset + 4 > body.length) {
      values.push('…');
      break;
    }
    const length = body.readInt32BE(offset);
    offset += 4;
    if (length === -1) {
      values.push(null);
      continue;
    }
    const binary = (formats.length === 1 ? formats[0] : formats[i]) === 1;
    const end = Math.min(offset + length, body.length);
    const cut = end < offset + length ? '…' : '';
    values.push(binary ? `<${length} bytes, binary>` : `${body.toString('utf8', offset, end)}${cut}`);
    offset = end;
  }
  return { portal, name, count, values };
}

/** The SQLSTATE and message of an ErrorResponse. */
export function readError(body: Buffer): ErrorView {
  const error: ErrorView = { code: '', message: '' };
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const field = String.fromCharCode(body[offset]);
    const [value, next] = cstring(body, offset + 1);
    if (field === 'C') error.code = value;
    if (field === 'M') error.message = value;
    offset = next;
  }
  return error;
}

/** `SELECT 3`, `INSERT 0 3`, `CREATE TABLE`: the command and, when it has one, the row count. */
export function readTag(tag: string): { command: string; rows?: number } {
  const words = tag.split(' ');
  const firstNumber = words.findIndex((w) => /^\d+$/.test(w));
  if (firstNumber === -1) return { command: tag };
  return { command: words.slice(0, firstNumber).join(' '), rows: Number(words[words.length - 1]) };
}

type InFlight =
  | { kind: 'startup' }
  | { kind: 'sync' }
  | { kind: 'execute'; statement: LoggedStatement; sentAt: number; rows: number }
  | { kind: 'query'; statement: LoggedStatement; sentAt: number; rows?: number; command?: string; error?: ErrorView };

export class WireObserver {
  private readonly group: LogGroup;
  private readonly withValues: boolean;
  private readonly client: Skimmer;
  private readonly server: Skimmer;
  private direction: 'in' | 'out' = 'out';
  private turns = 0;
  /** What the driver sent that Postgres has not answered yet, in order. */
  private readonly inFlight: InFlight[] = [];
  private readonly prepared = new Map<string, string>();
  private readonly portals = new Map<string, { text: string; count: number; values?: (string | null)[] }>();
  /** A Parse not followed by an Execute yet: an error before the next Sync is its. */
  private lastParsed: string | undefined;
  /** When Postgres last finished something: a pipelined statement starts no earlier. */
  private lastDoneAt = 0;
  private following = true;

  constructor(group: LogGroup, withValues: boolean) {
    this.group = group;
    this.withValues = withValues;
    this.client = new Skimmer(
      (type) => CLIENT_LIMITS[type] ?? 0,
      (type, body, length) => this.fromDriver(type, body, length),
    );
    this.server = new Skimmer(
      (type) => SERVER_LIMITS[type] ?? 0,
      (type, body) => this.fromPostgres(type, body),
    );
    this.client.untyped = 1;
  }

  /** Bytes from the driver, as they arrive. */
  clientBytes(chunk: Buffer): void {
    if (!this.following) return;
    this.direction = 'in';
    this.read(this.client, chunk);
  }

  /** Bytes to the driver, as they leave. */
  serverBytes(chunk: Buffer): void {
    if (!this.following) return;
    if (this.direction === 'in') {
      this.turns++;
      this.group.update({ turns: this.turns });
    }
    this.direction = 'out';
    this.read(this.server, chunk);
  }

  /** The session is over: what is still unanswered never will be. */
  closed(): void {
    this.abandon({ code: '', message: 'no answer: the session ended first' });
    this.group.end();
  }

  private read(skimmer: Skimmer, chunk: Buffer): void {
    try {
      skimmer.push(chunk);
    } catch {
      this.stopFollowing('the proxy could not read this session’s messages, so it stopped showing them');
    }
  }

  private stopFollowing(why: string): void {
    this.following = false;
    this.abandon({ code: '', message: why });
    this.group.fail({ code: '', message: why });
  }

  private abandon(error: ErrorView): void {
    for (const item of this.inFlight.splice(0)) {
      if (item.kind === 'execute' || item.kind === 'query') item.statement.fail(error);
    }
  }

  private expect(item: InFlight): void {
    this.inFlight.push(item);
    if (this.inFlight.length > MAX_IN_FLIGHT) this.stopFollowing(`more than ${MAX_IN_FLIGHT} statements in flight: the proxy stopped showing this session`);
  }

  private remember<T>(map: Map<string, T>, name: string, value: T): void {
    map.delete(name);
    map.set(name, value);
    if (map.size > MAX_NAMES) map.delete(map.keys().next().value as string);
  }

  // --- driver → Postgres ---

  private fromDriver(type: string, body: Buffer, length: number): void {
    const truncated = body.length < length;
    switch (type) {
      case '':
        return this.startup(body);
      case 'Q': {
        const [text] = cstring(body, 0);
        const statement = this.group.statement(truncated ? `${text}…` : text, 0, this.turns + 1);
        return this.expect({ kind: 'query', statement, sentAt: performance.now() });
      }
      case 'P': {
        const [name, next] = cstring(body, 0);
        const [text] = cstring(body, next);
        const clipped = clipText(text);
        this.remember(this.prepared, name, clipped);
        this.lastParsed = clipped;
        return;
      }
      case 'B': {
        const bind = readBind(body, this.withValues);
        const text = this.prepared.get(bind.name) ?? `(prepared statement "${bind.name}", sent before the proxy started following)`;
        return this.remember(this.portals, bind.portal, { text, count: bind.count, values: bind.values });
      }
      case 'E': {
        const [portal] = cstring(body, 0);
        const bound = this.portals.get(portal);
        const params = bound?.values ?? bound?.count ?? 0;
        const statement = this.group.statement(bound?.text ?? '(unknown portal)', params, this.turns + 1);
        this.lastParsed = undefined;
        return this.expect({ kind: 'execute', statement, sentAt: performance.now(), rows: 0 });
      }
      case 'S':
        return this.expect({ kind: 'sync' });
      case 'C': {
        const [name] = cstring(body, 1);
        if (body[0] === 0x53)
          this.prepared.delete(name); // 'S': a statement
        else this.portals.delete(name);
        return;
      }
    }
  }

  private startup(body: Buffer): void {
    if (body.length < 4) return;
    const code = body.readInt32BE(0);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      // Declined with one byte, then the real startup follows.
      this.client.untyped++;
      this.server.loneBytes++;
      return;
    }
    if (code === CANCEL_REQUEST) return this.group.update({ cancel: true });
    const parts = body.toString('utf8', 4).split('\0');
    const params: Record<string, string> = {};
    for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) params[parts[i]] = parts[i + 1];
    this.group.update({ user: params.user, database: params.database ?? params.user, application: params.application_name || undefined });
    this.expect({ kind: 'startup' });
  }

  // --- Postgres → driver ---

  private fromPostgres(type: string, body: Buffer): void {
    const head = this.inFlight[0];
    switch (type) {
      case 'D':
        if (head?.kind === 'execute') head.rows++;
        return;
      case 'C': {
        const tag = readTag(cstring(body, 0)[0]);
        if (head?.kind === 'execute') this.done(head, { command: tag.command, rows: tag.rows ?? (head.rows || undefined) });
        else if (head?.kind === 'query') {
          head.command = tag.command;
          if (tag.rows !== undefined) head.rows = (head.rows ?? 0) + tag.rows;
        }
        return;
      }
      case 'I': // EmptyQueryResponse
        if (head?.kind === 'execute') this.done(head, { command: '(empty)', rows: 0 });
        return;
      case 's': // PortalSuspended: the driver asked for some rows only
        if (head?.kind === 'execute') this.done(head, { command: 'SELECT (partial)', rows: head.rows });
        return;
      case 'E':
        return this.error(readError(body));
      case 'Z':
        return this.ready();
    }
  }

  /** Time at the database: from when it could start (sent, and what was sent before it done) to now. */
  private elapsed(sentAt: number): number {
    const now = performance.now();
    const ms = now - Math.max(sentAt, this.lastDoneAt);
    this.lastDoneAt = now;
    return ms;
  }

  private done(item: Extract<InFlight, { kind: 'execute' }>, result: { command: string; rows?: number }): void {
    this.inFlight.shift();
    item.statement.finish({ ...result, durationMs: this.elapsed(item.sentAt) });
  }

  private error(error: ErrorView): void {
    const head = this.inFlight[0];
    if (head?.kind === 'execute') {
      // Postgres now skips everything up to the next Sync: ready() marks those skipped.
      this.inFlight.shift();
      head.statement.fail(error, this.elapsed(head.sentAt));
    } else if (head?.kind === 'query') {
      head.error ??= error;
    } else if (head?.kind !== 'startup' && this.lastParsed !== undefined) {
      // A Parse that failed with no Execute after it (a prepare, or a describe).
      this.group.statement(this.lastParsed, 0, this.turns).fail(error, 0);
      this.lastParsed = undefined;
    } else {
      this.group.fail(error); // login refused, or the session ended by Postgres
    }
  }

  /** ReadyForQuery: whatever came before its Sync (or Query, or the login) is over. */
  private ready(): void {
    this.lastParsed = undefined;
    while (this.inFlight.length) {
      const item = this.inFlight.shift()!;
      if (item.kind === 'execute') {
        item.statement.skip();
        continue;
      }
      if (item.kind === 'query') {
        const durationMs = this.elapsed(item.sentAt);
        if (item.error) item.statement.fail(item.error, durationMs);
        else item.statement.finish({ command: item.command, rows: item.rows, durationMs });
      }
      if (item.kind === 'startup') {
        this.lastDoneAt = performance.now();
        this.group.update({ connectTurns: this.turns });
      }
      return;
    }
  }
}
