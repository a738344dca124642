// The files written from the answers rather than copied from the template:
// the CI workflow (--ci, from the template's `ci` facts and the package
// manager, see workflow-file.ts) and pnpm's build approvals.

import type { Answers } from './context.ts';
import { pnpmWorkspaceYaml } from './package-manager.ts';
import { workflowFile } from './workflow-file.ts';

export const CI_FILE = '.github/workflows/ci.yml';
export const PNPM_WORKSPACE_FILE = 'pnpm-workspace.yaml';

export interface GeneratedFile {
  /** Relative to the project. */
  path: string;
  content: string;
}

/** Every path this run may generate, whatever the answers (for rollback and the symlink check). */
export const GENERATED_PATHS = [CI_FILE, PNPM_WORKSPACE_FILE];

export function generatedFiles(answers: Pick<Answers, 'template' | 'packageManager' | 'packageManagerVersion' | 'ci'>): GeneratedFile[] {
  const files: GeneratedFile[] = [];
  if (answers.ci) files.push({ path: CI_FILE, content: workflowFile(answers.template, answers.packageManager, answers.packageManagerVersion) });
  if (answers.packageManager === 'pnpm' && answers.template.allowBuilds.length > 0) {
    files.push({ path: PNPM_WORKSPACE_FILE, content: pnpmWorkspaceYaml(answers.template.allowBuilds) });
  }
  return files;
}
