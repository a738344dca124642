// The WebSocket half of the proxy: like Neon's open-source wsproxy, each
// WebSocket carries one Postgres connection, its binary messages are the raw
// bytes of the Postgres wire protocol, relayed to and from a TCP socket.

import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { ProxyStats } from './stats.ts';
import { splitAddress, type TargetPolicy } from './targets.ts';

// Neon's wsproxy forwards TCP reads in frames of at most 32 KiB.
const MAX_FRAME = 32 * 1024;

export interface RelayOptions {
  policy: TargetPolicy;
  stats: ProxyStats;
  maxConnections: number;
  /** Sockets of live sessions, so close() can end them. */
  sockets: Set<net.Socket>;
}

function refuse(socket: Duplex, status: number, reason: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function createWebSocketRelay(options: RelayOptions) {
  const { policy, stats } = options;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });

  function relay(ws: WebSocket, host: string, port: number): void {
    stats.wsConnections++;
    stats.wsOpen++;
    let lastDirection: 'in' | 'out' = 'out';
    const tcp = net.connect({ host, port });
    tcp.setNoDelay(true);
    options.sockets.add(tcp);

    // Writes issued before the TCP connection completes are queued by Node,
    // so the driver may pipeline its startup message straight away.
    ws.on('message', (data: RawData) => {
      stats.wsMessagesIn++;
      lastDirection = 'in';
      const chunks = Array.isArray(data) ? data : [Buffer.from(data as ArrayBuffer)];
      for (const chunk of chunks) tcp.write(chunk);
    });
    tcp.on('data', (data: Buffer) => {
      if (lastDirection === 'in') stats.wsTurns++;
      lastDirection = 'out';
      for (let offset = 0; offset < data.length; offset += MAX_FRAME) {
        stats.wsMessagesOut++;
        ws.send(data.subarray(offset, offset + MAX_FRAME), { binary: true });
      }
    });

    let closed = false;
    const finish = () => {
      if (closed) return;
      closed = true;
      stats.wsOpen--;
      options.sockets.delete(tcp);
    };
    tcp.on('close', () => {
      finish();
      if (ws.readyState === ws.OPEN) ws.close(1000);
    });
    tcp.on('error', () => {
      // The database went away or refused us: the client sees the close.
      if (ws.readyState === ws.OPEN) ws.close(1011, 'database connection failed');
    });
    ws.on('close', () => {
      finish();
      tcp.end();
    });
    ws.on('error', () => tcp.destroy());
  }

  /** Handles an HTTP upgrade on /v1 or /v2; refuses disallowed targets before upgrading. */
  return function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/v1' && url.pathname !== '/v2') {
      stats.refused++;
      return refuse(socket, 404, 'Not Found', 'unknown path: WebSocket connections go to /v1?address=host:port');
    }
    const target = splitAddress(url.searchParams.get('address') ?? '');
    if (!target || !policy.allows(target.host, target.port)) {
      stats.refused++;
      return refuse(socket, 400, 'Bad Request', 'proxying to specified address not allowed');
    }
    if (stats.wsOpen >= options.maxConnections) {
      stats.refused++;
      return refuse(socket, 503, 'Service Unavailable', `too many connections (limit ${options.maxConnections})`);
    }
    wss.handleUpgrade(req, socket, head, (ws) => relay(ws, target.host, target.port));
  };
}
