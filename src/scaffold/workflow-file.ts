// The CI workflow a project gets: its template's CI needs, written for the
// package manager. Here it is written on the spot (ci-workflow.ts, with the
// yaml library); the CLI's build replaces this module with the texts written
// at build time for every template and package manager
// (scripts/prebuilt-workflows-plugin.ts, prebuilt-workflow.ts), so the CLI
// carries no YAML writer: loading and running one was the slowest part of a
// scaffold.

import { ciWorkflow } from './ci-workflow.ts';
import type { PackageManager } from './package-manager.ts';
import type { Template } from './template-config.ts';

export function workflowFile(template: Pick<Template, 'name' | 'ci'>, pm: PackageManager, pmVersion?: string): string {
  return ciWorkflow(template.ci, pm, pmVersion);
}
