// The loop each README teaches, followed literally on the generated project
// (readme-path.ts puts each block where the README says and runs its shell
// blocks): for a template's Drizzle variant, the schema, `npm run
// db:generate`, `npm run db:migrate`, a route, its test and `npm test`, then
// a second `db:generate` of the same schema that writes nothing; and
// vercel-node's plain loop. On the embedded database where the template has
// one, else on a throwaway PostgreSQL with PostGIS. One scaffold and install
// per variant. The e2e-migrations-*.test.ts files share these out, so that
// they run side by side.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, run, type Ran } from './cli.ts';
import { startPostgres, type TestPostgres } from './postgres.ts';
import { expectVercelFunctionsRunInProduction } from './production.ts';
import { followReadme, followReadmeWithCommands } from './readme-path.ts';
import { scaffoldedEmbedded, scaffoldedProject } from './scaffolded.ts';
import { expectAllPassed } from './vitest-output.ts';

/** A README's shell block, as a user pastes it into a shell in the project. */
const shell = (project: string) => (script: string) => run('sh', ['-ec', script], { cwd: project, timeoutMs: 300_000 });

/** Where each Drizzle variant's routes reach the database: through src/db (lib/db), not the driver alone. */
const ROUTES: Record<string, string[]> = {
  'worker-raw': ['src/index.ts'],
  'worker-postgis': ['src/nearest.ts'],
  'worker-hyperdrive': ['src/index.ts'],
  'vercel-edge': ['api/now.ts', 'api/tx.ts', 'lib/nearest.ts'],
  'vercel-node': ['api/now.ts', 'api/tx.ts'],
};

/** Each Drizzle variant, with the database its loop runs on. */
export const DRIZZLE_VARIANTS = [
  ['worker-raw', 'embedded'],
  ['vercel-edge', 'embedded'],
  ['worker-hyperdrive', 'embedded'],
  ['vercel-node', 'embedded'],
  ['worker-postgis', 'postgis'],
] as const;

export type DrizzleTemplate = (typeof DRIZZLE_VARIANTS)[number][0];

/** The Drizzle variant's loop for `template`, as its own describe block. */
export function describeDrizzleLoop(template: DrizzleTemplate): void {
  const database = DRIZZLE_VARIANTS.find(([name]) => name === template)![1];
  describe(`${template} --orm drizzle (${database} database)`, () => {
    const args = ['--orm', 'drizzle', '--install', '--no-git'];
    // Filled in by the scaffolding's beforeAll: read its fields inside the tests.
    const s: { project: string; created: Ran; db?: TestPostgres } =
      database === 'postgis' ? scaffoldedProject('drizzle-app', template, args) : scaffoldedEmbedded('drizzle-app', template, args);
    const secret = () => s.db?.password ?? '\u0000';

    it("its routes query through Drizzle (src/db), and its README is the Drizzle variant's", () => {
      expect(s.created.code, s.created.output).toBe(0);
      for (const file of ROUTES[template]) {
        expect(readFileSync(path.join(s.project, file), 'utf8'), file).toMatch(/from '\.{1,2}\/(lib\/)?db(\/index\.(ts|js))?'/);
      }
      const readme = readFileSync(path.join(s.project, 'README.md'), 'utf8');
      expect(readme).toMatch(/^# \S+ with Drizzle/);
      expect(readme).toContain('npm run db:generate -- --name todos');
    });

    it("follows the README's loop literally: the schema, db:generate, db:migrate, a route, its test, npm test; a second db:generate writes nothing", async () => {
      const followed = await followReadmeWithCommands(s.project, shell(s.project));
      const ran = followed.flatMap((f) => (f.ran ? [{ script: f.step.code.trim(), ...f.ran }] : []));
      for (const r of ran) expect(r.code, `${r.script}\n${r.output}`).toBe(0);
      expect(ran.map((r) => r.script)).toEqual(['npm run db:generate -- --name todos', 'npm run db:migrate', 'npm test']);
      const [generated, migrated, tested] = ran as (Ran & { script: string })[];
      expect(generated.output).toContain('migrations/0001_todos.sql');
      expect(readFileSync(path.join(s.project, 'migrations/0001_todos.sql'), 'utf8')).toMatch(/^CREATE TABLE "todos"/);
      expect(migrated.output).toContain('applied migrations/0001_todos.sql');
      expectAllPassed(tested.output);
      expect(followed.filter((f) => !f.ran).length).toBeGreaterThanOrEqual(3); // the table, the route, its test
      for (const r of ran) expect(r.output).not.toContain(secret());

      const before = readdirSync(path.join(s.project, 'migrations'), { recursive: true }).sort();
      const again = await run('npm', ['run', 'db:generate'], { cwd: s.project, timeoutMs: 120_000 });
      expect(again.code, again.output).toBe(0);
      expect(again.output).toContain('No schema changes, nothing to migrate');
      expect(readdirSync(path.join(s.project, 'migrations'), { recursive: true }).sort()).toEqual(before);

      // The README's code type-checks with the template's.
      const typecheck = await run('npm', ['run', 'typecheck'], { cwd: s.project, timeoutMs: 180_000 });
      expect(typecheck.code, typecheck.output).toBe(0);
    }, 900_000);

    if (template === 'vercel-node') {
      it("runs from an install without devDependencies, built by vercel build and served by Vercel's launcher", async () => {
        const db = await startPostgres();
        try {
          // As before a deploy: the migrations applied to the production database first.
          const migrated = await run('npm', ['run', 'db:migrate'], { cwd: s.project, env: cleanEnv({ DATABASE_URL: db.url }), timeoutMs: 120_000 });
          expect(migrated.code, migrated.output).toBe(0);
          await expectVercelFunctionsRunInProduction(s.project, db.url, {
            now: (body) => expect(body.via).toBe('pg pool'),
            todos: (body) => expect(body).toHaveProperty('todos'),
            tx: (body) => expect(body).toMatchObject({ sameTransaction: true, via: 'pg pool' }),
          });
        } finally {
          await db.destroy();
        }
      }, 600_000);
    }
  });
}

/** vercel-node's plain loop (no ORM), on the embedded database. */
export function describePlainVercelNodeLoop(): void {
  describe('vercel-node (plain SQL), on the embedded database', () => {
    const s = scaffoldedEmbedded('plain-app', 'vercel-node', ['--install', '--no-git']);

    it("follows the README's loop literally: it passes npm test on the embedded database, and db:migrate is idempotent there", async () => {
      expect(s.created.code, s.created.output).toBe(0);
      const steps = followReadme(s.project);
      expect(steps.length).toBe(3); // the table, the function, its test
      const tested = await run('npm', ['test'], { cwd: s.project, timeoutMs: 240_000 });
      expect(tested.code, tested.output).toBe(0);
      expectAllPassed(tested.output);
      expect(tested.output).toContain('2 migrations applied, 2 in all');
      // npm test has migrated the embedded database (or a copy of it, when each test file gets its own):
      // db:migrate brings it up to date once, and a second run has nothing left to do.
      const first = await run('npm', ['run', 'db:migrate'], { cwd: s.project, timeoutMs: 120_000 });
      expect(first.code, first.output).toBe(0);
      expect(first.output).toMatch(/2 migrations applied, 2 in all|migrations up to date \(2 applied\)/);
      const second = await run('npm', ['run', 'db:migrate'], { cwd: s.project, timeoutMs: 120_000 });
      expect(second.code, second.output).toBe(0);
      expect(second.output).toContain('migrations up to date (2 applied)');
      const typecheck = await run('npm', ['run', 'typecheck'], { cwd: s.project, timeoutMs: 120_000 });
      expect(typecheck.code, typecheck.output).toBe(0);
    }, 600_000);
  });
}
