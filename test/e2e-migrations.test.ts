// End to end, the loop a README shows: in a generated project, a new
// migration, a new route and its test pass `npm test` (migrated first), and
// `npm run db:migrate` is idempotent. worker-raw with --orm drizzle (Drizzle's
// own tests run inside workerd), vercel-node with plain SQL; and the Drizzle
// variants of vercel-edge and worker-hyperdrive pass their own tests.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './support/cli.ts';
import { scaffoldedProject } from './support/scaffolded.ts';

const TODOS = 'create table todos (id bigint generated always as identity primary key, title text not null);\n';

describe('worker-raw --orm drizzle', () => {
  const s = scaffoldedProject('drizzle-app', 'worker-raw', ['--orm', 'drizzle', '--install', '--no-git']);

  it('scaffolds with Drizzle, and its npm test (Drizzle over HTTP and a Pool, in workerd) passes on the migrated schema', async () => {
    expect(s.created.code, s.created.output).toBe(0);
    expect(readFileSync(path.join(s.project, 'src/db/schema.ts'), 'utf8')).toContain("pgTable('notes'");
    const result = await run('npm', ['test'], { cwd: s.project, timeoutMs: 240_000 });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('applied migrations/0000_notes.sql');
    expect(result.output).toMatch(/Tests\s+10 passed/);
  }, 300_000);

  it('a migration, a route and its test pass npm test; db:migrate twice changes nothing the second time', async () => {
    writeFileSync(path.join(s.project, 'migrations/0001_todos.sql'), TODOS);
    const index = path.join(s.project, 'src/index.ts');
    writeFileSync(
      index,
      readFileSync(index, 'utf8')
        .replace("'/tx': transaction,", "'/tx': transaction,\n  '/todos': async (env: Env) => ({ todos: await neon(env.DATABASE_URL)`select id, title from todos order by id` }),"),
    );
    writeFileSync(
      path.join(s.project, 'test/todos.test.ts'),
      `import { exports } from 'cloudflare:workers';\nimport { expect, it } from 'vitest';\n\nit('GET /todos lists the todos', async () => {\n  const response = await exports.default.fetch('https://example.com/todos');\n  expect(response.status).toBe(200);\n  expect(await response.json()).toEqual({ todos: [] });\n});\n`,
    );
    const tested = await run('npm', ['test', '--', 'test/todos.test.ts', 'test/db.test.ts'], { cwd: s.project, timeoutMs: 240_000 });
    expect(tested.code, tested.output).toBe(0);
    expect(tested.output).toContain('applied migrations/0001_todos.sql');
    const again = await run('npm', ['run', 'db:migrate'], { cwd: s.project, timeoutMs: 60_000 });
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('migrations up to date (2 applied)');
    expect(again.output).not.toContain(s.db.password);
  }, 300_000);
});

describe('vercel-node (plain SQL), on the embedded database', () => {
  const s = scaffoldedProject('plain-app', 'vercel-node', ['--install', '--no-git']);

  it('the loop passes npm test on the embedded database, and db:migrate is idempotent there', async () => {
    expect(s.created.code, s.created.output).toBe(0);
    // No DATABASE_URL: npm test and db:migrate use the embedded database.
    const env = path.join(s.project, '.env.local');
    writeFileSync(env, '');
    writeFileSync(path.join(s.project, 'migrations/0001_todos.sql'), TODOS);
    writeFileSync(
      path.join(s.project, 'api/todos.ts'),
      `import { database, databaseUnavailable, json } from '../lib/database';\n\nexport async function GET(): Promise<Response> {\n  const pool = database();\n  if (pool instanceof Response) return pool;\n  try {\n    const { rows } = await pool.query('select id, title from todos order by id');\n    return json({ todos: rows });\n  } catch (err) {\n    return databaseUnavailable(err);\n  }\n}\n`,
    );
    writeFileSync(
      path.join(s.project, 'test/todos.test.ts'),
      `import { expect, inject, it } from 'vitest';\n\nprocess.env.DATABASE_URL = inject('databaseUrl');\nconst { GET } = await import('../api/todos');\n\nit('GET /api/todos lists the todos', async () => {\n  const response = await GET();\n  expect(response.status).toBe(200);\n  expect(await response.json()).toEqual({ todos: [] });\n});\n`,
    );
    const tested = await run('npm', ['test'], { cwd: s.project, timeoutMs: 240_000 });
    expect(tested.code, tested.output).toBe(0);
    expect(tested.output).toContain('2 migrations applied, 2 in all');
    for (const expected of ['2 migrations applied, 2 in all', 'migrations up to date (2 applied)']) {
      const migrated = await run('npm', ['run', 'db:migrate'], { cwd: s.project, timeoutMs: 120_000 });
      expect(migrated.code, migrated.output).toBe(0);
      expect(migrated.output).toContain(expected);
    }
    const typecheck = await run('npm', ['run', 'typecheck'], { cwd: s.project, timeoutMs: 120_000 });
    expect(typecheck.code, typecheck.output).toBe(0);
  }, 600_000);
});

// The other Drizzle variants: the generated project type-checks and its
// Drizzle tests pass on the migrated schema (vercel-edge in edge-runtime and
// workerd over neon-http / neon-serverless; worker-hyperdrive in workerd with
// node-postgres through the Hyperdrive binding; worker-postgis in workerd over
// neon-http, on the places db:setup loaded during scaffolding).
describe.each([
  ['vercel-edge', 4, '0000_notes'],
  ['worker-hyperdrive', 2, '0000_notes'],
  ['worker-postgis', 2, '0000_places'],
])('%s --orm drizzle', (template, tests, firstMigration) => {
  const s = scaffoldedProject('drizzle-app', template, ['--orm', 'drizzle', '--install', '--no-git']);

  it('type-checks, and its Drizzle tests pass against the migrated database', async () => {
    expect(s.created.code, s.created.output).toBe(0);
    expect(s.created.output).toContain('Add an ORM?');
    const typecheck = await run('npm', ['run', 'typecheck'], { cwd: s.project, timeoutMs: 120_000 });
    expect(typecheck.code, typecheck.output).toBe(0);
    const tested = await run('npm', ['test', '--', 'test/db.test.ts'], { cwd: s.project, timeoutMs: 240_000 });
    expect(tested.code, tested.output).toBe(0);
    expect(tested.output).toContain(`applied migrations/${firstMigration}.sql`);
    expect(tested.output).toMatch(new RegExp(`Tests\\s+${tests} passed`));
    expect(tested.output).not.toContain(s.db.password);
    // The schema is what migrations/ already makes: drizzle-kit has nothing to
    // write (for worker-postgis: no second CREATE TABLE places).
    const generated = await run('npm', ['run', 'db:generate'], { cwd: s.project, timeoutMs: 120_000 });
    expect(generated.code, generated.output).toBe(0);
    expect(generated.output).toContain('No schema changes, nothing to migrate');
  }, 600_000);
});
