// End to end, as a user: the built CLI scaffolds worker-hyperdrive against a
// throwaway PostgreSQL, installs it, and the generated project's own checks
// pass inside workerd through the HYPERDRIVE binding, whose local connection
// neon-on-localhost sets from .dev.vars; then the same with no DATABASE_URL
// (the embedded database, over TCP); and `npm start` serves both routes.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run, type Ran } from './support/cli.ts';
import { startDevServer } from './support/dev-server.ts';
import type { TestPostgres } from './support/postgres.ts';
import { scaffoldedProject, withoutEnvFile } from './support/scaffolded.ts';
import { expectOwnDatabases } from './support/vitest-output.ts';

const scaffolded = scaffoldedProject('my-app', 'worker-hyperdrive', ['--install', '--no-git']);
let db: TestPostgres;
let project: string;
let created: Ran;
beforeAll(() => {
  ({ db, project, created } = scaffolded);
});

async function expectRoutes(base: string): Promise<void> {
  for (const route of ['/', '/tx']) {
    const response = await fetch(`${base}${route}`);
    const body = (await response.json()) as { now: string; via: string; sameTransaction?: boolean };
    expect(response.status, `${route}: ${JSON.stringify(body)}`).toBe(200);
    expect(body.via).toBe('hyperdrive');
    expect(Math.abs(Date.parse(body.now) - Date.now())).toBeLessThan(60_000);
    if (route === '/tx') expect(body.sameTransaction).toBe(true);
  }
}

describe('create-neon-edge my-app --template worker-hyperdrive', () => {
  it('scaffolds and installs; no connection string in wrangler.jsonc; next steps name Hyperdrive, not a secret', () => {
    expect(created.code, created.output).toBe(0);
    expect(created.output).not.toContain(db.password);
    const config = readFileSync(path.join(project, 'wrangler.jsonc'), 'utf8');
    expect(config).toContain('"binding": "HYPERDRIVE"');
    expect(config).not.toMatch(/postgres(ql)?:\/\//);
    expect(config).not.toContain('localConnectionString');
    expect(created.output).not.toContain('wrangler secret put');
  });

  it("passes the generated project's own npm test inside workerd against PostgreSQL", async () => {
    const result = await run('npm', ['test'], { cwd: project, timeoutMs: 240_000 });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/Tests\s+8 passed/); // own-database.test.ts among them
    expectOwnDatabases(result.output);
    expect(result.output).not.toContain(db.password);
  }, 300_000);

  it('passes the same tests against the embedded database', async () => {
    const result = await withoutEnvFile(project, '.dev.vars', () => run('npm', ['test'], { cwd: project, timeoutMs: 240_000 }));
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('No DATABASE_URL: testing against an embedded Postgres');
    expect(result.output).toMatch(/Tests\s+8 passed/); // own-database.test.ts among them
    expectOwnDatabases(result.output);
  }, 300_000);

  it('type-checks', async () => {
    const result = await run('npm', ['run', 'typecheck'], { cwd: project });
    expect(result.code, result.output).toBe(0);
  }, 120_000);

  it('npm start serves / and /tx through the local Hyperdrive connection, and Ctrl-C stops everything', async () => {
    const dev = await startDevServer(project, '/nope');
    try {
      await expectRoutes(dev.base);
      expect(dev.output()).toContain('CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE');
    } finally {
      expect(await dev.stop()).toBe(true);
    }
    expect(dev.output()).not.toContain(db.password);
  }, 120_000);

  it('npm start serves them from the embedded database with no DATABASE_URL', async () => {
    await withoutEnvFile(project, '.dev.vars', async () => {
      const dev = await startDevServer(project, '/nope');
      try {
        await expectRoutes(dev.base);
        expect(dev.output()).toContain('No DATABASE_URL: using embedded Postgres');
      } finally {
        expect(await dev.stop()).toBe(true);
      }
    });
  }, 120_000);
});
