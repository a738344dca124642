// End to end, as a user: the built CLI scaffolds vercel-node against a
// throwaway PostgreSQL, installs it, and the generated project's own tests
// pass in Node (an outage and recovery included), against PostgreSQL and
// against the embedded database; `npm start` serves api/ by file; and the
// functions run as Vercel runs them, from an install without devDependencies.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run, type Ran } from './support/cli.ts';
import { startDevServer } from './support/dev-server.ts';
import { expectFreePortWhenTaken, expectLocalOnly } from './support/local-only.ts';
import type { TestPostgres } from './support/postgres.ts';
import { expectVercelFunctionsRunInProduction } from './support/production.ts';
import { expectDeployUsesLocalVercel } from './support/vercel-cli.ts';
import { scaffoldedProject, withoutEnvFile } from './support/scaffolded.ts';
import { expectOwnDatabases } from './support/vitest-output.ts';

const scaffolded = scaffoldedProject('my-app', 'vercel-node', ['--install', '--no-git']);
let db: TestPostgres;
let project: string;
let created: Ran;
beforeAll(() => {
  ({ db, project, created } = scaffolded);
});

async function expectRoutes(base: string): Promise<void> {
  for (const route of ['/api/now', '/api/tx']) {
    const response = await fetch(`${base}${route}`);
    const body = (await response.json()) as { now: string; via: string; sameTransaction?: boolean };
    expect(response.status, `${route}: ${JSON.stringify(body)}`).toBe(200);
    expect(body.via).toBe('pg pool');
    expect(Math.abs(Date.parse(body.now) - Date.now())).toBeLessThan(60_000);
    if (route === '/api/tx') expect(body.sameTransaction).toBe(true);
  }
  expect((await fetch(`${base}/api/now`, { method: 'POST' })).status).toBe(405);
  expect((await fetch(`${base}/api/nope`)).status).toBe(404);
}

describe('create-neon-edge my-app --template vercel-node', () => {
  it('scaffolds and installs without printing the password', () => {
    expect(created.code, created.output).toBe(0);
    expect(created.output).not.toContain(db.password);
    expect(readFileSync(path.join(project, '.env.local'), 'utf8')).toBe(`DATABASE_URL=${db.url}\n`);
  });

  it("passes the generated project's own npm test in Node against PostgreSQL", async () => {
    const result = await run('npm', ['test'], { cwd: project, timeoutMs: 240_000 });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/Tests\s+5 passed/); // own-database.test.ts among them
    expectOwnDatabases(result.output);
    expect(result.output).not.toContain(db.password);
  }, 300_000);

  it('passes the same tests against the embedded database', async () => {
    const result = await withoutEnvFile(project, '.env.local', () => run('npm', ['test'], { cwd: project, timeoutMs: 240_000 }));
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('No DATABASE_URL: testing against an embedded Postgres');
    expect(result.output).toMatch(/Tests\s+5 passed/); // own-database.test.ts among them
    expectOwnDatabases(result.output);
  }, 300_000);

  it("npm run deploy runs the project's own Vercel CLI, with none installed globally", async () => {
    await expectDeployUsesLocalVercel(project);
  }, 90_000);

  it('type-checks', async () => {
    const result = await run('npm', ['run', 'typecheck'], { cwd: project });
    expect(result.code, result.output).toBe(0);
  }, 120_000);

  it('npm start serves api/now and api/tx, answers 405/404, and Ctrl-C stops everything', async () => {
    const dev = await startDevServer(project, '/api/nope');
    try {
      await expectRoutes(dev.base);
    } finally {
      expect(await dev.stop()).toBe(true);
    }
    expect(dev.output()).not.toContain(db.password);
    // Each request logged with its status and time, as vercel-edge and wrangler do.
    expect(dev.output()).toMatch(/^GET \/api\/now 200 OK \(\d+ms\)$/m);
    expect(dev.output()).toMatch(/^POST \/api\/now 405 Method Not Allowed \(\d+ms\)$/m);
  }, 120_000);

  it('npm start answers only to this machine: a foreign Host (DNS rebinding) or Origin gets 403 and no data', async () => {
    await expectLocalOnly(project, '/api/tx', '/api/nope');
  }, 120_000);

  it('npm start takes a free port when 3000 is taken, and says so', async () => {
    await expectFreePortWhenTaken(project, '/api/nope');
  }, 120_000);

  it('npm start serves them from the embedded database with no DATABASE_URL', async () => {
    await withoutEnvFile(project, '.env.local', async () => {
      const dev = await startDevServer(project, '/api/nope');
      try {
        await expectRoutes(dev.base);
        expect(dev.output()).toContain('No DATABASE_URL: using embedded Postgres');
      } finally {
        expect(await dev.stop()).toBe(true);
      }
    });
  }, 120_000);

  it("runs from an install without devDependencies (npm's --omit=dev): built by vercel build, each function served by Vercel's own launcher answers from the database, and 503 when it is down", async () => {
    await expectVercelFunctionsRunInProduction(project, db.url, {
      now: (body) => expect(body.via).toBe('pg pool'),
      tx: (body) => expect(body).toMatchObject({ sameTransaction: true, via: 'pg pool' }),
    });
  }, 600_000);
});
