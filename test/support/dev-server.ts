// `npm start` in a generated project, as a user runs it in a terminal: its
// own process group, Ctrl-C (SIGINT) to stop, and nothing may survive.

import { spawn } from 'node:child_process';
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

export async function startDevServer(project: string, readyPath: string, env: NodeJS.ProcessEnv = cleanEnv()): Promise<DevServer> {
  const port = await freePort();
  const dev = spawn('npm', ['start', '--', '--port', String(port), '--ip', '127.0.0.1'], {
    cwd: project,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  dev.stdout.on('data', (c: Buffer) => (output += c));
  dev.stderr.on('data', (c: Buffer) => (output += c));
  const exited = new Promise<void>((resolve) => dev.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const gone = async () => {
    const deadline = Date.now() + 15_000;
    while (dev.exitCode === null && dev.signalCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    while (groupAlive(dev.pid!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    return !groupAlive(dev.pid!);
  };
  const server: DevServer = {
    base,
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
  while (!(await fetch(`${base}${readyPath}`).then((r) => r.status < 500, () => false))) {
    if (Date.now() > deadline || dev.exitCode !== null) {
      await server.stop();
      throw new Error(`npm start did not come up:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return server;
}
