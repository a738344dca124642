// The generated projects the benchmarks run: scaffolded by the built CLI into
// a temp dir, installed, and served with their own `npm start`.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanEnv, runCli } from '../test/support/cli.ts';
import { startDevServer, type DevServer } from '../test/support/dev-server.ts';

export interface Route {
  path: string;
  transport: string;
}

export interface BenchTemplate {
  name: 'worker-raw' | 'worker-postgis' | 'vercel-edge';
  routes: Route[];
  readyPath: string;
}

export const BENCH_TEMPLATES: BenchTemplate[] = [
  {
    name: 'worker-raw',
    readyPath: '/http',
    routes: [
      { path: '/', transport: 'WebSocket Client' },
      { path: '/http', transport: 'HTTP neon()' },
      { path: '/tx', transport: 'WebSocket Pool, transaction' },
    ],
  },
  {
    name: 'worker-postgis',
    readyPath: '/nearest?lat=0&lng=0',
    routes: [
      { path: '/nearest?lat=48.8566&lng=2.3522', transport: 'HTTP neon(), cache MISS' },
      { path: '/nearest?lat=48.8566&lng=2.3522', transport: 'cache HIT' },
      { path: '/nearest/ws?lat=48.8566&lng=2.3522', transport: 'WebSocket Client (uncached)' },
    ],
  },
  {
    name: 'vercel-edge',
    readyPath: '/api/now',
    routes: [
      { path: '/api/now', transport: 'HTTP neon()' },
      { path: '/api/tx', transport: 'WebSocket Pool, transaction' },
      { path: '/api/nearest?lat=48.8566&lng=2.3522', transport: 'HTTP neon()' },
    ],
  },
];

export class Projects {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'neon-edge-bench-'));
  private readonly made = new Map<string, string>();
  private readonly databaseUrl: string;

  constructor(databaseUrl: string) {
    this.databaseUrl = databaseUrl;
  }

  /** Scaffolds and installs the template once (worker-postgis also loads its places). */
  async project(name: string): Promise<string> {
    const existing = this.made.get(name);
    if (existing) return existing;
    const created = await runCli([name, '--template', name, '--database-url', this.databaseUrl, '--no-git'], { cwd: this.dir });
    if (created.code !== 0) throw new Error(`scaffolding ${name} failed:\n${created.output}`);
    const project = path.join(this.dir, name);
    this.made.set(name, project);
    return project;
  }

  /** `npm start`; `rttMs` sets NEON_LOCALHOST_RTT_MS, the emulated distance to the proxy. */
  async serve(template: BenchTemplate, rttMs = 0): Promise<{ dev: DevServer; proxy: string }> {
    const env = cleanEnv(rttMs ? { NEON_LOCALHOST_RTT_MS: String(rttMs) } : {});
    const dev = await startDevServer(await this.project(template.name), template.readyPath, env);
    const proxy = /\[neon-on-localhost\] proxy on (\S+)/.exec(dev.output())?.[1];
    if (!proxy) {
      await dev.stop();
      throw new Error(`no local proxy announced by ${template.name}:\n${dev.output()}`);
    }
    return { dev, proxy };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
