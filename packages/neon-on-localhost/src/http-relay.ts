// Passes HTTP requests and WebSocket upgrades on to a server on this machine,
// unchanged (the Host header included, so the server builds the same URLs),
// streaming both ways. The front of `run wrangler dev` (wrangler-front.ts)
// puts it behind the Host/Origin guard of dev-server.ts.

import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';

/** Headers about one connection, not the message (RFC 9110, 7.6.1): each hop sets its own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/** `rawHeaders` without the hop-by-hop ones, in the same flat [name, value, …] form. */
function endToEnd(raw: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (!HOP_BY_HOP.has(raw[i].toLowerCase())) kept.push(raw[i], raw[i + 1]);
  return kept;
}

export interface HttpRelay {
  request: http.RequestListener;
  upgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
  close(): void;
}

export function createHttpRelay(target: { host: string; port: number }, name: string): HttpRelay {
  const agent = new http.Agent({ keepAlive: true });

  function request(req: http.IncomingMessage, res: http.ServerResponse): void {
    const upstream = http.request(
      { host: target.host, port: target.port, method: req.method, path: req.url, headers: endToEnd(req.rawHeaders), setHost: false, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.rawHeaders));
        answer.pipe(res);
      },
    );
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify({ error: `${name} did not answer (${err.code ?? err.message}): is it still starting, or did it stop?` }));
    });
    // The client gone before the answer ended (a closed tab, an event stream): so is the request.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  function upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const upstream = net.connect(target.port, target.host);
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) upstream.write(head);
    // From here on, bytes both ways (the server's 101 or refusal, then the frames).
    upstream.pipe(socket).pipe(upstream);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
  }

  return { request, upgrade, close: () => agent.destroy() };
}
