// Emulated distance: a TCP front that makes every round trip through it cost
// `rttMs`, so code run locally feels what it would from an edge location far
// from its database. On loopback a round trip is free, which hides what
// pipelining, pooling and caching are for.
//
// Each chunk is held for half the round trip in its direction. The kernel
// completes a TCP handshake before anyone sees it, so the handshake's round
// trip is charged to the first bytes the client sends: as over a real
// network, nothing the client writes reaches the server before
// accept + RTT (SYN, SYN-ACK, then the data) + RTT/2. A WebSocket upgrade, an
// HTTP request and every Postgres exchange then pay one round trip each.
//
//   NEON_LOCALHOST_RTT_MS=50 npm start      (or `neon-on-localhost serve --rtt-ms 50`)

import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** Past this many bytes held in one direction, stop reading that side until they are delivered. */
const HIGH_WATER_BYTES = 1024 * 1024;

/** The largest round trip accepted: a minute is already far beyond any real network. */
export const MAX_RTT_MS = 60_000;

export interface LatencyFront {
  /** `127.0.0.1:PORT`: connect here instead of the target. */
  readonly address: string;
  readonly port: number;
  readonly rttMs: number;
  close(): Promise<void>;
}

export interface LatencyFrontOptions {
  /** Where to forward, `host:port` or a port on 127.0.0.1. */
  target: { host: string; port: number };
  /** The round-trip time to emulate, in milliseconds (> 0). */
  rttMs: number;
  /** Port to listen on (default 0: a free one). */
  port?: number;
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string;
}

/**
 * Reads the emulated round trip from NEON_LOCALHOST_RTT_MS (or `flag`, which
 * wins): 0 or unset means none. Throws one line naming the setting on bad input.
 */
export function rttFromEnv(env: NodeJS.ProcessEnv = process.env, flag?: string): number {
  const raw = flag ?? env.NEON_LOCALHOST_RTT_MS;
  if (raw === undefined || raw.trim() === '') return 0;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > MAX_RTT_MS) {
    const name = flag === undefined ? 'NEON_LOCALHOST_RTT_MS' : '--rtt-ms';
    throw new Error(`neon-on-localhost: ${name} must be a round-trip time in milliseconds from 0 to ${MAX_RTT_MS}, not "${raw}"`);
  }
  return value;
}

/**
 * One direction of one connection: chunks are written to `to` in order, each
 * no earlier than `notBefore(chunk arrival)`, and `end` follows the last one.
 */
class DelayedPipe {
  private readonly queue: { at: number; chunk: Buffer }[] = [];
  private queuedBytes = 0;
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private ending = false;
  private readonly from: net.Socket;
  private readonly to: net.Socket;
  private readonly deliverAt: (now: number) => number;

  constructor(from: net.Socket, to: net.Socket, deliverAt: (now: number) => number) {
    this.from = from;
    this.to = to;
    this.deliverAt = deliverAt;
    from.on('data', (chunk: Buffer) => this.push(chunk));
    from.on('end', () => {
      this.ending = true;
      this.schedule();
    });
    // Whoever is slow to read on the far side slows this side down, as TCP would.
    to.on('drain', () => this.maybeResume());
  }

  private push(chunk: Buffer): void {
    // Never earlier than the chunk before: bytes keep their order.
    this.lastAt = Math.max(this.lastAt, this.deliverAt(performance.now()));
    this.queue.push({ at: this.lastAt, chunk });
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > HIGH_WATER_BYTES) this.from.pause();
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    const head = this.queue[0];
    if (!head) {
      if (this.ending && !this.to.destroyed) this.to.end();
      return;
    }
    this.timer = setTimeout(() => this.flush(), Math.max(0, head.at - performance.now()));
  }

  private flush(): void {
    this.timer = undefined;
    const now = performance.now();
    // setTimeout may fire up to a millisecond early by performance.now()'s clock: allow for it.
    while (this.queue.length > 0 && this.queue[0].at <= now + 1) {
      const { chunk } = this.queue.shift()!;
      this.queuedBytes -= chunk.length;
      if (!this.to.destroyed) this.to.write(chunk);
    }
    this.maybeResume();
    this.schedule();
  }

  private maybeResume(): void {
    if (this.queuedBytes <= HIGH_WATER_BYTES && !this.to.writableNeedDrain && this.from.isPaused()) this.from.resume();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

/** Starts a front on loopback that forwards to `target`, each round trip costing `rttMs`. */
export async function startLatencyFront(options: LatencyFrontOptions): Promise<LatencyFront> {
  const { target, rttMs } = options;
  if (!Number.isFinite(rttMs) || rttMs <= 0 || rttMs > MAX_RTT_MS) {
    throw new Error(`neon-on-localhost: the emulated round trip must be more than 0 and at most ${MAX_RTT_MS} ms, not ${rttMs}`);
  }
  const host = options.host ?? '127.0.0.1';
  if (!/^(127(\.\d{1,3}){3}|::1)$/.test(host)) {
    throw new Error(`neon-on-localhost: refusing to listen on ${host}; it binds to loopback addresses only`);
  }
  const half = rttMs / 2;
  const open = new Set<net.Socket>();

  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (client) => {
    const accepted = performance.now();
    const upstream = net.connect({ host: target.host, port: target.port, noDelay: true, allowHalfOpen: true });
    open.add(client);
    open.add(upstream);
    const toServer = new DelayedPipe(client, upstream, (now) => Math.max(now + half, accepted + rttMs + half));
    const toClient = new DelayedPipe(upstream, client, (now) => now + half);
    const teardown = () => {
      toServer.stop();
      toClient.stop();
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    // A reset on either side resets the other at once; orderly ends travel with the delay (DelayedPipe).
    client.on('error', teardown);
    upstream.on('error', teardown);
    // Once one side has closed, the other gets long enough for the bytes in flight, then is cut.
    const closed = () => {
      if (client.destroyed && upstream.destroyed) teardown();
      else setTimeout(teardown, 2 * rttMs + 1_000).unref();
    };
    client.on('close', closed);
    upstream.on('close', closed);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    rttMs,
    close() {
      for (const socket of open) socket.destroy();
      open.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
