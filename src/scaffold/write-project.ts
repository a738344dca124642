// Writes the project: the template's files as they are, then the few files
// that carry the project's name and its DATABASE_URL.

import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
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
const NOT_COPIED = new Set(['node_modules', '.wrangler', '.vercel', '.neon-edge', 'dist', 'package-lock.json']);
const SECRETS_FILE = /^\.(dev\.vars|env)(\..*)?$/;

export function isTemplateFile(file: string): boolean {
  const name = path.basename(file);
  return !NOT_COPIED.has(name) && !(SECRETS_FILE.test(name) && !name.endsWith('.example'));
}

export function copyTemplate(templateDir: string, targetDir: string): void {
  // dereference: shared parts of templates are symlinks in the repository.
  cpSync(templateDir, targetDir, { recursive: true, dereference: true, filter: isTemplateFile });
  for (const [stored, real] of Object.entries(RENAMES)) {
    const from = path.join(targetDir, stored);
    if (existsSync(from)) renameSync(from, path.join(targetDir, real));
  }
}

/** The files copyTemplate writes, relative to the project, with dotfiles under their real names. */
export function templateFiles(templateDir: string): string[] {
  const files: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (!isTemplateFile(full)) continue;
      const target = rel ? path.join(rel, name) : (RENAMES[name] ?? name);
      // statSync follows the symlinks that cpSync dereferences.
      if (statSync(full).isDirectory()) walk(full, target);
      else files.push(target);
    }
  };
  walk(templateDir, '');
  return files.sort();
}

export function setPackageName(targetDir: string, name: string): void {
  const file = path.join(targetDir, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
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

export function writeProject(templatesRoot: string, answers: Answers): void {
  copyTemplate(path.join(templatesRoot, answers.template.name), answers.targetDir);
  setPackageName(answers.targetDir, answers.projectName);
  setWorkerName(answers.targetDir, toWorkerName(answers.projectName));
  if (answers.databaseUrl) {
    writeSecretFile(path.join(answers.targetDir, answers.template.platform.envFile), envLine('DATABASE_URL', answers.databaseUrl));
  }
}
