// Authentication the way Neon's proxy does it: the driver gives the proxy the
// password (AuthenticationCleartextPassword, over the local WebSocket), and
// the proxy proves it to Postgres with whatever Postgres asks for (SCRAM-SHA-256,
// MD5, cleartext, or nothing). SCRAM's 4096 PBKDF2 rounds then run natively
// here, once, instead of as 4096 awaited `crypto.subtle.sign` calls inside an
// edge runtime, where a burst of connections used to queue for seconds.

import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';

/** Codes of the untyped first message a client sends. */
export const PROTOCOL_3 = 3;
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;
// Postgres refuses longer startup packets too.
const MAX_STARTUP_LENGTH = 10_000;
const MAX_MESSAGE_LENGTH = 1024 * 1024;

/** Bytes arriving in chunks, read back as whole Postgres messages. */
export class MessageQueue {
  private buffer: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private ended: Error | undefined;

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.wake();
  }

  /** No more bytes will come; pending and later reads fail with `reason` once the buffer is used up. */
  end(reason: Error): void {
    this.ended ??= reason;
    this.wake();
  }

  /** What was received but not read: handed over to the raw relay after authentication. */
  takeRest(): Buffer {
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    return rest;
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  private async need(bytes: number): Promise<void> {
    while (this.buffer.length < bytes) {
      if (this.ended) throw this.ended;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  private take(bytes: number): Buffer {
    const out = this.buffer.subarray(0, bytes);
    this.buffer = this.buffer.subarray(bytes);
    return out;
  }

  /** A startup-phase message (no type byte): Int32 length (itself included), Int32 code, the rest. */
  async nextUntyped(): Promise<{ code: number; raw: Buffer }> {
    await this.need(8);
    const length = this.buffer.readInt32BE(0);
    if (length < 8 || length > MAX_STARTUP_LENGTH) throw new ProtocolError('invalid length of startup packet');
    await this.need(length);
    const raw = this.take(length);
    return { code: raw.readInt32BE(4), raw };
  }

  /** A regular message: Byte1 type, Int32 length (itself included, not the type), the body. */
  async nextTyped(): Promise<{ type: string; body: Buffer; raw: Buffer }> {
    await this.need(5);
    const length = this.buffer.readInt32BE(1);
    if (length < 4 || length > MAX_MESSAGE_LENGTH) throw new ProtocolError('invalid message length');
    await this.need(1 + length);
    const raw = this.take(1 + length);
    return { type: String.fromCharCode(raw[0]), body: raw.subarray(5), raw };
  }
}

/** The client did not speak the Postgres protocol. */
export class ProtocolError extends Error {}

export function typedMessage(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

const cstring = (text: string) => Buffer.from(`${text}\0`, 'utf8');
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

export const AUTH_CLEARTEXT_REQUEST = typedMessage('R', int32(3));

/** A FATAL ErrorResponse, as Postgres sends before hanging up. */
export function fatalError(code: string, message: string): Buffer {
  return serverMessage('E', 'FATAL', code, message);
}

/** An ErrorResponse ('E') or NoticeResponse ('N') with a severity, SQLSTATE and message. */
export function serverMessage(type: 'E' | 'N', severity: string, code: string, message: string): Buffer {
  return typedMessage(type, Buffer.concat([cstring(`S${severity}`), cstring(`V${severity}`), cstring(`C${code}`), cstring(`M${message}`), Buffer.from([0])]));
}

/** The key/value pairs of a StartupMessage (user, database, options…). */
export function startupParameters(raw: Buffer): Record<string, string> {
  const parts = raw.subarray(8).toString('utf8').split('\0');
  const params: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) params[parts[i]] = parts[i + 1];
  return params;
}

/** The password out of a PasswordMessage body. */
export function passwordOf(body: Buffer): string {
  const end = body.indexOf(0);
  return body.subarray(0, end === -1 ? body.length : end).toString('utf8');
}

const pbkdf2Async = (password: string, salt: Buffer, iterations: number) =>
  new Promise<Buffer>((resolve, reject) => pbkdf2(password, salt, iterations, 32, 'sha256', (err, key) => (err ? reject(err) : resolve(key))));
const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/**
 * Answers Postgres' authentication requests with `password`, reading its
 * messages from `server` and writing ours with `send`, until AuthenticationOk.
 * Returns the AuthenticationOk message (to pass on to the client). A
 * Postgres ErrorResponse is returned as `{ error }` for the client to see.
 */
export async function authenticateToPostgres(
  server: MessageQueue,
  send: (message: Buffer) => void,
  user: string,
  password: () => Promise<string>,
  passOn: (message: Buffer) => void,
): Promise<{ ok: Buffer } | { error: Buffer }> {
  let scram: { clientNonce: string; clientFirstBare: string; serverSignature?: Buffer; verified?: boolean } | undefined;
  for (;;) {
    const message = await server.nextTyped();
    if (message.type === 'E') return { error: message.raw };
    if (message.type !== 'R') {
      passOn(message.raw); // NoticeResponse, NegotiateProtocolVersion: the client may see them
      continue;
    }
    const kind = message.body.readInt32BE(0);
    if (kind === 0) {
      if (scram && !scram.verified) throw new Error('Postgres ended SCRAM without proving itself');
      return { ok: message.raw };
    }
    if (kind === 3) {
      send(typedMessage('p', cstring(await password())));
    } else if (kind === 5) {
      const salt = message.body.subarray(4, 8);
      const inner = createHash('md5')
        .update(`${await password()}${user}`)
        .digest('hex');
      const outer = createHash('md5')
        .update(Buffer.concat([Buffer.from(inner), salt]))
        .digest('hex');
      send(typedMessage('p', cstring(`md5${outer}`)));
    } else if (kind === 10) {
      const mechanisms = message.body.subarray(4).toString('utf8').split('\0');
      if (!mechanisms.includes('SCRAM-SHA-256'))
        return { error: fatalError('28000', `neon-on-localhost: Postgres offers no SASL mechanism it supports (${mechanisms.filter(Boolean).join(', ')})`) };
      const clientNonce = randomBytes(18).toString('base64');
      scram = { clientNonce, clientFirstBare: `n=*,r=${clientNonce}` };
      const first = Buffer.from(`n,,${scram.clientFirstBare}`);
      send(typedMessage('p', Buffer.concat([cstring('SCRAM-SHA-256'), int32(first.length), first])));
    } else if (kind === 11 && scram) {
      const serverFirst = message.body.subarray(4).toString('utf8');
      const attrs = Object.fromEntries(serverFirst.split(',').map((pair) => [pair[0], pair.slice(2)]));
      const iterations = Number(attrs.i);
      if (!attrs.r?.startsWith(scram.clientNonce) || !attrs.s || !Number.isInteger(iterations) || iterations < 1) {
        throw new Error('Postgres sent an invalid SCRAM server-first-message');
      }
      const salted = await pbkdf2Async(await password(), Buffer.from(attrs.s, 'base64'), iterations);
      const clientKey = hmac(salted, 'Client Key');
      const storedKey = createHash('sha256').update(clientKey).digest();
      const withoutProof = `c=biws,r=${attrs.r}`;
      const authMessage = `${scram.clientFirstBare},${serverFirst},${withoutProof}`;
      const signature = hmac(storedKey, authMessage);
      const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]));
      scram.serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
      send(typedMessage('p', Buffer.from(`${withoutProof},p=${proof.toString('base64')}`)));
    } else if (kind === 12 && scram?.serverSignature) {
      const verifier = /(?:^|,)v=([^,]*)/.exec(message.body.subarray(4).toString('utf8'))?.[1] ?? '';
      const claimed = Buffer.from(verifier, 'base64');
      if (claimed.length !== scram.serverSignature.length || !timingSafeEqual(claimed, scram.serverSignature)) {
        throw new Error('Postgres sent a wrong SCRAM server signature');
      }
      scram.verified = true;
    } else {
      return { error: fatalError('28000', `neon-on-localhost: Postgres asked for an authentication method it does not support (${kind})`) };
    }
  }
}
