// End to end, as a user: the built CLI scaffolds worker-raw against a
// throwaway PostgreSQL, installs it, and the generated project's own checks
// pass: `npm test` inside workerd, the type check, and `npm start` serving
// real answers from the database.

import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, run, type Ran } from './support/cli.ts';
import { startDevServer } from './support/dev-server.ts';
import { listeningPorts, probeAsRebindingPage, type PortProbe } from './support/local-only.ts';
import type { TestPostgres } from './support/postgres.ts';
import { expectAllPassed, expectOwnDatabases } from './support/vitest-output.ts';
import { describeUnreachableDatabase, scaffoldedProject } from './support/scaffolded.ts';

const scaffolded = scaffoldedProject('my-app', 'worker-raw', ['--git', '--install']);
let db: TestPostgres;
let project: string;
let created: Ran;
beforeAll(() => {
  ({ db, project, created } = scaffolded);
});

describe('create-neon-edge my-app --template worker-raw', () => {
  it('scaffolds, installs and commits without printing the password', () => {
    expect(created.code, created.output).toBe(0);
    expect(created.output).toContain('Next steps');
    expect(created.output).toContain('postgres://app:****@127.0.0.1');
    expect(created.output).not.toContain(db.password);
  });

  it('keeps DATABASE_URL in .dev.vars (0600), out of the first commit', async () => {
    expect(readFileSync(path.join(project, '.dev.vars'), 'utf8')).toBe(`DATABASE_URL=${db.url}\n`);
    expect(statSync(path.join(project, '.dev.vars')).mode & 0o777).toBe(0o600);
    const files = await run('git', ['ls-files'], { cwd: project });
    expect(files.stdout.split('\n')).toEqual(
      expect.arrayContaining(['.gitignore', 'AGENTS.md', '.github/workflows/ci.yml', 'src/index.ts', 'package-lock.json']),
    );
    expect(files.stdout).not.toMatch(/^\.dev\.vars$/m);
    const log = await run('git', ['log', '--oneline'], { cwd: project });
    expect(log.stdout.trim().split('\n')).toHaveLength(1);
    const grep = await run('git', ['grep', '-l', db.password, 'HEAD'], { cwd: project });
    expect(grep.stdout).toBe('');
  });

  it("passes the generated project's own npm test inside workerd against PostgreSQL", async () => {
    const result = await run('npm', ['test'], { cwd: project, timeoutMs: 240_000 });
    expect(result.code, result.output).toBe(0);
    expectAllPassed(result.output);
    expectOwnDatabases(result.output);
    expect(result.output).not.toContain(db.password);
    // Each file's database was dropped after: nothing is left in the user's PostgreSQL.
    const client = new pg.Client(db.url);
    await client.connect();
    const left = await client.query("select datname from pg_database where datname like 'neon\\_localhost\\_test\\_%'");
    await client.end();
    expect(left.rows).toEqual([]);
  }, 300_000);

  it('type-checks', async () => {
    const result = await run('npm', ['run', 'typecheck'], { cwd: project });
    expect(result.code, result.output).toBe(0);
  }, 120_000);

  const neonUrl = process.env.NEON_TEST_DATABASE_URL;
  if (!neonUrl) console.log('NEON_TEST_DATABASE_URL is not set: skipping the run against a real Neon database');
  it.skipIf(!neonUrl)(
    'passes the same tests against NEON_TEST_DATABASE_URL',
    async () => {
      const result = await run('npm', ['test'], { cwd: project, env: cleanEnv({ DATABASE_URL: neonUrl }), timeoutMs: 240_000 });
      expect(result.code, result.output).toBe(0);
    },
    300_000,
  );

  it('npm start serves /, /http and /tx from the database, and Ctrl-C stops everything', async () => {
    const dev = await startDevServer(project, '/http');
    try {
      for (const route of ['/', '/http', '/tx']) {
        const response = await fetch(`${dev.base}${route}`);
        const body = (await response.json()) as { now: string; sameTransaction?: boolean };
        expect(response.status, `${route}: ${JSON.stringify(body)}`).toBe(200);
        expect(Math.abs(Date.parse(body.now) - Date.now())).toBeLessThan(60_000);
        if (route === '/tx') expect(body.sameTransaction).toBe(true);
      }
      expect(dev.output()).toMatch(/\[neon-on-localhost\] proxy on 127\.0\.0\.1:\d+/);
      // Offline, wrangler's two stacks about request.cf give way to one line of run's (wrangler-cf.ts).
      expect(dev.output()).not.toContain('Unable to fetch the `Request.cf` object');
    } finally {
      expect(await dev.stop()).toBe(true);
    }
    expect(dev.output()).not.toContain(db.password);
  }, 120_000);

  // Every port the session listens on, probed as a DNS-rebinding page would (Host evil.example:PORT and
  // its Origin). What still answers is upstream, at random ports, and docs/security.md says so.
  it('npm start: a rebinding page is refused at every port but the random ones wrangler and workerd keep to themselves', async () => {
    const dev = await startDevServer(project, '/http');
    let probes: PortProbe[];
    let front: number;
    let inner: number;
    try {
      front = Number(new URL(dev.base).port);
      const proxy = Number(/proxy on 127\.0\.0\.1:(\d+)/.exec(dev.output())?.[1]);
      inner = Number(/the port wrangler prints below \((\d+)\)/.exec(dev.output())?.[1]);
      const ports = listeningPorts(dev.pid);
      expect(ports).toEqual(expect.arrayContaining([front, proxy, inner]));
      probes = [];
      for (const port of ports) probes.push(await probeAsRebindingPage(port, '/http'));
      const at = (port: number) => probes.find((p) => p.port === port);
      // Ours: wrangler dev's address (the front) and the proxy.
      expect(at(front)?.get?.status).toBe(403);
      expect(at(proxy)?.get?.status).toBe(403);
      // wrangler's inspector (the one DevTools use) lists the Worker but refuses to attach.
      expect(probes.filter((p) => p.targets && !p.attached)).toHaveLength(1);
    } finally {
      expect(await dev.stop()).toBe(true);
    }
    const exposed = probes.filter((p) => p.attached || (p.get?.status === 200 && p.get.body.includes('"now"')));
    // Upstream: workerd's own inspector (attach, then read env.DATABASE_URL), wrangler's own port behind
    // the front and workerd's socket for the Worker, each at a port the system picked at random.
    const inspectors = exposed.filter((p) => p.attached);
    expect(inspectors.length).toBeLessThanOrEqual(1);
    for (const p of inspectors) expect(p.targets?.[0].title).toMatch(/^workerd: worker core:user:/);
    const answering = exposed.filter((p) => !p.attached).map((p) => p.port);
    expect(answering).toContain(inner);
    expect(answering.length).toBeLessThanOrEqual(2);
    for (const { port } of exposed) {
      expect(port).not.toBe(front);
      expect([8787, 9229, 4444]).not.toContain(port);
      expect(port).toBeGreaterThanOrEqual(32768); // the system's range for bind(0)
    }
  }, 120_000);
});

describeUnreachableDatabase(scaffolded, '.dev.vars');
