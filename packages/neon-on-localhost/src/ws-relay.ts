// The WebSocket half of the proxy: like Neon's open-source wsproxy, each
// WebSocket carries one Postgres connection, its binary messages are the raw
// bytes of the Postgres wire protocol, relayed to and from a TCP socket. Like
// Neon's proxy, it first authenticates the session itself (auth.ts): the
// driver hands over the password, the proxy answers Postgres' SCRAM. Sessions
// are capped; past the cap they wait for a slot (if allowed to) or get a 503.

import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  AUTH_CLEARTEXT_REQUEST,
  authenticateToPostgres,
  CANCEL_REQUEST,
  fatalError,
  GSSENC_REQUEST,
  MessageQueue,
  passwordOf,
  PROTOCOL_3,
  ProtocolError,
  SSL_REQUEST,
  startupParameters,
} from './auth.ts';
import type { SessionSlots } from './sessions.ts';
import type { ProxyStats } from './stats.ts';
import { splitAddress, type TargetPolicy } from './targets.ts';

// Neon's wsproxy forwards TCP reads in frames of at most 32 KiB.
const MAX_FRAME = 32 * 1024;
// Past this much unsent data towards the driver, stop reading from Postgres until it drains.
const HIGH_WATER = 1024 * 1024;
// After the WebSocket closes, how long Postgres gets to close its end before the socket is cut.
const TCP_LINGER_MS = 5_000;
// A client has this long to get through authentication.
const AUTH_TIMEOUT_MS = 30_000;

/** Postgres turned the client down (its ErrorResponse has been passed on). */
class Refused extends Error {}

export interface RelayOptions {
  policy: TargetPolicy;
  stats: ProxyStats;
  /** The session cap, shared with /sql's pools; its queueTimeoutMs is how long a session past it may wait. */
  slots: SessionSlots;
  /** Sockets of live sessions, so close() can end them. */
  sockets: Set<net.Socket>;
}

interface Waiter {
  socket: Duplex;
  cancel: () => boolean;
}

function refuse(socket: Duplex, status: number, reason: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function createWebSocketRelay(options: RelayOptions) {
  const { policy, stats, slots } = options;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });

  /**
   * One session: authenticate the driver like Neon's proxy (see auth.ts),
   * then relay bytes both ways. `release` gives the session's slot back; it
   * runs once, when both the WebSocket and the TCP socket are closed.
   */
  function relay(ws: WebSocket, host: string, port: number, release: () => void): void {
    stats.wsConnections++;
    let lastDirection: 'in' | 'out' = 'out';
    let phase: 'auth' | 'relay' = 'auth';
    // Postgres is only dialled once the client has sent a valid startup message.
    let tcp: net.Socket | undefined;
    let tcpError: NodeJS.ErrnoException | undefined;
    let wsClosed = false;
    let tcpClosed = true;
    let lingerTimer: NodeJS.Timeout | undefined;
    const fromClient = new MessageQueue();
    const fromServer = new MessageQueue();

    const settle = () => {
      if (!wsClosed || !tcpClosed) return;
      clearTimeout(lingerTimer);
      if (tcp) options.sockets.delete(tcp);
      release();
    };

    const onSent = () => {
      if (tcp?.isPaused() && ws.bufferedAmount <= HIGH_WATER / 2) tcp.resume();
    };
    const toClient = (data: Buffer) => {
      if (ws.readyState !== ws.OPEN) return;
      if (lastDirection === 'in') stats.wsTurns++;
      lastDirection = 'out';
      for (let offset = 0; offset < data.length; offset += MAX_FRAME) {
        stats.wsMessagesOut++;
        ws.send(data.subarray(offset, offset + MAX_FRAME), { binary: true }, onSent);
      }
      // A driver that reads slower than Postgres writes: hold Postgres back instead of buffering without bound.
      if (ws.bufferedAmount > HIGH_WATER) tcp?.pause();
    };
    const toServer = (data: Buffer) => {
      if (!tcp || tcp.destroyed) return;
      if (!tcp.write(data)) {
        ws.pause();
        tcp.once('drain', () => ws.resume());
      }
    };
    const closeClient = (code: number, reason = '') => {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
    };

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        // The Postgres protocol is binary; a text frame is not from a driver.
        stats.refused++;
        closeClient(1003, 'binary frames only');
        return;
      }
      stats.wsMessagesIn++;
      lastDirection = 'in';
      const chunks = Array.isArray(data) ? data : [Buffer.from(data as ArrayBuffer)];
      for (const chunk of chunks) {
        if (phase === 'relay') toServer(chunk);
        else fromClient.push(chunk);
      }
    });
    ws.on('close', () => {
      wsClosed = true;
      fromClient.end(new Error('the client went away'));
      if (tcp && !tcpClosed) {
        // Let queued bytes (the driver's Terminate) reach Postgres, but never wait forever.
        tcp.end();
        lingerTimer = setTimeout(() => tcp?.destroy(), TCP_LINGER_MS);
        lingerTimer.unref();
      }
      settle();
    });
    ws.on('error', () => tcp?.destroy());

    function connectToPostgres(): net.Socket {
      const socket = net.connect({ host, port });
      socket.setNoDelay(true);
      options.sockets.add(socket);
      tcpClosed = false;
      let connected = false;
      socket.once('connect', () => (connected = true));
      // Writes issued before the connection completes are queued by Node.
      socket.on('data', (data: Buffer) => (phase === 'relay' ? toClient(data) : fromServer.push(data)));
      socket.on('error', (err: NodeJS.ErrnoException) => {
        tcpError = err;
        // The database went away or refused us: the client sees the close.
        if (phase === 'relay') closeClient(1011, 'database connection failed');
      });
      socket.on('close', () => {
        tcpClosed = true;
        const why = tcpError ? ` (${tcpError.code ?? tcpError.message})` : '';
        fromServer.end(new Error(connected ? `the database closed the connection${why}` : `could not connect to the database${why}`));
        if (phase === 'relay') closeClient(1000);
        settle();
      });
      return socket;
    }

    async function authenticate(): Promise<void> {
      let startup: { code: number; raw: Buffer };
      for (;;) {
        startup = await fromClient.nextUntyped();
        if (startup.code === SSL_REQUEST || startup.code === GSSENC_REQUEST) {
          toClient(Buffer.from('N')); // plain connection, as over Neon's WebSocket
          continue;
        }
        if (startup.code === CANCEL_REQUEST) {
          // No authentication for a cancel: Postgres checks the key, then hangs up.
          phase = 'relay';
          tcp = connectToPostgres();
          tcp.write(startup.raw);
          return;
        }
        if (startup.code >> 16 !== PROTOCOL_3) throw new ProtocolError('unsupported frontend protocol');
        break;
      }
      tcp = connectToPostgres();
      const socket = tcp;
      socket.write(startup.raw);
      toClient(AUTH_CLEARTEXT_REQUEST);
      let password: Promise<string> | undefined;
      const readPassword = () =>
        (password ??= fromClient.nextTyped().then((message) => {
          if (message.type !== 'p') throw new ProtocolError('expected the password');
          return passwordOf(message.body);
        }));
      const user = startupParameters(startup.raw).user ?? '';
      const result = await authenticateToPostgres(fromServer, (m) => socket.write(m), user, readPassword, toClient);
      if ('error' in result) {
        toClient(result.error);
        throw new Refused();
      }
      await readPassword(); // asked for it: consumed, even when Postgres did not need it
      // From here on bytes flow through untouched: first what is already here, in order.
      phase = 'relay';
      toClient(result.ok);
      const serverRest = fromServer.takeRest();
      if (serverRest.length) toClient(serverRest);
      const clientRest = fromClient.takeRest();
      if (clientRest.length) toServer(clientRest);
    }

    const authTimer = setTimeout(() => {
      fromClient.end(new ProtocolError('authentication timed out'));
      fromServer.end(new Error('authentication timed out'));
    }, AUTH_TIMEOUT_MS);
    authTimer.unref();
    authenticate().then(
      () => {
        clearTimeout(authTimer);
        if (tcpClosed) closeClient(1000); // Postgres hung up while we were switching over
      },
      (err: unknown) => {
        clearTimeout(authTimer);
        if (err instanceof ProtocolError) {
          stats.refused++;
          closeClient(1002, err.message);
        } else if (!(err instanceof Refused) && !wsClosed) {
          // Postgres could not be reached, or broke the protocol: say so the way Postgres would.
          toClient(fatalError('08006', `neon-local: ${err instanceof Error ? err.message : String(err)} (${host}:${port})`));
        }
        closeClient(1000);
        tcp?.destroy();
      },
    );
  }

  /** Sessions waiting for a slot (the order is kept by `slots`). */
  const waiting = new Set<Waiter>();

  /** Handles an HTTP upgrade on /v1 or /v2; refuses disallowed targets before upgrading. */
  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/v1' && url.pathname !== '/v2') {
      stats.refused++;
      return refuse(socket, 404, 'Not Found', 'unknown path: WebSocket connections go to /v1?address=host:port');
    }
    // The session goes to the canonical address the policy checked, never to the spelling the client sent.
    const address = splitAddress(url.searchParams.get('address') ?? '');
    const target = address && policy.resolve(address.host, address.port);
    if (!target) {
      stats.refused++;
      return refuse(socket, 400, 'Bad Request', 'proxying to specified address not allowed');
    }
    // Past the cap, wait for a slot like a connection pooler would, rather than fail a burst outright.
    let waiter: Waiter | undefined;
    const leave = () => {
      if (waiter && waiting.delete(waiter)) stats.wsQueued--;
    };
    const { queued, cancel } = slots.request({
      granted: () => {
        leave();
        if (socket.destroyed) slots.give();
        else admit(req, socket, head, target);
      },
      refused: (waitedMs) => {
        leave();
        refuseOverCap(socket, waitedMs);
      },
    });
    if (!queued) return;
    waiter = { socket, cancel };
    waiting.add(waiter);
    stats.wsQueued++;
    socket.once('close', () => {
      if (cancel()) leave();
    });
  }

  function refuseOverCap(socket: Duplex, waitedMs = 0): void {
    stats.refused++;
    refuse(
      socket,
      503,
      'Service Unavailable',
      `neon-local: too many open database sessions (limit ${slots.max}${waitedMs ? `, none came free within ${waitedMs} ms` : ''}): ` +
        'end() idle Clients and Pools, or raise the limit (NEON_LOCAL_MAX_CONNECTIONS, or --max-connections)',
    );
  }

  function admit(req: IncomingMessage, socket: Duplex, head: Buffer, target: { host: string; port: number }): void {
    // The slot was taken before the handshake completes, so a burst cannot overshoot the cap;
    // it is given back once, when the handshake fails or the session has fully closed.
    stats.wsOpen++;
    let state: 'upgrading' | 'open' | 'done' = 'upgrading';
    const giveBack = () => {
      if (state === 'done') return;
      state = 'done';
      stats.wsOpen--;
      slots.give();
    };
    // A handshake the client abandons (or ws rejects) never reaches the callback.
    socket.once('close', () => {
      if (state === 'upgrading') giveBack();
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (state !== 'upgrading') return void ws.terminate();
      state = 'open';
      relay(ws, target.host, target.port, giveBack);
    });
    // The client may have gone before we got here: then ws destroys the socket
    // without calling back, and its 'close' may already have been emitted.
    if (state === 'upgrading' && socket.destroyed) giveBack();
  }

  /** Ends every session now: the waiting, the authenticating and the open ones. */
  function close(): void {
    for (const waiter of [...waiting]) {
      if (waiter.cancel() && waiting.delete(waiter)) stats.wsQueued--;
      waiter.socket.destroy();
    }
    for (const ws of wss.clients) ws.terminate();
    for (const socket of options.sockets) socket.destroy();
  }

  return { handleUpgrade, close };
}
