// The build's half of src/scaffold/workflow-file.ts: writes the CI workflow
// of every template (each templates/<name>/template.ts's `ci`) for every
// package manager now, with the yaml library, and replaces that module with
// a lookup among these texts (src/scaffold/prebuilt-workflow.ts). The CLI
// then carries no YAML writer.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { ciWorkflow } from '../src/scaffold/ci-workflow.ts';
import { PACKAGE_MANAGERS } from '../src/scaffold/package-manager.ts';
import { VERSION_PLACEHOLDER, type PrebuiltWorkflows } from '../src/scaffold/prebuilt-workflow.ts';
import { TEMPLATE_CONFIG_FILE, type TemplateConfig } from '../src/scaffold/template-config.ts';
import { templateFolders } from './template-registry-plugin.ts';

/** Every template's workflow for every package manager, the version left as VERSION_PLACEHOLDER. */
export async function prebuiltWorkflows(templatesDir: string): Promise<PrebuiltWorkflows> {
  const texts: Record<string, Record<string, string>> = {};
  for (const name of templateFolders(templatesDir)) {
    const file = path.join(templatesDir, name, TEMPLATE_CONFIG_FILE);
    const { default: config } = (await import(pathToFileURL(file).href)) as { default: TemplateConfig };
    texts[name] = Object.fromEntries(PACKAGE_MANAGERS.map((pm) => [pm, ciWorkflow(config.ci, pm, VERSION_PLACEHOLDER)]));
  }
  return texts;
}

export function prebuiltWorkflowsPlugin(templatesDir: string): Plugin {
  const lookup = path.join(import.meta.dirname, '..', 'src', 'scaffold', 'prebuilt-workflow.ts');
  return {
    name: 'prebuilt-workflows',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]scaffold[\\/]workflow-file\.ts$/ }, async () => ({
        contents: [
          `import { prebuiltWorkflow } from ${JSON.stringify(lookup)};`,
          `const TEXTS = ${JSON.stringify(await prebuiltWorkflows(templatesDir))};`,
          'export function workflowFile(template, pm, pmVersion) { return prebuiltWorkflow(TEXTS, template, pm, pmVersion); }',
          '',
        ].join('\n'),
        loader: 'ts',
        resolveDir: templatesDir,
        watchDirs: [templatesDir],
      }));
    },
  };
}
