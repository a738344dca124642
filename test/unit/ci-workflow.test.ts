// The generated GitHub Actions workflow: valid (action-validator, in process,
// offline) for every template and package manager, and hardened: secrets only
// in the step that uses them, actions pinned to commit SHAs, no `latest`, no
// pull_request_target, and a word on what forks get.

import path from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTIONS, ciWorkflow } from '../../src/scaffold/ci-workflow.ts';
import { CI_TOOL_VERSIONS as TOOL_VERSIONS, PACKAGE_MANAGERS } from '../../src/scaffold/package-manager.ts';
import type { CiNeeds } from '../../src/scaffold/template-config.ts';
import { TEMPLATES, templatesRoot } from '../../src/scaffold/templates.ts';
import { workflowFile } from '../../src/scaffold/workflow-file.ts';
import { prebuiltWorkflowsPlugin } from '../../scripts/prebuilt-workflows-plugin.ts';

type Step = { name?: string; uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown> };
type Job = { env?: unknown; services?: unknown; steps: Step[]; if?: string };
type Workflow = { on: Record<string, unknown>; env?: unknown; jobs: Record<string, Job> };

// What a template can declare, without naming one.
const EMBEDDED: CiNeeds = { database: { kind: 'embedded' } };
const SERVICE: CiNeeds = { database: { kind: 'service', image: 'postgis/postgis:17-3.5', label: 'PostGIS' }, before: ['db:setup'] };
const SERVICE_AND_NEON: CiNeeds = { ...SERVICE, neonBranchPerPullRequest: true };
const EMBEDDED_AND_NEON: CiNeeds = { ...EMBEDDED, neonBranchPerPullRequest: true };
const KINDS = { EMBEDDED, SERVICE, SERVICE_AND_NEON, EMBEDDED_AND_NEON };

const everyWorkflow = [
  ...TEMPLATES.flatMap((t) => PACKAGE_MANAGERS.map((pm) => [`${t.name} with ${pm}`, ciWorkflow(t.ci, pm)] as const)),
  ...Object.entries(KINDS).flatMap(([kind, ci]) => PACKAGE_MANAGERS.map((pm) => [`${kind} with ${pm}`, ciWorkflow(ci, pm)] as const)),
];

const errorsOf = (yaml: string) => validateWorkflow(yaml).errors;

describe('the CI workflow', () => {
  it.each(everyWorkflow)('%s passes action-validator', (_, yaml) => {
    expect(errorsOf(yaml)).toEqual([]);
  });

  it('action-validator does reject a broken workflow (the check above means something)', () => {
    expect(errorsOf(ciWorkflow(EMBEDDED, 'npm').replace('runs-on:', 'runs_on:'))).not.toEqual([]);
  });

  it.each(everyWorkflow)('%s: each secret only in the one step that uses it, never in a job or the workflow', (_, yaml) => {
    const workflow = parse(yaml) as Workflow;
    expect(JSON.stringify(workflow.env ?? {})).not.toContain('secrets.');
    for (const job of Object.values(workflow.jobs)) {
      expect(JSON.stringify({ env: job.env, services: job.services, if: job.if })).not.toContain('secrets.');
      for (const step of job.steps) {
        if (!JSON.stringify(step).includes('secrets.')) continue;
        // Only Neon's own actions get the API key: no run step (the install, the tests) sees it.
        expect(step.run, JSON.stringify(step)).toBeUndefined();
        expect(step.uses).toMatch(/^neondatabase\/(create|delete)-branch-action@/);
      }
    }
    expect(yaml).not.toContain('GITHUB_ENV');
  });

  it.each(everyWorkflow)('%s: the install runs before any secret or database URL exists', (_, yaml) => {
    const steps = (parse(yaml) as Workflow).jobs.test.steps;
    const install = steps.findIndex((s) => /\b(ci|install)\b/.test(s.run ?? ''));
    expect(install).toBeGreaterThan(0);
    expect(steps[install].env).toBeUndefined();
    const firstSecret = steps.findIndex((s) => JSON.stringify(s).includes('secrets.') || s.env?.DATABASE_URL);
    if (firstSecret !== -1) expect(firstSecret).toBeGreaterThan(install);
  });

  it.each(everyWorkflow)('%s: every action pinned to a full commit SHA, with its version in a comment', (_, yaml) => {
    const lines = yaml.split('\n').filter((line) => /^\s*-?\s*uses:/.test(line));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it.each(everyWorkflow)('%s: no `latest` anywhere (tool versions, runner)', (_, yaml) => {
    expect(yaml.toLowerCase()).not.toContain('latest');
  });

  it.each(everyWorkflow)('%s: not run on pull_request_target, which would hand forks the secrets', (_, yaml) => {
    expect(Object.keys((parse(yaml) as Workflow).on)).not.toContain('pull_request_target');
    expect(yaml).not.toContain('pull_request_target');
  });

  it('says what forks get: no secrets, the default database', () => {
    expect(ciWorkflow(SERVICE_AND_NEON, 'npm')).toMatch(
      /# Pull requests from forks get no secrets: they skip the Neon branch and run on\n# the PostGIS service\./,
    );
    expect(ciWorkflow(EMBEDDED_AND_NEON, 'npm')).toMatch(/forks get no secrets: they skip the Neon branch and run on\n# the embedded database\./);
    expect(ciWorkflow(EMBEDDED, 'npm')).toContain('# It uses no secrets, so pull requests from forks run it the same way.');
  });

  it('makes the Neon branch only for pull requests from this repository, with the variable set', () => {
    const steps = (parse(ciWorkflow(SERVICE_AND_NEON, 'npm')) as Workflow).jobs.test.steps;
    const neon = steps.find((s) => s.uses?.startsWith('neondatabase/create-branch-action@'));
    expect(neon?.with?.api_key).toBe('${{ secrets.NEON_API_KEY }}');
    expect((neon as { if: string }).if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    expect((neon as { if: string }).if).toContain("vars.NEON_PROJECT_ID != ''");
  });

  it('embedded: no service and no DATABASE_URL; service: a container and its URL; Neon: the branch, else the default', () => {
    const embedded = parse(ciWorkflow(EMBEDDED, 'npm')) as Workflow;
    expect(embedded.jobs.test.services).toBeUndefined();
    expect(embedded.jobs.test.steps.map((s) => s.run).filter(Boolean)).toEqual(['npm ci', 'npm test']);
    expect(Object.keys(embedded.jobs)).toEqual(['test']);

    const service = parse(ciWorkflow(SERVICE, 'pnpm')) as Workflow;
    expect(JSON.stringify(service.jobs.test.services)).toContain('postgis/postgis:17-3.5');
    const runs = service.jobs.test.steps.filter((s) => s.run);
    expect(runs.map((s) => s.run)).toEqual(['pnpm install --frozen-lockfile', 'pnpm run db:setup', 'pnpm test']);
    expect(runs[2].env?.DATABASE_URL).toBe('postgres://postgres:postgres@localhost:5432/app');

    const neon = parse(ciWorkflow(SERVICE_AND_NEON, 'npm')) as Workflow;
    expect(neon.jobs.test.steps.at(-1)?.env?.DATABASE_URL).toBe("${{ steps.neon.outputs.db_url || 'postgres://postgres:postgres@localhost:5432/app' }}");
    expect(Object.keys(neon.jobs)).toEqual(['test', 'delete-neon-branch']);
    const embeddedNeon = parse(ciWorkflow(EMBEDDED_AND_NEON, 'npm')) as Workflow;
    // Empty when there is no branch: the tests take the embedded database.
    expect(embeddedNeon.jobs.test.steps.at(-1)?.env?.DATABASE_URL).toBe('${{ steps.neon.outputs.db_url }}');
    expect(embeddedNeon.jobs.test.services).toBeUndefined();
  });

  it('pins pnpm and bun to the version that ran the scaffolder, else to a fixed one', () => {
    const version = (yaml: string, key: string) => JSON.stringify(parse(yaml)).match(new RegExp(`"${key}":"([^"]+)"`))?.[1];
    expect(version(ciWorkflow(EMBEDDED, 'pnpm', '10.1.0'), 'version')).toBe('10.1.0');
    expect(version(ciWorkflow(EMBEDDED, 'pnpm'), 'version')).toBe(TOOL_VERSIONS.pnpm);
    expect(version(ciWorkflow(EMBEDDED, 'bun', '1.2.3'), 'bun-version')).toBe('1.2.3');
    expect(version(ciWorkflow(EMBEDDED, 'bun'), 'bun-version')).toBe(TOOL_VERSIONS.bun);
  });

  it('quotes the service port mapping, which YAML 1.1 would read as a number', () => {
    expect(ciWorkflow(SERVICE, 'npm')).toContain("- '5432:5432'");
  });

  it('knows each pinned action by a 40-hex SHA and a full version', () => {
    for (const action of Object.values(ACTIONS)) {
      expect(action.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(action.version).toMatch(/^v\d+\.\d+\.\d+$/);
    }
  });
});

describe('the workflows the CLI carries, written at build time', () => {
  it('are the same texts, for every template, package manager and version, and the bundle has no YAML writer', async () => {
    const out = await build({
      entryPoints: [path.join(templatesRoot(), '..', 'src/scaffold/workflow-file.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      logLevel: 'silent',
      plugins: [prebuiltWorkflowsPlugin(templatesRoot())],
    });
    const code = out.outputFiles[0].text;
    expect(code).not.toMatch(/YAMLMap|YAMLSeq/);
    const built = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { workflowFile: typeof workflowFile };
    for (const t of TEMPLATES) {
      for (const pm of PACKAGE_MANAGERS) {
        for (const version of [undefined, '10.1.0'])
          expect(built.workflowFile(t, pm, version), `${t.name} ${pm} ${version}`).toBe(workflowFile(t, pm, version));
      }
    }
    expect(() => built.workflowFile({ name: 'no-such-template', ci: TEMPLATES[0].ci }, 'npm')).toThrow(/no CI workflow was built for no-such-template/);
  });
});
