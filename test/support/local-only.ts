// What a generated project's `npm start` must do for a web page the developer
// visits: refuse it. A DNS-rebinding page reaches 127.0.0.1 under its own name
// (Host: evil.example:PORT); any page can send its Origin. Shared by the
// end-to-end files of the templates whose `npm start` serves on port 3000.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { expect } from 'vitest';
import { cleanEnv } from './cli.ts';
import { requestWith, startDevServer } from './dev-server.ts';

/** `route` answers 200 to this machine and 403 without its data to a foreign Host or Origin, and the refusal is logged. */
export async function expectLocalOnly(project: string, route: string, readyPath: string): Promise<void> {
  const dev = await startDevServer(project, readyPath);
  try {
    const { port } = new URL(dev.base);
    const local = await requestWith(dev.base, route, { Host: `localhost:${port}`, Origin: 'http://localhost:5173' });
    expect(local.status, local.body).toBe(200);
    const foreign: Record<string, string>[] = [{ Host: `evil.example:${port}` }, { Host: `127.0.0.1:${port}`, Origin: 'https://evil.example' }];
    for (const headers of foreign) {
      const refused = await requestWith(dev.base, route, headers);
      expect(refused.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.parse(refused.body)).toEqual({ error: expect.stringMatching(/^neon-on-localhost: refused (Host|Origin)/) });
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    }
  } finally {
    expect(await dev.stop()).toBe(true);
  }
  expect(dev.output()).toMatch(new RegExp(`GET ${route.replace(/[/?]/g, '\\$&')} 403 Forbidden \\(\\d+ms\\): neon-on-localhost: refused Host "evil\\.example`));
}

/**
 * Port 3000, held here. Another file's test may hold it for a few seconds and then let it go, so
 * it is tried again until it is ours; after a minute it is taken for good by something else.
 */
async function hold3000(): Promise<net.Server | undefined> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const blocker = net.createServer();
    const held = await new Promise<boolean>((resolve) => blocker.once('error', () => resolve(false)).listen(3000, '127.0.0.1', () => resolve(true)));
    if (held) return blocker;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** With port 3000 taken, plain `npm start` takes a free one and says so, without a stack. */
export async function expectFreePortWhenTaken(project: string, readyPath: string): Promise<void> {
  const blocker = await hold3000();
  try {
    const dev = await startDevServer(project, readyPath, cleanEnv(), { defaultPort: true });
    try {
      expect(new URL(dev.base).port).not.toBe('3000');
      expect(dev.output()).toContain(`port 3000 is in use, so npm start took ${new URL(dev.base).port} instead (--port or PORT chooses one)`);
      expect(dev.output()).not.toMatch(/EADDRINUSE|\n\s+at /);
    } finally {
      expect(await dev.stop()).toBe(true);
    }
  } finally {
    blocker?.close();
  }
}

type Listener = { pgid: number; cwd: string; ports: number[] };

/** Every process listening on TCP here, with its ports, process group and working directory (from /proc). */
function listeners(): Listener[] {
  const byInode = new Map<string, number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A') byInode.set(f[9], parseInt(f[1].split(':').pop()!, 16)); // 0A: LISTEN
    }
  }
  const found: Listener[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let pgid: number;
    let fds: string[];
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]); // field 5: the process group
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone meanwhile
    }
    const ports = fds.flatMap((fd) => {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkOr(`/proc/${pid}/fd/${fd}`))?.[1];
      const port = inode && byInode.get(inode);
      return port ? [port] : [];
    });
    if (ports.length) found.push({ pgid, cwd: readlinkOr(`/proc/${pid}/cwd`), ports });
  }
  return found;
}

/** The ports the listeners that `holds` picks listen on, once each, in order. */
function portsOf(holds: (listener: Listener) => boolean): number[] {
  return [...new Set(listeners().flatMap((l) => (holds(l) ? l.ports : [])))].sort((a, b) => a - b);
}

/** The TCP ports listening on this machine that belong to a process of the group `pgid`. */
export function listeningPorts(pgid: number): number[] {
  return portsOf((l) => l.pgid === pgid);
}

/**
 * The TCP ports held by processes working in `dir` (a project): what its own processes listen on,
 * whatever their group, and not what another project's took meanwhile (4444 is every project's default).
 */
export function listeningFrom(dir: string): number[] {
  return portsOf(({ cwd }) => cwd === dir || cwd.startsWith(`${dir}/`));
}

function readlinkOr(file: string): string {
  try {
    return readlinkSync(file);
  } catch {
    return '';
  }
}

export interface PortProbe {
  port: number;
  /** What GET `dataPath` answered a page under a foreign Host and Origin: status and body, or undefined when it is not HTTP. */
  get?: { status: number; body: string };
  /** GET /json: a DevTools target list, when the port is an inspector. */
  targets?: { webSocketDebuggerUrl: string; title?: string }[];
  /** Whether a DevTools client under a foreign Host and Origin could attach (101 to the target's WebSocket). */
  attached?: boolean;
}

/** What a DNS-rebinding page (Host evil.example:PORT, Origin of that page) gets from `port`. */
export async function probeAsRebindingPage(port: number, dataPath: string): Promise<PortProbe> {
  const base = `http://127.0.0.1:${port}`;
  const foreign = { Host: `evil.example:${port}`, Origin: `http://evil.example:${port}` };
  const probe: PortProbe = { port };
  const within = <T>(p: Promise<T>) => Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), 3_000))]);
  probe.get = await within(requestWith(base, dataPath, foreign).catch(() => undefined));
  if (!probe.get) return probe; // not HTTP (a database's wire protocol, workerd's internal sockets)
  const list = await within(requestWith(base, '/json', foreign).catch(() => undefined));
  try {
    const parsed = JSON.parse(list?.body ?? '') as unknown;
    if (Array.isArray(parsed) && parsed.every((t) => typeof t?.webSocketDebuggerUrl === 'string')) probe.targets = parsed;
  } catch {
    // not a JSON list: no debugger targets
  }
  if (probe.targets?.length) {
    const target = new URL(probe.targets[0].webSocketDebuggerUrl).pathname;
    probe.attached = (await within(upgradeStatus(port, target, foreign).then((status) => status === 101))) ?? false;
  }
  return probe;
}

function upgradeStatus(port: number, pathname: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: pathname,
      agent: false,
      headers: { ...headers, Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
