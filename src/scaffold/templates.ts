// The templates on offer: each folder under templates/ with a template.ts
// (its TemplateConfig, see template-config.ts) is one, found at build time
// (template-registry.ts). Its files are copied from dist/templates when
// published, templates/ in this repository.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PLATFORMS } from './platforms.ts';
import type { Template, TemplateConfig } from './template-config.ts';
import { TEMPLATE_CONFIGS } from './template-registry.ts';

/** dist/templates next to the bundled CLI, or templates/ at the repository root. */
export function templatesRoot(): string {
  for (const candidate of ['./templates', '../../templates']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new Error('create-neon-edge: templates folder not found next to the CLI');
}

/** A template's facts as the steps use them. */
export function resolveTemplate(name: string, config: TemplateConfig): Template {
  return {
    name,
    description: config.description,
    ...(config.recommended ? { recommended: config.recommended } : {}),
    platform: PLATFORMS[config.platform],
    scripts: config.scripts,
    dbSetup: config.dbSetup ?? false,
    embeddedDatabase: config.database.embedded,
    ...(config.database.embedded ? {} : { databaseNeeds: config.database.needs }),
    production: config.production,
    ci: config.ci,
    allowBuilds: config.allowBuilds ?? [],
    orms: config.orm ?? {},
  };
}

/** The templates in the order they are offered. */
export function resolveTemplates(entries: readonly { name: string; config: TemplateConfig }[]): Template[] {
  return [...entries].sort((a, b) => a.config.order - b.config.order).map(({ name, config }) => resolveTemplate(name, config));
}

export const TEMPLATES: readonly Template[] = resolveTemplates(TEMPLATE_CONFIGS);

/** The first template offered (a recommended one), chosen by --yes and highlighted in the picker. */
export const DEFAULT_TEMPLATE: string = TEMPLATES[0].name;
