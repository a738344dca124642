// One WebSocket session: like Neon's wsproxy, the WebSocket carries one
// Postgres connection and its binary messages are the raw bytes of the wire
// protocol. Like Neon's proxy, the session first authenticates the driver
// itself (auth.ts): the driver hands over the password, the session answers
// Postgres' SCRAM. Then bytes flow both ways untouched.
//
//   auth   client bytes queue in fromClient, Postgres' in fromServer, for auth.ts
//   relay  client bytes go straight to Postgres, Postgres' straight to the client
//
// The session is over once both the WebSocket and the TCP socket have closed;
// then `release` runs, once.

import net from 'node:net';
import type { RawData, WebSocket } from 'ws';
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
import { DEFAULTS } from './defaults.ts';
import type { ProxyStats } from './stats.ts';
import type { WireObserver } from './wire-observer.ts';

/** Postgres turned the client down (its ErrorResponse has been passed on). */
class Refused extends Error {}

export interface Target {
  host: string;
  port: number;
}

export class RelaySession {
  private readonly ws: WebSocket;
  private readonly target: Target;
  private readonly stats: ProxyStats;
  private readonly release: () => void;
  /** Reads the statements off the bytes for the explorer (wire-observer.ts). */
  private readonly observer: WireObserver | undefined;

  private phase: 'auth' | 'relay' = 'auth';
  /** Postgres is only dialled once the client has sent a valid startup message. */
  private tcp: net.Socket | undefined;
  private tcpConnected = false;
  private tcpError: NodeJS.ErrnoException | undefined;
  private tcpClosed = true;
  private wsClosed = false;
  /** Which way bytes last went, to count request–response turns. */
  private lastDirection: 'in' | 'out' = 'out';
  private readonly fromClient = new MessageQueue();
  private readonly fromServer = new MessageQueue();
  private authTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(ws: WebSocket, target: Target, stats: ProxyStats, release: () => void, observer?: WireObserver) {
    this.ws = ws;
    this.target = target;
    this.stats = stats;
    this.release = release;
    this.observer = observer;
  }

  start(): void {
    this.stats.wsConnections++;
    this.ws.on('message', (data: RawData, isBinary: boolean) => this.onClientMessage(data, isBinary));
    this.ws.on('close', () => this.onClientClose());
    this.ws.on('error', () => this.tcp?.destroy());
    this.authTimer = setTimeout(() => this.authTimedOut(), DEFAULTS.authTimeoutMs);
    this.authTimer.unref();
    this.authenticate().then(
      () => this.authenticated(),
      (err: unknown) => this.authFailed(err),
    );
  }

  /** Ends the session now, both sides. */
  destroy(): void {
    this.ws.terminate();
    this.tcp?.destroy();
  }

  // --- the client's side ---

  private onClientMessage(data: RawData, isBinary: boolean): void {
    if (!isBinary) {
      // The Postgres protocol is binary; a text frame is not from a driver.
      this.stats.refused++;
      this.closeClient(1003, 'binary frames only');
      return;
    }
    this.stats.wsMessagesIn++;
    this.lastDirection = 'in';
    const chunks = Array.isArray(data) ? data : [Buffer.from(data as ArrayBuffer)];
    for (const chunk of chunks) {
      this.observer?.clientBytes(chunk);
      if (this.phase === 'relay') this.toServer(chunk);
      else this.fromClient.push(chunk);
    }
  }

  private onClientClose(): void {
    this.wsClosed = true;
    this.fromClient.end(new Error('the client went away'));
    if (this.tcp && !this.tcpClosed) {
      // Let queued bytes (the driver's Terminate) reach Postgres, but never wait forever.
      this.tcp.end();
      this.lingerTimer = setTimeout(() => this.tcp?.destroy(), DEFAULTS.tcpLingerMs);
      this.lingerTimer.unref();
    }
    this.settle();
  }

  /** Sends Postgres' bytes to the client in frames of at most 32 KiB, as Neon's wsproxy does. */
  private readonly toClient = (data: Buffer): void => {
    const { ws } = this;
    if (ws.readyState !== ws.OPEN) return;
    this.observer?.serverBytes(data);
    if (this.lastDirection === 'in') this.stats.wsTurns++;
    this.lastDirection = 'out';
    for (let offset = 0; offset < data.length; offset += DEFAULTS.maxFrameBytes) {
      this.stats.wsMessagesOut++;
      ws.send(data.subarray(offset, offset + DEFAULTS.maxFrameBytes), { binary: true }, this.onFrameSent);
    }
    // A driver that reads slower than Postgres writes: hold Postgres back instead of buffering without bound.
    if (ws.bufferedAmount > DEFAULTS.highWaterBytes) this.tcp?.pause();
  };

  private readonly onFrameSent = (): void => {
    if (this.tcp?.isPaused() && this.ws.bufferedAmount <= DEFAULTS.highWaterBytes / 2) this.tcp.resume();
  };

  private closeClient(code: number, reason = ''): void {
    const { ws } = this;
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
  }

  // --- Postgres' side ---

  private dialPostgres(): net.Socket {
    const socket = net.connect({ host: this.target.host, port: this.target.port });
    socket.setNoDelay(true);
    this.tcp = socket;
    this.tcpClosed = false;
    socket.once('connect', () => (this.tcpConnected = true));
    // Writes issued before the connection completes are queued by Node.
    socket.on('data', (data: Buffer) => (this.phase === 'relay' ? this.toClient(data) : this.fromServer.push(data)));
    socket.on('error', (err: NodeJS.ErrnoException) => this.onServerError(err));
    socket.on('close', () => this.onServerClose());
    return socket;
  }

  private onServerError(err: NodeJS.ErrnoException): void {
    this.tcpError = err;
    // The database went away or refused us: the client sees the close.
    if (this.phase === 'relay') this.closeClient(1011, 'database connection failed');
  }

  private onServerClose(): void {
    this.tcpClosed = true;
    const err = this.tcpError;
    const why = err ? ` (${err.code ?? err.message})` : '';
    this.fromServer.end(new Error(this.tcpConnected ? `the database closed the connection${why}` : `could not connect to the database${why}`));
    if (this.phase === 'relay') this.closeClient(1000);
    this.settle();
  }

  private toServer(data: Buffer): void {
    const { tcp, ws } = this;
    if (!tcp || tcp.destroyed) return;
    if (!tcp.write(data)) {
      ws.pause();
      tcp.once('drain', () => ws.resume());
    }
  }

  // --- authentication ---

  private async authenticate(): Promise<void> {
    const startup = await this.readStartup();
    if (startup.code === CANCEL_REQUEST) {
      // No authentication for a cancel: Postgres checks the key, then hangs up.
      this.phase = 'relay';
      this.dialPostgres().write(startup.raw);
      return;
    }
    const socket = this.dialPostgres();
    socket.write(startup.raw);
    this.toClient(AUTH_CLEARTEXT_REQUEST);
    let password: Promise<string> | undefined;
    const readPassword = () =>
      (password ??= this.fromClient.nextTyped().then((message) => {
        if (message.type !== 'p') throw new ProtocolError('expected the password');
        return passwordOf(message.body);
      }));
    const user = startupParameters(startup.raw).user ?? '';
    const result = await authenticateToPostgres(this.fromServer, (m) => socket.write(m), user, readPassword, this.toClient);
    if ('error' in result) {
      this.toClient(result.error);
      throw new Refused();
    }
    await readPassword(); // asked for it: consumed, even when Postgres did not need it
    this.switchToRelay(result.ok);
  }

  /** The client's startup message (or cancel request), after declining TLS and GSS encryption. */
  private async readStartup(): Promise<{ code: number; raw: Buffer }> {
    for (;;) {
      const startup = await this.fromClient.nextUntyped();
      if (startup.code === SSL_REQUEST || startup.code === GSSENC_REQUEST) {
        this.toClient(Buffer.from('N')); // plain connection, as over Neon's WebSocket
        continue;
      }
      if (startup.code !== CANCEL_REQUEST && startup.code >> 16 !== PROTOCOL_3) {
        throw new ProtocolError('unsupported frontend protocol');
      }
      return startup;
    }
  }

  /** From here on bytes flow through untouched: first what is already here, in order. */
  private switchToRelay(authenticationOk: Buffer): void {
    this.phase = 'relay';
    this.toClient(authenticationOk);
    const serverRest = this.fromServer.takeRest();
    if (serverRest.length) this.toClient(serverRest);
    const clientRest = this.fromClient.takeRest();
    if (clientRest.length) this.toServer(clientRest);
  }

  private authTimedOut(): void {
    this.fromClient.end(new ProtocolError('authentication timed out'));
    this.fromServer.end(new Error('authentication timed out'));
  }

  private authenticated(): void {
    clearTimeout(this.authTimer);
    if (this.tcpClosed) this.closeClient(1000); // Postgres hung up while we were switching over
  }

  private authFailed(err: unknown): void {
    clearTimeout(this.authTimer);
    if (err instanceof ProtocolError) {
      this.stats.refused++;
      this.closeClient(1002, err.message);
    } else if (!(err instanceof Refused) && !this.wsClosed) {
      // Postgres could not be reached, or broke the protocol: say so the way Postgres would.
      const { host, port } = this.target;
      this.toClient(fatalError('08006', `neon-on-localhost: ${err instanceof Error ? err.message : String(err)} (${host}:${port})`));
    }
    this.closeClient(1000);
    this.tcp?.destroy();
  }

  // --- the end ---

  /** Once both sides are closed: no more timers, and the slot goes back. */
  private settle(): void {
    if (!this.wsClosed || !this.tcpClosed) return;
    clearTimeout(this.lingerTimer);
    this.observer?.closed();
    this.release();
  }
}
