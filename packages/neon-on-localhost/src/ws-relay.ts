// The WebSocket half of the proxy: takes upgrades on /v1 (and /v2), checks
// the target, admits each through the session cap it shares with /sql
// (sessions.ts: past the cap a session waits for a slot, if allowed to, or
// gets a 503), and hands the socket to a RelaySession (relay-session.ts).

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { DEFAULTS } from './defaults.ts';
import { RelaySession, type Target } from './relay-session.ts';
import type { SessionSlots } from './sessions.ts';
import type { QueryLog } from './query-log.ts';
import type { ProxyStats } from './stats.ts';
import { splitAddress, type TargetPolicy } from './targets.ts';
import { WireObserver } from './wire-observer.ts';

export interface RelayOptions {
  policy: TargetPolicy;
  stats: ProxyStats;
  /** The session cap, shared with /sql's pools; its queueTimeoutMs is how long a session past it may wait. */
  slots: SessionSlots;
  /** Where each session's statements are reported (the explorer). */
  log?: QueryLog;
}

/** An upgrade waiting for a slot. */
interface Waiter {
  socket: Duplex;
  cancel: () => boolean;
}

/** Answers an upgrade request with a plain HTTP error and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, body: string, contentType = 'text/plain'): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export class WebSocketRelay {
  private readonly policy: TargetPolicy;
  private readonly stats: ProxyStats;
  private readonly slots: SessionSlots;
  private readonly log: QueryLog | undefined;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: DEFAULTS.maxPayloadBytes });
  /** Upgrades waiting for a slot (their order is kept by `slots`). */
  private readonly waiting = new Set<Waiter>();
  /** Sessions not yet over (authenticating, open, or lingering), so close() can end them. */
  private readonly sessions = new Set<RelaySession>();

  constructor(options: RelayOptions) {
    this.policy = options.policy;
    this.stats = options.stats;
    this.slots = options.slots;
    this.log = options.log;
  }

  /** Handles an HTTP upgrade on /v1 or /v2; refuses disallowed targets before upgrading. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/v1' && url.pathname !== '/v2') {
      this.stats.refused++;
      return refuseUpgrade(socket, 404, 'Not Found', 'unknown path: WebSocket connections go to /v1?address=host:port');
    }
    // The session goes to the canonical address the policy checked, never to the spelling the client sent.
    const address = splitAddress(url.searchParams.get('address') ?? '');
    const target = address && this.policy.resolve(address.host, address.port);
    if (!target) {
      this.stats.refused++;
      return refuseUpgrade(socket, 400, 'Bad Request', 'proxying to specified address not allowed');
    }
    this.requestSlot(req, socket, head, target);
  }

  /** Ends every session now: the waiting, the authenticating and the open ones. */
  close(): void {
    for (const waiter of [...this.waiting]) {
      if (waiter.cancel()) this.leaveQueue(waiter);
      waiter.socket.destroy();
    }
    for (const session of [...this.sessions]) session.destroy();
  }

  /** Past the cap, waits for a slot like a connection pooler would, rather than fail a burst outright. */
  private requestSlot(req: IncomingMessage, socket: Duplex, head: Buffer, target: Target): void {
    // eslint-disable-next-line prefer-const -- assigned once, below; the callbacks may run before that (inside request())
    let waiter: Waiter | undefined;
    const { queued, cancel } = this.slots.request({
      granted: () => {
        if (waiter) this.leaveQueue(waiter);
        if (socket.destroyed) this.slots.give();
        else this.admit(req, socket, head, target);
      },
      refused: (waitedMs) => {
        if (waiter) this.leaveQueue(waiter);
        this.refuseOverCap(socket, waitedMs);
      },
    });
    if (!queued) return;
    const queuedWaiter: Waiter = { socket, cancel };
    waiter = queuedWaiter;
    this.waiting.add(queuedWaiter);
    this.stats.wsQueued++;
    socket.once('close', () => {
      if (cancel()) this.leaveQueue(queuedWaiter);
    });
  }

  private leaveQueue(waiter: Waiter): void {
    if (this.waiting.delete(waiter)) this.stats.wsQueued--;
  }

  private refuseOverCap(socket: Duplex, waitedMs: number): void {
    this.stats.refused++;
    refuseUpgrade(
      socket,
      503,
      'Service Unavailable',
      `neon-on-localhost: too many open database sessions (limit ${this.slots.max}${waitedMs ? `, none came free within ${waitedMs} ms` : ''}): ` +
        'end() idle Clients and Pools, or raise the limit (NEON_LOCALHOST_MAX_CONNECTIONS, or --max-connections)',
    );
  }

  /** Completes the handshake on a granted slot and starts the session. */
  private admit(req: IncomingMessage, socket: Duplex, head: Buffer, target: Target): void {
    // The slot was taken before the handshake completes, so a burst cannot overshoot the cap;
    // it is given back once, when the handshake fails or the session has fully closed.
    this.stats.wsOpen++;
    let state: 'upgrading' | 'open' | 'done' = 'upgrading';
    const giveBack = () => {
      if (state === 'done') return;
      state = 'done';
      this.stats.wsOpen--;
      this.slots.give();
    };
    // A handshake the client abandons (or ws rejects) never reaches the callback.
    socket.once('close', () => {
      if (state === 'upgrading') giveBack();
    });
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (state !== 'upgrading') return void ws.terminate();
      state = 'open';
      const observer = this.log && new WireObserver(this.log.openGroup('websocket'), this.log.showValues);
      const session = new RelaySession(
        ws,
        target,
        this.stats,
        () => {
          this.sessions.delete(session);
          giveBack();
        },
        observer,
      );
      this.sessions.add(session);
      session.start();
    });
    // The client may have gone before we got here: then ws destroys the socket
    // without calling back, and its 'close' may already have been emitted.
    if (state === 'upgrading' && socket.destroyed) giveBack();
  }
}
