// `--orm drizzle`: a template's ORM variant is an overlay folder inside it
// (e.g. templates/worker-raw/orm/drizzle/, never copied otherwise) whose files
// are written over the template's, plus the dependencies and scripts that
// template.json lists for it. drizzle-kit generates SQL into the same
// migrations/ folder that neon-on-localhost's runner applies, so there is one
// migrations folder and one record of what ran, with or without an ORM.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Template } from './templates.ts';
import { templateEntries, type TemplateEntry } from './write-project.ts';

export const ORMS = ['none', 'drizzle'] as const;
export type Orm = (typeof ORMS)[number];

/** What template.json says about one ORM variant. */
export interface OrmVariant {
  /** The overlay folder, relative to the template. */
  files: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
}

/** The folder a template keeps its ORM variants in: not part of the project. */
export const ORM_FOLDER = 'orm';

/** The project's files with the ORM's overlay in place of the template's files of the same name. */
export function withOrmEntries(templateDir: string, template: Template, orm: Orm | undefined, entries: TemplateEntry[]): TemplateEntry[] {
  const variant = orm && orm !== 'none' ? template.orms[orm] : undefined;
  if (!variant) return entries;
  const overlayDir = path.join(templateDir, variant.files);
  if (!existsSync(overlayDir)) throw new Error(`create-neon-edge: ${overlayDir} is missing for --orm ${orm}`);
  const overlay = templateEntries(overlayDir);
  const replaced = new Set(overlay.map((e) => e.target));
  return [...entries.filter((e) => !replaced.has(e.target)), ...overlay].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
}

/** Adds the ORM's dependencies and scripts to the written package.json (after the files are copied). */
export function addOrmToPackage(targetDir: string, template: Template, orm: Orm | undefined): void {
  const variant = orm && orm !== 'none' ? template.orms[orm] : undefined;
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
