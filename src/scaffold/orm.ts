// `--orm drizzle`: a template's ORM variant is an overlay folder inside it
// (e.g. templates/worker-raw/orm/drizzle/, never copied otherwise) whose files
// are written over the template's (README.md and AGENTS.md included), plus
// the dependencies and scripts that its template.ts lists for it. drizzle-kit
// generates SQL into the same migrations/ folder that neon-on-localhost's
// runner applies, so there is one migrations folder and one record of what
// ran, with or without an ORM.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Orm, Template } from './template-config.ts';
import { byTarget, templateEntries, type TemplateEntry } from './template-files.ts';

type WithOrms = Pick<Template, 'orms'>;

const variantOf = (template: WithOrms, orm: Orm | undefined) => (orm && orm !== 'none' ? template.orms[orm] : undefined);

/** The project's files with the ORM's overlay in place of the template's files of the same name. */
export function withOrmEntries(templateDir: string, template: WithOrms, orm: Orm | undefined, entries: TemplateEntry[]): TemplateEntry[] {
  const variant = variantOf(template, orm);
  if (!variant) return entries;
  const overlayDir = path.join(templateDir, variant.files);
  if (!existsSync(overlayDir)) throw new Error(`create-neon-edge: ${overlayDir} is missing for --orm ${orm}`);
  const overlay = templateEntries(overlayDir);
  const replaced = new Set(overlay.map((e) => e.target));
  return [...entries.filter((e) => !replaced.has(e.target)), ...overlay].sort(byTarget);
}

/** Adds the ORM's dependencies and scripts to the written package.json (after the files are copied). */
export function addOrmToPackage(targetDir: string, template: WithOrms, orm: Orm | undefined): void {
  const variant = variantOf(template, orm);
  if (!variant) return;
  const file = path.join(targetDir, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string> | unknown>;
  for (const key of ['dependencies', 'devDependencies', 'scripts'] as const) {
    if (!variant[key]) continue;
    const merged = { ...((pkg[key] as Record<string, string> | undefined) ?? {}), ...variant[key] };
    // Sorted like npm writes them, scripts in their order with the new ones last.
    pkg[key] = key === 'scripts' ? merged : Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
}
