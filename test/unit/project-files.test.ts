// The files generated from the answers: the CI workflow and pnpm's build approvals.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../../src/scaffold/project-files.ts';
import type { Template } from '../../src/scaffold/template-config.ts';
import { TEMPLATES, templatesRoot } from '../../src/scaffold/templates.ts';

const template = (name: string) => TEMPLATES.find((t) => t.name === name) as Template;

describe('generatedFiles', () => {
  const base = { template: template('worker-raw') };
  it('writes the workflow when asked, and pnpm-workspace.yaml only for pnpm', () => {
    expect(generatedFiles({ ...base, packageManager: 'npm', ci: true }).map((f) => f.path)).toEqual(['.github/workflows/ci.yml']);
    expect(generatedFiles({ ...base, packageManager: 'npm', ci: false })).toEqual([]);
    const pnpm = generatedFiles({ ...base, packageManager: 'pnpm', ci: false });
    expect(pnpm.map((f) => f.path)).toEqual(['pnpm-workspace.yaml']);
    expect(pnpm[0].content).toContain('allowBuilds:\n  esbuild: true\n  workerd: true\n');
  });

  it('pins the workflow to the package manager version that ran the scaffolder', () => {
    const [ci] = generatedFiles({ ...base, packageManager: 'pnpm', packageManagerVersion: '10.9.8', ci: true });
    expect(ci.content).toContain('version: 10.9.8');
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
