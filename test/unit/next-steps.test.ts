// The next steps printed at the end: the package manager's own commands, the
// production secret even for a local URL, and one column for the comments.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Answers } from '../../src/scaffold/context.ts';
import { nextSteps } from '../../src/scaffold/run.ts';
import { TEMPLATES, type Template } from '../../src/scaffold/templates.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'next-steps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const template = (name: string) => TEMPLATES.find((t) => t.name === name) as Template;

function answers(overrides: Partial<Answers> = {}): Answers {
  return {
    targetDir: dir,
    displayDir: 'app',
    projectName: 'app',
    template: template('worker-raw'),
    install: true,
    packageManager: 'npm',
    dbSetup: false,
    agents: true,
    ci: true,
    git: true,
    secret: false,
    ...overrides,
  };
}

const commentColumns = (text: string) =>
  new Set(text.split('\n').filter((line) => !line.startsWith('#') && line.includes('   # ')).map((line) => line.indexOf('   # ')));

describe('nextSteps', () => {
  it('with a local URL still names the production secret, and says it needs a URL production can reach', () => {
    const text = nextSteps(answers({ databaseUrl: 'postgres://app:pw@127.0.0.1:5432/app' }), { secretStored: false, dataLoaded: false });
    expect(text).toMatch(/^npx wrangler secret put DATABASE_URL\s+# once, before the first deploy: paste a Neon URL \(production cannot reach a database on this machine\)$/m);
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
    for (const extra of [{}, { install: false }, { template: template('worker-postgis'), databaseUrl: 'postgres://a:b@ep-x.neon.tech/db' }]) {
      const text = nextSteps(answers({ packageManager: pm, ...extra }), { secretStored: false, dataLoaded: false });
      expect(commentColumns(text).size, text).toBe(1);
    }
  });

  it('with no DATABASE_URL, worker-postgis runs no db:setup first: the first start prepares the embedded database with the places', () => {
    const text = nextSteps(answers({ template: template('worker-postgis') }), { secretStored: false, dataLoaded: false });
    expect(text).not.toContain('db:setup');
    expect(text).toContain('# the first start or test run prepares it once, with the data (about a minute)');
    const withUrl = nextSteps(answers({ template: template('worker-postgis'), databaseUrl: 'postgres://a:b@ep-x.neon.tech/db' }), { secretStored: false, dataLoaded: false });
    expect(withUrl).toMatch(/^npm run db:setup\s+# schema and data into DATABASE_URL$/m);
  });

  it('leaves the secret out once it is stored', () => {
    const text = nextSteps(answers({ databaseUrl: 'postgres://a:b@ep-x.neon.tech/db' }), { secretStored: true, dataLoaded: false });
    expect(text).not.toContain('secret put');
  });
});
