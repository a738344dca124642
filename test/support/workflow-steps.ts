// A generated project's CI workflow, run here as the runner would: its `run:`
// steps in order, in the project, each required to pass.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { parse } from 'yaml';
import { run, type Ran } from './cli.ts';

type Workflow = { jobs: Record<string, { steps: { run?: string }[] }> };

/** The `run:` steps of the generated workflow, job by job, in order. */
function workflowSteps(project: string): string[] {
  const workflow = parse(readFileSync(path.join(project, '.github', 'workflows', 'ci.yml'), 'utf8')) as Workflow;
  return Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => (step.run === undefined ? [] : [step.run])));
}

/** Runs every step; each must exit 0 without npm listing install scripts the project has not approved. */
export async function runWorkflowSteps(project: string, env: NodeJS.ProcessEnv): Promise<(Ran & { step: string })[]> {
  const results: (Ran & { step: string })[] = [];
  for (const step of workflowSteps(project)) {
    const ran = await run('sh', ['-c', step], { cwd: project, env, timeoutMs: 400_000 });
    expect(ran.code, `${step}\n${ran.output}`).toBe(0);
    // npm 11.19+ lists install scripts the project has not approved: it approves the ones it needs (allowScripts).
    expect(ran.output, step).not.toContain('install-scripts');
    results.push({ step, ...ran });
  }
  return results;
}
