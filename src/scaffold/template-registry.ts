// Every templates/<name>/template.ts, by folder name: adding a template is
// adding a folder. Under vitest, Vite expands import.meta.glob; the CLI's
// build replaces this module with the same list read from the folders
// (scripts/template-registry-plugin.ts), so the published CLI has the
// templates' facts bundled and loads no TypeScript when it runs.

import type { TemplateConfig } from './template-config.ts';

const modules = import.meta.glob<TemplateConfig>('../../templates/*/template.ts', { eager: true, import: 'default' });

export const TEMPLATE_CONFIGS: readonly { name: string; config: TemplateConfig }[] = Object.entries(modules).map(([file, config]) => ({
  name: file.split('/').at(-2) ?? file,
  config,
}));
