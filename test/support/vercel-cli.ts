// The Vercel templates pin the Vercel CLI as a devDependency, so their
// `dev`/`deploy` scripts work without a global install. Asked for its help,
// `vercel deploy` prints its version and exits without touching the project.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { run } from './cli.ts';

export async function expectDeployUsesLocalVercel(project: string): Promise<void> {
  const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  const pinned = pkg.devDependencies?.vercel;
  expect(pinned, 'vercel is a devDependency').toMatch(/^\d+\.\d+\.\d+$/);
  const before = readdirSync(project).sort();
  // cleanEnv's PATH has no global vercel: only node_modules/.bin can answer.
  const result = await run('npm', ['run', 'deploy', '--', '--help'], { cwd: project, timeoutMs: 60_000 });
  expect(result.output).not.toMatch(/vercel: (command )?not found/);
  expect(result.output).toContain(`Vercel CLI ${pinned}`);
  expect(result.output).toMatch(/vercel deploy \[project-path\]/);
  expect(readdirSync(project).sort(), 'no new files in the project').toEqual(before);
}
