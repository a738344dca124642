// This repository's own CI: .github/workflows/ci.yml runs .ci/run, which runs
// exactly the README's test command. The workflow is validated offline
// (action-validator, in process) and held to the rules of the workflows we
// generate: read-only permissions, actions pinned to commit SHAs, a timeout,
// no secrets.

import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { isPair, isScalar, parse, parseDocument, visit } from 'yaml';
import { ACTIONS } from '../../src/scaffold/ci-workflow.ts';
import { templatesRoot } from '../../src/scaffold/templates.ts';

const REPO = path.resolve(templatesRoot(), '..');
const WORKFLOW = '.github/workflows/ci.yml';
const RUN = '.ci/run';
const text = readFileSync(path.join(REPO, WORKFLOW), 'utf8');

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Job = { 'runs-on': string; 'timeout-minutes'?: number; container?: { image: string; options?: string }; permissions?: unknown; steps: Step[] };
const workflow = parse(text) as { on: Record<string, unknown>; permissions: unknown; jobs: Record<string, Job> };
const jobs = Object.values(workflow.jobs);
const steps = jobs.flatMap((job) => job.steps);

/** The README's test command: the shell block after "Run this repository's tests". */
function readmeTestCommand(): string {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const after = readme.slice(readme.indexOf("**Run this repository's tests**"));
  const block = /```sh\n([\s\S]*?)\n```/.exec(after);
  if (!block) throw new Error('README.md has no shell block after "Run this repository\'s tests"');
  return block[1].trim();
}

/** Every `uses:` with the comment written after it on its line. */
function usesWithComments(yaml: string): { uses: string; comment: string }[] {
  const found: { uses: string; comment: string }[] = [];
  visit(parseDocument(yaml), {
    Pair(_, pair) {
      if (isPair(pair) && isScalar(pair.key) && pair.key.value === 'uses' && isScalar(pair.value)) {
        found.push({ uses: String(pair.value.value), comment: (pair.value.comment ?? '').trim() });
      }
    },
  });
  return found;
}

describe(WORKFLOW, () => {
  it('passes action-validator, which does reject a broken copy of it', () => {
    expect(validateWorkflow(text).errors).toEqual([]);
    expect(validateWorkflow(text.replace('runs-on:', 'runs_on:')).errors).not.toEqual([]);
  });

  it('runs on every push and pull request, never pull_request_target', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
    expect(text).not.toContain('pull_request_target');
  });

  it('reads the repository and nothing more: contents read, no job widens it, no secrets', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    for (const job of jobs) expect(job.permissions).toBeUndefined();
    expect(text).not.toMatch(/secrets\./);
    expect(steps.find((s) => s.uses?.startsWith('actions/checkout@'))?.with).toEqual({ 'persist-credentials': false });
  });

  it('has a timeout on every job', () => {
    for (const job of jobs) expect(job['timeout-minutes']).toBeGreaterThan(0);
  });

  it('pins every action to a commit SHA with its version in a comment, checkout as the generated workflows do', () => {
    const actions = usesWithComments(text);
    expect(actions.length).toBeGreaterThan(0);
    for (const { uses, comment } of actions) {
      expect(uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      expect(comment).toMatch(/^v\d+(\.\d+)*$/);
    }
    expect(actions).toContainEqual({ uses: `${ACTIONS.checkout.repo}@${ACTIONS.checkout.sha}`, comment: ACTIONS.checkout.version });
  });

  it('runs .ci/run on Debian 12 (bookworm) with Node 22, as root, and nothing else', () => {
    for (const job of jobs) {
      expect(job.container?.image).toMatch(/^node:22-bookworm(@sha256:[0-9a-f]{64})?$/);
      expect(job.container?.options ?? '').toMatch(/--user root\b/);
    }
    expect(steps.flatMap((s) => (s.run ? [s.run.trim()] : []))).toEqual([RUN]);
  });
});

describe(RUN, () => {
  const script = readFileSync(path.join(REPO, RUN), 'utf8');
  const commands = script
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it("ends by running exactly the README's test command, npm ci && npm test", () => {
    expect(readmeTestCommand()).toBe('npm ci && npm test');
    expect(commands.at(-1)).toBe(readmeTestCommand());
  });

  it('is executable, and stops at the first failure', () => {
    expect(statSync(path.join(REPO, RUN)).mode & 0o111).not.toBe(0);
    expect(commands).toContain('set -euo pipefail');
  });

  it('installs what the tests need from a bare Debian image: PostgreSQL 15 with PostGIS, Chromium, git, ps/pgrep, runuser, script', () => {
    for (const pkg of ['postgresql-15', 'postgresql-15-postgis-3', 'chromium', 'git', 'procps', 'util-linux', 'bsdutils']) {
      expect(script).toMatch(new RegExp(`packages\\+=\\([^)]*\\b${pkg}\\b`));
    }
  });
});

describe('package.json', () => {
  type Lock = { packages: Record<string, { hasInstallScript?: boolean; optional?: boolean }> };
  const lock = JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as Lock;
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };

  it("approves in allowScripts every install script npm ci runs (node's preinstall brings Node 22), so npm 11.19+ has nothing to warn about", () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([where]) => where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts).toContain('node');
    expect([...new Set(withScripts)].sort()).toEqual(Object.keys(pkg.allowScripts ?? {}).sort());
  });
});
