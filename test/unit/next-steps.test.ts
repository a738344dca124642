// The next steps printed at the end: the package manager's own commands, the
// production secret even for a local URL, and one column for the comments.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Answers } from '../../src/scaffold/context.ts';
import { layOut, NEXT_STEPS_WIDTH, nextSteps } from '../../src/scaffold/next-steps.ts';
import { TEMPLATES } from '../../src/scaffold/templates.ts';
import { sampleAnswers, templateNamed } from '../support/answers.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'next-steps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const answers = (overrides: Partial<Answers> = {}): Answers => sampleAnswers({ targetDir: dir, ...overrides });

const commentColumns = (text: string) =>
  new Set(
    text
      .split('\n')
      .filter((line) => !line.startsWith('#') && line.includes('   # '))
      .map((line) => line.indexOf('   # ')),
  );

describe('nextSteps', () => {
  it('with a local URL still names the production secret, and says it needs a URL production can reach', () => {
    const text = nextSteps(answers({ databaseUrl: 'postgres://app:pw@127.0.0.1:5432/app' }), { secretStored: false, dataLoaded: false }, Infinity);
    expect(text).toMatch(
      /^npx wrangler secret put DATABASE_URL\s+# once, before the first deploy: paste a Neon URL \(production cannot reach a database on this machine\)$/m,
    );
  });

  it('under pnpm uses pnpm throughout: no npm, no npx', () => {
    const text = nextSteps(answers({ packageManager: 'pnpm', install: false }), { secretStored: false, dataLoaded: false });
    expect(text).toContain('pnpm install');
    expect(text).toMatch(/^pnpm start\s+#/m);
    expect(text).toMatch(/^pnpm test\s+#/m);
    expect(text).toMatch(/^pnpm exec wrangler secret put DATABASE_URL\s+#/m);
    expect(text).toMatch(/^pnpm run deploy\s+#/m);
    expect(text).not.toMatch(/\bnpm (start|test|run)|\bnpx\b/);
  });

  it.each(['npm', 'pnpm', 'yarn', 'bun'] as const)('lines up the comments in one column (%s)', (pm) => {
    for (const extra of [{}, { install: false }, { template: templateNamed('worker-postgis'), databaseUrl: 'postgres://a:b@ep-x.neon.tech/db' }]) {
      const text = nextSteps(answers({ packageManager: pm, ...extra }), { secretStored: false, dataLoaded: false });
      expect(commentColumns(text).size, text).toBe(1);
    }
  });

  it("follows the template's facts, not its name: a Hyperdrive binding's set-up instead of the secret, in the package manager's terms", () => {
    const bound = { ...templateNamed('worker-raw'), production: { kind: 'hyperdrive', binding: 'DB' } as const };
    const text = nextSteps(
      answers({ template: bound, packageManager: 'pnpm', databaseUrl: 'postgres://a:b@ep-x-pooler.us-east-2.aws.neon.tech/db' }),
      { secretStored: false, dataLoaded: false },
      Infinity,
    );
    expect(text).toMatch(
      /^pnpm exec wrangler hyperdrive create app --connection-string="\$DATABASE_URL_UNPOOLED" --binding DB\s+# writes the id into wrangler.jsonc$/m,
    );
    expect(text).toContain('host ep-x.us-east-2.aws.neon.tech, no -pooler');
    expect(text).not.toContain('secret put');
    const embedded = nextSteps(answers({ template: bound }), { secretStored: false, dataLoaded: false }, Infinity);
    expect(embedded).toContain('then create the Hyperdrive configuration (below)');
  });

  it('without the embedded database, says where to put DATABASE_URL instead of offering PGlite', () => {
    const needsPostgis = { ...templateNamed('worker-raw'), embeddedDatabase: false };
    const text = nextSteps(answers({ template: needsPostgis }), { secretStored: false, dataLoaded: false });
    expect(text).toContain('# put DATABASE_URL=postgres://… in .dev.vars');
    expect(text).not.toContain('PGlite');
  });

  it('with no DATABASE_URL, worker-postgis runs no db:setup first: the first start prepares the embedded database with the places', () => {
    const text = nextSteps(answers({ template: templateNamed('worker-postgis') }), { secretStored: false, dataLoaded: false });
    expect(text).not.toContain('db:setup');
    expect(text).toContain('# the first start or test run prepares it once, with the data (about a minute)');
    const withUrl = nextSteps(answers({ template: templateNamed('worker-postgis'), databaseUrl: 'postgres://a:b@ep-x.neon.tech/db' }), {
      secretStored: false,
      dataLoaded: false,
    });
    expect(withUrl).toMatch(/^npm run db:setup\s+# schema and data into DATABASE_URL$/m);
  });

  it('leaves the secret out once it is stored', () => {
    const text = nextSteps(answers({ databaseUrl: 'postgres://a:b@ep-x.neon.tech/db' }), { secretStored: true, dataLoaded: false });
    expect(text).not.toContain('secret put');
  });
});

describe('nextSteps within 100 columns', () => {
  const typesDir = mkdtempSync(path.join(os.tmpdir(), 'next-steps-types-'));
  writeFileSync(path.join(typesDir, 'package.json'), JSON.stringify({ scripts: { types: 'wrangler types' } }));
  afterAll(() => rmSync(typesDir, { recursive: true, force: true }));

  const neonNew = {
    pooledUrl: 'postgresql://neondb_owner:pw@ep-cool-rain-12345678-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require',
    directUrl: 'postgresql://neondb_owner:pw@ep-cool-rain-12345678.us-east-2.aws.neon.tech/neondb?sslmode=require',
    claimUrl: 'https://neon.new/database/0f1e2d3c-4b5a-6978-8899-aabbccddeeff',
    expiresAt: new Date('2026-12-05T12:00:00Z'),
  };
  const databases = {
    none: {},
    local: { databaseUrl: 'postgres://app:pw@127.0.0.1:5432/app' },
    neon: { databaseUrl: neonNew.pooledUrl },
    'neon.new': { databaseUrl: neonNew.pooledUrl, neonNew },
  };
  const names = ['my-neon-app', 'the-corner-shop-inventory-and-orders-api'];
  const cases = TEMPLATES.flatMap((t) =>
    (['npm', 'pnpm', 'yarn', 'bun'] as const).flatMap((pm) =>
      Object.entries(databases).flatMap(([database, db]) =>
        names.flatMap((name) => [true, false].flatMap((install) => [false, true].map((done) => ({ t, pm, database, db, name, install, done })))),
      ),
    ),
  );

  it(`keeps every line of every template's next steps within ${NEXT_STEPS_WIDTH} columns, after clack's 3-column gutter (${cases.length} combinations)`, () => {
    for (const { t, pm, database, db, name, install, done } of cases) {
      const text = nextSteps(
        answers({ template: t, packageManager: pm, projectName: name, displayDir: `/tmp/${name}`, targetDir: install ? dir : typesDir, install, ...db }),
        { secretStored: done, dataLoaded: done },
      );
      const where = `${t.name}, ${pm}, ${database}, ${name}, install ${install}, done ${done}:\n${text}`;
      for (const line of text.split('\n')) expect(`│  ${line}`.length, where).toBeLessThanOrEqual(100);
      expect(commentColumns(text).size, where).toBeLessThanOrEqual(1);
    }
  });

  it('wraps a long comment in its column, and puts a long command\'s comment above it, continuing the command with " \\\\"', () => {
    const lines = layOut(
      [
        ['npm start', 'a comment long enough that it cannot fit beside the command within the width given here'],
        ['npx wrangler hyperdrive create a-long-name --connection-string="$DATABASE_URL_UNPOOLED" --binding HYPERDRIVE', 'writes the id'],
      ],
      60,
    );
    expect(lines).toEqual([
      'npm start   # a comment long enough that it cannot fit',
      '            # beside the command within the width given here',
      '# writes the id',
      'npx wrangler hyperdrive create a-long-name \\',
      '  --connection-string="$DATABASE_URL_UNPOOLED" --binding \\',
      '  HYPERDRIVE',
    ]);
  });

  it('says the production secret must be a Neon URL when the project runs on the embedded database', () => {
    const text = nextSteps(answers(), { secretStored: false, dataLoaded: false }, Infinity);
    expect(text).toMatch(
      /^npx wrangler secret put DATABASE_URL\s+# once, before the first deploy: paste a Neon URL \(production cannot reach the embedded database;/m,
    );
    expect(text).toContain('# to switch to Neon: put DATABASE_URL=postgres://… in .dev.vars, then store it as the production secret (below)');
  });
});
