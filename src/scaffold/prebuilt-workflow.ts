// The CLI's workflow-file.ts, as its build generates it, looks a workflow up
// here among the texts written at build time (scripts/prebuilt-workflows-plugin.ts):
// one per template and package manager, written with VERSION_PLACEHOLDER where
// the package manager's version goes.

import { CI_TOOL_VERSIONS, type PackageManager } from './package-manager.ts';
import type { Template } from './template-config.ts';

/** Stands for the package manager's version in a prebuilt workflow: a plain YAML scalar like a version. */
export const VERSION_PLACEHOLDER = '0.0.0-package-manager-version';

export type PrebuiltWorkflows = Readonly<Record<string, Readonly<Partial<Record<PackageManager, string>>>>>;

export function prebuiltWorkflow(texts: PrebuiltWorkflows, template: Pick<Template, 'name'>, pm: PackageManager, pmVersion?: string): string {
  const text = texts[template.name]?.[pm];
  if (text === undefined) throw new Error(`create-neon-edge: no CI workflow was built for ${template.name} with ${pm}`);
  const version = pmVersion ?? (pm === 'pnpm' || pm === 'bun' ? CI_TOOL_VERSIONS[pm] : '');
  return text.replaceAll(VERSION_PLACEHOLDER, version);
}
