// `npm start` in a generated project, as a user runs it in a terminal: its
// own process group, Ctrl-C (SIGINT) to stop, and nothing may survive.

import { spawn } from 'node:child_process';
import http from 'node:http';
import { cleanEnv } from './cli.ts';
import { freePort } from './postgres.ts';

export interface DevServer {
  readonly base: string;
  /** The `npm` process; its process group holds everything `npm start` started. */
  readonly pid: number;
  output(): string;
  /** Waits, sending nothing, until npm has exited and no process of the group is left; false if some survived 15 s. */
  gone(): Promise<boolean>;
  /** Ctrl-C, then waits until no process of the group is left; false if some survived 15 s. */
  stop(): Promise<boolean>;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * `npm start -- --port <free> --ip 127.0.0.1`, ready once `readyPath` answers;
 * with `defaultPort`, plain `npm start` (no PORT either), its address read from its "Ready on" line.
 */
export async function startDevServer(
  project: string,
  readyPath: string,
  env: NodeJS.ProcessEnv = cleanEnv(),
  options: { defaultPort?: boolean } = {},
): Promise<DevServer> {
  try {
    return await startOnce(project, readyPath, env, options);
  } catch (err) {
    // A port is found free, then bound a moment later (ours, and those wrangler picks for itself): with
    // files running in parallel another process may take it first. Once more, on new ports.
    if (!/Address already in use|EADDRINUSE/.test((err as Error).message)) throw err;
    return startOnce(project, readyPath, env, options);
  }
}

async function startOnce(project: string, readyPath: string, env: NodeJS.ProcessEnv, { defaultPort = false }: { defaultPort?: boolean }): Promise<DevServer> {
  const port = await freePort();
  if (defaultPort) env = Object.fromEntries(Object.entries(env).filter(([key]) => key !== 'PORT'));
  const dev = spawn('npm', defaultPort ? ['start'] : ['start', '--', '--port', String(port), '--ip', '127.0.0.1'], {
    cwd: project,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  dev.stdout.on('data', (c: Buffer) => (output += c));
  dev.stderr.on('data', (c: Buffer) => (output += c));
  const exited = new Promise<void>((resolve) => dev.once('exit', () => resolve()));
  let base = `http://127.0.0.1:${port}`;
  const gone = async () => {
    const deadline = Date.now() + 15_000;
    while (dev.exitCode === null && dev.signalCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    while (groupAlive(dev.pid!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    return !groupAlive(dev.pid!);
  };
  const server: DevServer = {
    get base() {
      return base;
    },
    pid: dev.pid!,
    output: () => output,
    gone,
    async stop() {
      if (dev.exitCode === null) process.kill(-dev.pid!, 'SIGINT');
      await exited;
      return gone();
    },
  };
  const deadline = Date.now() + 60_000;
  const announced = () => (defaultPort ? /Ready on (http:\/\/[^\s]+)/.exec(output)?.[1] : base);
  for (;;) {
    const url = announced();
    if (
      url &&
      (await fetch(`${url}${readyPath}`).then(
        (r) => r.status < 500,
        () => false,
      ))
    ) {
      base = url.replace(/\/$/, '');
      break;
    }
    if (Date.now() > deadline || dev.exitCode !== null) {
      await server.stop();
      throw new Error(`npm start did not come up:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return server;
}

export interface Answer {
  status: number;
  message?: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request to `base` + `path` with exactly these headers (Host included, which fetch cannot set), as a browser's page would send it. */
export function requestWith(
  base: string,
  path: string,
  headers: Record<string, string>,
  { method = 'GET', body }: { method?: string; body?: string } = {},
): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, message: res.statusMessage, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
