// Writes the project: the template's files as they are, then the few files
// that carry the project's name and its DATABASE_URL.

import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { Answers } from './context.ts';
import { toWorkerName } from './validate.ts';

/** Dotfiles are stored with `_` in templates: npm drops `.gitignore` from published packages. */
export const RENAMES: Record<string, string> = {
  _gitignore: '.gitignore',
  '_dev.vars.example': '.dev.vars.example',
  '_env.example': '.env.example',
};

// What a template folder may hold on a developer's machine but never ships:
// build output, installs, local databases, and every secrets file
// (.dev.vars.<env>, .env.<mode>…).
// template.json describes the template to the scaffolder and is not part of the project.
const NOT_COPIED = new Set(['node_modules', '.wrangler', '.vercel', '.neon-edge', 'dist', 'package-lock.json', 'template.json', 'worker-configuration.d.ts']);
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

/** Every file a template writes: one walk, shared by the copy and by --force's backup. */
export function templateEntries(templateDir: string): TemplateEntry[] {
  const entries: TemplateEntry[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const source = path.join(dir, name);
      if (!isTemplateFile(source)) continue;
      const target = rel ? path.join(rel, name) : (RENAMES[name] ?? name);
      // statSync follows symlinks: shared parts of templates are links in the repository.
      if (statSync(source).isDirectory()) walk(source, target);
      else entries.push({ source, target });
    }
  };
  walk(templateDir, '');
  return entries.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
}

/**
 * Copies the template. The files are copied concurrently: most of a
 * scaffold's time is per-file filesystem latency, which overlaps.
 */
export async function copyTemplate(templateDir: string, targetDir: string, entries = templateEntries(templateDir)): Promise<void> {
  for (const dir of new Set(entries.map((e) => path.dirname(path.join(targetDir, e.target))))) mkdirSync(dir, { recursive: true });
  await Promise.all(entries.map((e) => copyFile(e.source, path.join(targetDir, e.target))));
}

/**
 * Where a project gets neon-on-localhost when the scaffolder runs from a clone
 * of this repository (`npm run create` sets it to a freshly packed tarball):
 * the published version is not there yet.
 */
export const TOOLKIT_OVERRIDE = 'CREATE_NEON_EDGE_TOOLKIT';

export function setPackageName(targetDir: string, name: string, toolkitSpec = process.env[TOOLKIT_OVERRIDE]): void {
  const file = path.join(targetDir, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { devDependencies?: Record<string, string> };
  if (toolkitSpec && pkg.devDependencies?.['neon-on-localhost']) pkg.devDependencies['neon-on-localhost'] = toolkitSpec;
  writeFileSync(file, `${JSON.stringify({ ...pkg, name }, null, 2)}\n`);
}

/** Sets the top-level "name" in wrangler.jsonc, keeping its comments. */
export function setWorkerName(targetDir: string, name: string): void {
  const file = path.join(targetDir, 'wrangler.jsonc');
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const nameField = /^(\s*"name"\s*:\s*)"[^"]*"/m;
  if (!nameField.test(text)) throw new Error('wrangler.jsonc in the template has no "name" to set');
  writeFileSync(file, text.replace(nameField, `$1${JSON.stringify(name)}`));
}

/** KEY=value in dotenv syntax, quoted only when the value needs it (dotenv has no escapes). */
export function envLine(key: string, value: string): string {
  if (/^[^\s#'"`\\$]*$/.test(value)) return `${key}=${value}\n`;
  return value.includes("'") ? `${key}="${value}"\n` : `${key}='${value}'\n`;
}

/** Writes a secrets file readable by its owner only (mode 0600, whatever the umask). */
export function writeSecretFile(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export async function writeProject(templatesRoot: string, answers: Answers, entries?: TemplateEntry[]): Promise<void> {
  await copyTemplate(path.join(templatesRoot, answers.template.name), answers.targetDir, entries);
  setPackageName(answers.targetDir, answers.projectName);
  setWorkerName(answers.targetDir, toWorkerName(answers.projectName));
  if (answers.databaseUrl) {
    writeSecretFile(path.join(answers.targetDir, answers.template.platform.envFile), envLine('DATABASE_URL', answers.databaseUrl));
  }
}
