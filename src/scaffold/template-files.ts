// Which files of a template folder become the project's, under which names:
// one walk, shared by the copy, --force's backup, and the build (which ships
// the same files in dist/templates).

import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { TEMPLATE_CONFIG_FILE } from './template-config.ts';

/** Dotfiles are stored with `_` in templates: npm drops `.gitignore` from published packages. */
export const RENAMES: Record<string, string> = {
  _gitignore: '.gitignore',
  '_dev.vars.example': '.dev.vars.example',
  '_env.example': '.env.example',
};

/** The folder a template keeps its ORM variants in (orm.ts): copied only when one is chosen. */
export const ORM_FOLDER = 'orm';

/** The template's instructions for coding agents: written only with --agents. */
export const AGENTS_FILE = 'AGENTS.md';

// What a template folder may hold on a developer's machine but never ships:
// build output, installs, local databases, and every secrets file
// (.dev.vars.<env>, .env.<mode>…). template.ts describes the template to the
// scaffolder (bundled into the CLI) and is not part of the project.
const NOT_COPIED = new Set([
  'node_modules',
  '.wrangler',
  '.vercel',
  '.neon-localhost',
  'dist',
  'package-lock.json',
  TEMPLATE_CONFIG_FILE,
  'worker-configuration.d.ts',
]);
const SECRETS_FILE = /^\.(dev\.vars|env)(\..*)?$/;

export function isTemplateFile(file: string): boolean {
  const name = path.basename(file);
  return !NOT_COPIED.has(name) && !(SECRETS_FILE.test(name) && !name.endsWith('.example'));
}

export interface TemplateEntry {
  /** Path in the template folder (symlinks are followed when copying). */
  source: string;
  /** Path in the project, relative, with dotfiles under their real names. */
  target: string;
}

export const byTarget = (a: TemplateEntry, b: TemplateEntry) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0);

/** Every file a template writes: one walk, shared by the copy and by --force's backup. */
export function templateEntries(templateDir: string): TemplateEntry[] {
  const entries: TemplateEntry[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const source = path.join(dir, name);
      if (!isTemplateFile(source)) continue;
      if (rel === '' && name === ORM_FOLDER) continue;
      const target = rel ? path.join(rel, name) : (RENAMES[name] ?? name);
      // statSync follows symlinks: shared parts of templates are links in the repository.
      if (statSync(source).isDirectory()) walk(source, target);
      else entries.push({ source, target });
    }
  };
  walk(templateDir, '');
  return entries.sort(byTarget);
}

/** Copies the template: a dozen small files, which a synchronous copy writes fastest. */
export function copyTemplate(templateDir: string, targetDir: string, entries = templateEntries(templateDir)): void {
  for (const dir of new Set(entries.map((e) => path.dirname(path.join(targetDir, e.target))))) mkdirSync(dir, { recursive: true });
  for (const e of entries) copyFileSync(e.source, path.join(targetDir, e.target));
}
