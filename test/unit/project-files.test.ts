// AGENTS.md, the CI workflow and pnpm's build approvals, generated from the
// answers: every workflow is valid for GitHub Actions (action-validator, offline).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_MANAGERS } from '../../src/scaffold/package-manager.ts';
import { agentsMd, ciWorkflow, generatedFiles } from '../../src/scaffold/project-files.ts';
import { TEMPLATES, templatesRoot, type Template } from '../../src/scaffold/templates.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const VALIDATOR = path.join(REPO, 'node_modules/.bin/action-validator');
const dir = mkdtempSync(path.join(os.tmpdir(), 'workflows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const template = (name: string) => TEMPLATES.find((t) => t.name === name) as Template;

describe('the CI workflow', () => {
  const cases = TEMPLATES.flatMap((t) => PACKAGE_MANAGERS.map((pm) => [t.name, pm] as const));
  it.each(cases)('%s with %s passes action-validator', (name, pm) => {
    const file = path.join(dir, `${name}-${pm}.yml`);
    writeFileSync(file, ciWorkflow(template(name), pm));
    // Throws (non-zero exit) with the problems on stdout when the workflow is invalid.
    execFileSync(process.execPath, [VALIDATOR, file], { encoding: 'utf8' });
  });

  it('action-validator does reject a broken workflow (the check above means something)', () => {
    const file = path.join(dir, 'broken.yml');
    writeFileSync(file, ciWorkflow(template('worker-raw'), 'npm').replace('runs-on:', 'runs_on:'));
    expect(() => execFileSync(process.execPath, [VALIDATOR, file], { stdio: 'pipe' })).toThrow();
  });

  it('needs no database service, worker-postgis included; worker-postgis can test a pull request on a Neon branch', () => {
    const raw = ciWorkflow(template('worker-raw'), 'npm');
    expect(raw).not.toContain('services:');
    expect(raw).toMatch(/- run: npm ci\n\s+- run: npm test\n$/);
    const postgis = ciWorkflow(template('worker-postgis'), 'pnpm');
    expect(postgis).not.toContain('services:');
    expect(postgis).not.toContain('postgis/postgis');
    expect(postgis).not.toContain('localhost:5432');
    expect(postgis).toContain('neondatabase/create-branch-action');
    expect(postgis).toContain('neondatabase/delete-branch-action');
    expect(postgis).toContain('secrets.NEON_API_KEY');
    expect(postgis).toContain('vars.NEON_PROJECT_ID');
    expect(postgis).toMatch(/- run: pnpm install --frozen-lockfile\n\s+- run: pnpm run db:setup\n\s+if: env.DATABASE_URL != ''\n\s+- run: pnpm test\n/);
  });
});

describe('AGENTS.md', () => {
  it('says how the project runs, tests and deploys with its package manager, and the database rules', () => {
    const text = agentsMd({ template: template('worker-raw'), packageManager: 'pnpm', projectName: 'my-app' });
    for (const expected of ['pnpm start', 'pnpm test', 'pnpm run deploy', 'pnpm exec wrangler secret put DATABASE_URL', 'inside the request handler', 'ctx.waitUntil(client.end())', '`neon()` over HTTP', 'over WebSockets', '.dev.vars']) {
      expect(text).toContain(expected);
    }
    expect(text).not.toMatch(/\bnpm (start|test|run)|\bnpx\b/);
    expect(agentsMd({ template: template('vercel-edge'), packageManager: 'npm', projectName: 'e' })).toContain('waitUntil(pool.end())` from `@vercel/functions`');
  });
});

describe('generatedFiles', () => {
  const base = { template: template('worker-raw'), projectName: 'a' };
  it('writes AGENTS.md and the workflow when asked, and pnpm-workspace.yaml only for pnpm', () => {
    expect(generatedFiles({ ...base, packageManager: 'npm', agents: true, ci: true }).map((f) => f.path)).toEqual(['AGENTS.md', '.github/workflows/ci.yml']);
    expect(generatedFiles({ ...base, packageManager: 'npm', agents: false, ci: false })).toEqual([]);
    const pnpm = generatedFiles({ ...base, packageManager: 'pnpm', agents: false, ci: false });
    expect(pnpm.map((f) => f.path)).toEqual(['pnpm-workspace.yaml']);
    expect(pnpm[0].content).toContain('allowBuilds:\n  esbuild: true\n  workerd: true\n');
  });

  it('every template that installs wrangler declares the builds pnpm must allow', () => {
    for (const t of TEMPLATES) {
      const pkg = JSON.parse(readFileSync(path.join(templatesRoot(), t.name, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
      if (pkg.devDependencies?.wrangler) expect(t.allowBuilds, t.name).toEqual(expect.arrayContaining(['esbuild', 'workerd']));
    }
  });

  it('every template that installs the Vercel CLI lets pnpm build its esbuild', () => {
    for (const t of TEMPLATES) {
      const pkg = JSON.parse(readFileSync(path.join(templatesRoot(), t.name, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
      if (pkg.devDependencies?.vercel) expect(t.allowBuilds, t.name).toContain('esbuild');
    }
  });
});
