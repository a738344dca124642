// One table drives the templates' end-to-end runs on PostgreSQL, as
// create-cloudflare's e2e is driven by its test config: what each template's
// project must do as a user meets it (scaffold and install, its own npm test,
// the type check, npm start serving its routes), and which of the shared
// checks apply to it. describeTemplateE2e registers those tests; a template's
// file (test/e2e-<template>.test.ts) adds only what is its own. One file per
// template, so that vitest runs them side by side. worker-postgis' run on
// PostgreSQL is e2e-neon-new.test.ts (its database comes from neon.new); the
// Drizzle variants' are migrations-loop.ts'.

import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './cli.ts';
import { startDevServer, type DevServer } from './dev-server.ts';
import { expectFreePortWhenTaken, expectLocalOnly } from './local-only.ts';
import { queryRows } from './postgres.ts';
import { describeUnreachableDatabase, scaffoldedProject, withoutEnvFile, type Scaffolded } from './scaffolded.ts';
import { expectDeployUsesLocalVercel } from './vercel-cli.ts';
import { expectAllPassed, expectOwnDatabases, expectQuiet } from './vitest-output.ts';

type Body = { now: string; via?: string; sameTransaction?: boolean };

export interface TemplateE2e {
  /** The CLI's arguments after the project's name, template and database URL. */
  args: string[];
  /** Where the project keeps DATABASE_URL. */
  envFile: '.dev.vars' | '.env.local';
  /** `npm start` is up when this path answers, whatever its status. */
  readyPath: string;
  /** The routes `npm start` must answer 200 from the database, `/tx` in one transaction. */
  routes: string[];
  /** Other answers `npm start` must give: a method a route refuses, a path that is no route. */
  statuses?: { method: 'GET' | 'POST'; path: string; status: number }[];
  /** What each route's body says it queried through, where the template says it. */
  via?: string;
  /** How many tests the project's npm test runs, where that number is fixed. */
  tests?: number;
  /** The runtimes its npm test names (vercel-edge runs in two). */
  runtimes?: string[];
  /** Its npm test and npm start on the embedded database run here; else where the file's comment says. */
  embeddedHere: boolean;
  /** `npm start` serves on port 3000 by default: refuses a foreign page there and moves off a taken 3000. */
  servesOn3000?: { dataRoute: string };
  /** `npm run deploy` is the project's own Vercel CLI. */
  deploysWithVercel: boolean;
  /** The project's npm test with a wrong password and with PostgreSQL stopped. */
  unreachableDatabase: boolean;
}

export const TEMPLATE_E2E = {
  'worker-raw': {
    args: ['--git', '--install'],
    envFile: '.dev.vars',
    readyPath: '/http',
    routes: ['/', '/http', '/tx'],
    embeddedHere: false, // published.test.ts (npm test) and e2e-embedded-worker-raw.test.ts (npm start)
    deploysWithVercel: false,
    unreachableDatabase: true,
  },
  'vercel-edge': {
    args: ['--no-git'],
    envFile: '.env.local',
    readyPath: '/api/now',
    routes: ['/api/now', '/api/tx'],
    runtimes: ['edge-runtime', 'workerd'],
    embeddedHere: false, // e2e-embedded-places.test.ts
    servesOn3000: { dataRoute: '/api/tx' },
    deploysWithVercel: true,
    unreachableDatabase: true,
  },
  'vercel-node': {
    args: ['--install', '--no-git'],
    envFile: '.env.local',
    readyPath: '/api/nope',
    routes: ['/api/now', '/api/tx'],
    statuses: [
      { method: 'POST', path: '/api/now', status: 405 },
      { method: 'GET', path: '/api/nope', status: 404 },
    ],
    via: 'pg pool',
    tests: 5,
    embeddedHere: true,
    servesOn3000: { dataRoute: '/api/tx' },
    deploysWithVercel: true,
    unreachableDatabase: false,
  },
  'worker-hyperdrive': {
    args: ['--install', '--no-git'],
    envFile: '.dev.vars',
    readyPath: '/nope',
    routes: ['/', '/tx'],
    via: 'hyperdrive',
    tests: 8,
    embeddedHere: true,
    deploysWithVercel: false,
    unreachableDatabase: false,
  },
} satisfies Record<string, TemplateE2e>;

export type E2eTemplate = keyof typeof TEMPLATE_E2E;

/** Each route answers 200 with the database's time, through the template's driver, /tx in one transaction; and the other statuses. */
async function expectRoutes(template: E2eTemplate, base: string, secret?: string): Promise<void> {
  const facts: TemplateE2e = TEMPLATE_E2E[template];
  for (const route of facts.routes) {
    const response = await fetch(`${base}${route}`);
    const text = await response.text();
    if (secret) expect(text).not.toContain(secret);
    const body = JSON.parse(text) as Body;
    expect(response.status, `${route}: ${JSON.stringify(body)}`).toBe(200);
    expect(Math.abs(Date.parse(body.now) - Date.now())).toBeLessThan(60_000);
    if (facts.via) expect(body.via).toBe(facts.via);
    if (route.endsWith('/tx')) expect(body.sameTransaction).toBe(true);
  }
  for (const { method, path, status } of facts.statuses ?? []) expect((await fetch(`${base}${path}`, { method })).status, `${method} ${path}`).toBe(status);
}

/** What a template's file adds to the shared tests: its own tests, registered where they run, and checks while npm start serves. */
export interface TemplateHooks {
  /** Its own tests of what `create-neon-edge` printed and wrote. */
  afterScaffold?(s: Scaffolded): void;
  /** Its own tests after its npm test on PostgreSQL, before npm start. */
  beforeServing?(s: Scaffolded): void;
  /** More checks while `npm start` serves on PostgreSQL, after the routes answered; `also` says what, in the test's name. */
  serving?: { also: string; check(dev: DevServer, s: Scaffolded): Promise<void> };
  /** Its own tests after the shared ones on npm start, before the unreachable database's. */
  afterServing?(s: Scaffolded): void;
}

/** Registers the table's tests for `template` against a throwaway PostgreSQL; returns the scaffolded project, filled in before the tests run. */
export function describeTemplateE2e(template: E2eTemplate, hooks: TemplateHooks = {}): Scaffolded {
  const facts: TemplateE2e = TEMPLATE_E2E[template];
  const s = scaffoldedProject('my-app', template, facts.args);
  const testCount = (output: string) => (facts.tests ? expect(output).toMatch(new RegExp(`Tests\\s+${facts.tests} passed`)) : expectAllPassed(output));

  describe(`create-neon-edge my-app --template ${template} (PostgreSQL)`, () => {
    it(`scaffolds and installs without printing the password, with DATABASE_URL in ${facts.envFile} (0600)`, () => {
      expect(s.created.code, s.created.output).toBe(0);
      expect(s.created.output).not.toContain(s.db.password);
      const envFile = path.join(s.project, facts.envFile);
      expect(readFileSync(envFile, 'utf8')).toBe(`DATABASE_URL=${s.db.url}\n`);
      expect(statSync(envFile).mode & 0o777).toBe(0o600);
    });

    hooks.afterScaffold?.(s);

    it("passes the generated project's own npm test against PostgreSQL, each file on a database of its own, dropped after", async () => {
      const result = await run('npm', ['test'], { cwd: s.project, timeoutMs: 240_000 });
      expect(result.code, result.output).toBe(0);
      testCount(result.output);
      for (const runtime of facts.runtimes ?? []) expect(result.output).toContain(runtime);
      expectOwnDatabases(result.output);
      expect(result.output).not.toContain(s.db.password);
      // Their outage tests capture the errors they provoke: a passing run prints no stderr block.
      expectQuiet(result.output);
      // Nothing is left in the user's PostgreSQL.
      expect(await queryRows(s.db.url, "select datname from pg_database where datname like 'neon\\_localhost\\_test\\_%'")).toEqual([]);
    }, 300_000);

    if (facts.embeddedHere) {
      it('passes the same tests against the embedded database', async () => {
        const result = await withoutEnvFile(s.project, facts.envFile, () => run('npm', ['test'], { cwd: s.project, timeoutMs: 240_000 }));
        expect(result.code, result.output).toBe(0);
        expect(result.output).toContain('No DATABASE_URL: testing against an embedded Postgres');
        testCount(result.output);
        expectOwnDatabases(result.output);
      }, 300_000);
    }

    it('type-checks', async () => {
      const result = await run('npm', ['run', 'typecheck'], { cwd: s.project });
      expect(result.code, result.output).toBe(0);
    }, 120_000);

    if (facts.deploysWithVercel) {
      it("npm run deploy runs the project's own Vercel CLI, with none installed globally", async () => {
        await expectDeployUsesLocalVercel(s.project);
      }, 90_000);
    }

    hooks.beforeServing?.(s);

    const also = hooks.serving ? `; ${hooks.serving.also}` : '';
    it(`npm start serves ${facts.routes.join(', ')} from the database${also}; Ctrl-C stops everything`, async () => {
      const dev = await startDevServer(s.project, facts.readyPath);
      try {
        await expectRoutes(template, dev.base, s.db.password);
        await hooks.serving?.check(dev, s);
      } finally {
        expect(await dev.stop()).toBe(true);
      }
      expect(dev.output()).not.toContain(s.db.password);
    }, 120_000);

    if (facts.embeddedHere) {
      it('npm start serves them from the embedded database with no DATABASE_URL', async () => {
        await withoutEnvFile(s.project, facts.envFile, async () => {
          const dev = await startDevServer(s.project, facts.readyPath);
          try {
            await expectRoutes(template, dev.base);
            expect(dev.output()).toContain('No DATABASE_URL: using embedded Postgres');
          } finally {
            expect(await dev.stop()).toBe(true);
          }
        });
      }, 120_000);
    }

    if (facts.servesOn3000) {
      const { dataRoute } = facts.servesOn3000;
      it('npm start answers only to this machine: a foreign Host (DNS rebinding) or Origin gets 403 and no data', async () => {
        await expectLocalOnly(s.project, dataRoute, facts.readyPath);
      }, 120_000);

      it('npm start takes a free port when 3000 is taken, and says so', async () => {
        await expectFreePortWhenTaken(s.project, facts.readyPath);
      }, 120_000);
    }

    hooks.afterServing?.(s);
  });

  // Last: they stop the database for a moment.
  if (facts.unreachableDatabase) describeUnreachableDatabase(s, facts.envFile);
  return s;
}
