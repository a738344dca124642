// Writes the project: the template's files as they are (its texts in the
// package manager's terms), then the few files that carry the project's name
// and its DATABASE_URL, and the generated ones (project-files.ts).

import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { envEntries, parseEnvFile, UNPOOLED_KEY } from 'neon-on-localhost/database-url';
import type { Answers } from './context.ts';
import { CliError } from './errors.ts';
import { claimComment } from './neon-new.ts';
import { withOrmEntries } from './orm.ts';
import { forPackageManager, npmAllowScripts } from './package-manager.ts';
import { generatedFiles } from './project-files.ts';
import { AGENTS_FILE, copyTemplate, templateEntries, type TemplateEntry } from './template-files.ts';
import { toWorkerName } from './validate.ts';

/** The template's texts, written in npm's terms and rewritten for the project's package manager. */
const DOCS = new Set(['README.md', AGENTS_FILE, '.dev.vars.example', '.env.example']);

/** The project's files: the template's, the ORM variant's over them, and AGENTS.md only when asked for. */
export function projectEntries(templateDir: string, answers: Pick<Answers, 'template' | 'orm' | 'agents'>): TemplateEntry[] {
  const entries = withOrmEntries(templateDir, answers.template, answers.orm, templateEntries(templateDir));
  return answers.agents ? entries : entries.filter((e) => e.target !== AGENTS_FILE);
}

/**
 * Where a project gets neon-on-localhost when the scaffolder runs from a clone
 * of this repository (`npm run create` sets it to a freshly packed tarball):
 * the published version is not there yet.
 */
export const TOOLKIT_OVERRIDE = 'CREATE_NEON_EDGE_TOOLKIT';

type PackageJson = { devDependencies?: Record<string, string> } & Record<string, unknown>;

/** Rewrites the project's package.json with what `update` makes of it. */
function updatePackageJson(targetDir: string, update: (pkg: PackageJson) => PackageJson): void {
  const file = path.join(targetDir, 'package.json');
  writeFileSync(file, `${JSON.stringify(update(JSON.parse(readFileSync(file, 'utf8')) as PackageJson), null, 2)}\n`);
}

export function setPackageName(targetDir: string, name: string, toolkitSpec = process.env[TOOLKIT_OVERRIDE]): void {
  updatePackageJson(targetDir, (pkg) => {
    if (toolkitSpec && pkg.devDependencies?.['neon-on-localhost']) pkg.devDependencies['neon-on-localhost'] = toolkitSpec;
    return { ...pkg, name };
  });
}

/** npm's approval of the template's install scripts (npmAllowScripts), last in package.json. */
export function setAllowScripts(targetDir: string, builds: readonly string[]): void {
  if (builds.length > 0) updatePackageJson(targetDir, (pkg) => ({ ...pkg, allowScripts: npmAllowScripts(builds) }));
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

/**
 * KEY=value in dotenv syntax, read back as exactly `value` by dotenv (wrangler,
 * Vercel) and by the project's own reader, which agree: plain when nothing
 * needs quoting, else the first quoting that round-trips (dotenv has no
 * escapes, so a value with ' and a literal \n needs backticks, which older
 * readers lack, so they come last).
 */
export function envLine(key: string, value: string): string {
  const candidates = /^[^\s#'"`\\$]*$/.test(value)
    ? [`${key}=${value}`]
    : [...["'", '"', '`'].filter((q) => !value.includes(q)).map((q) => `${key}=${q}${value}${q}`), `${key}=${value}`];
  const line = candidates.map((c) => `${c}\n`).find((c) => envEntries(c).length === 1 && parseEnvFile(c)[key] === value);
  if (!line) throw new CliError(`The value of ${key} cannot be written to a dotenv file so that it reads back the same: put it in by hand.`);
  return line;
}

/**
 * The secrets file with `key` set to `value` and every other line kept as it
 * was (a user's own secrets survive --force). Checked by reading it back.
 */
export function setEnvVar(existing: string | undefined, key: string, value: string, fileName: string): string {
  const line = envLine(key, value);
  if (existing === undefined || existing.trim() === '') return line;
  const text = existing.replace(/\r\n?/g, '\n');
  const spans = envEntries(text).filter((e) => e.key === key);
  let merged: string;
  if (spans.length === 0) merged = `${text}${text.endsWith('\n') ? '' : '\n'}${line}`;
  else {
    merged = text.slice(0, spans[0].start) + line;
    spans.forEach((span, n) => {
      const next = spans[n + 1]?.start ?? text.length;
      merged += text.slice(Math.min(span.end + 1, next), next);
    });
  }
  const expected = { ...parseEnvFile(text), [key]: value };
  const got = parseEnvFile(merged);
  const same = Object.keys(expected).length === Object.keys(got).length && Object.entries(expected).every(([k, v]) => got[k] === v);
  if (!same)
    throw new CliError(
      `Could not set ${key} in the existing ${fileName} without changing its other lines: move it away, or pass no database URL and edit it by hand.`,
    );
  return merged;
}

/** Writes a secrets file readable by its owner only (mode 0600, whatever the umask). */
export function writeSecretFile(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** A regular file's text, or undefined when there is none (checkSymlinks refused links before). */
function readExisting(file: string): string | undefined {
  try {
    return lstatSync(file).isFile() ? readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A user's .gitignore with the template's rules after it: theirs are all kept
 * (a previously ignored key must not reach the first commit), and ours come
 * last so that the secrets files stay ignored whatever theirs un-ignore.
 */
export function mergeGitignore(theirs: string, ours: string): string {
  if (theirs.includes(ours)) return theirs;
  return `${theirs}${theirs === '' || theirs.endsWith('\n') ? '' : '\n'}\n# create-neon-edge\n${ours}`;
}

type WriteAnswers = Pick<
  Answers,
  'targetDir' | 'projectName' | 'template' | 'orm' | 'agents' | 'ci' | 'packageManager' | 'packageManagerVersion' | 'databaseUrl' | 'neonNew'
>;

export function writeProject(templatesRoot: string, answers: WriteAnswers, entries?: TemplateEntry[]): void {
  const templateDir = path.join(templatesRoot, answers.template.name);
  const all = entries ?? projectEntries(templateDir, answers);
  const envFile = path.join(answers.targetDir, answers.template.platform.envFile);
  const gitignore = all.find((e) => e.target === '.gitignore');
  const theirIgnore = gitignore && readExisting(path.join(answers.targetDir, '.gitignore'));
  // Worked out before anything is written: a secrets file that cannot be merged stops the run here.
  let envContent = answers.databaseUrl ? setEnvVar(readExisting(envFile), 'DATABASE_URL', answers.databaseUrl, answers.template.platform.envFile) : undefined;
  if (envContent !== undefined && answers.neonNew) {
    envContent = setEnvVar(envContent, UNPOOLED_KEY, answers.neonNew.directUrl, answers.template.platform.envFile) + claimComment(answers.neonNew);
  }
  const docs = all.filter((e) => DOCS.has(e.target));
  copyTemplate(
    templateDir,
    answers.targetDir,
    all.filter((e) => !DOCS.has(e.target) && !(e === gitignore && theirIgnore !== undefined)),
  );
  for (const doc of docs) writeFileSync(path.join(answers.targetDir, doc.target), forPackageManager(answers.packageManager, readFileSync(doc.source, 'utf8')));
  if (gitignore && theirIgnore !== undefined) {
    writeFileSync(path.join(answers.targetDir, '.gitignore'), mergeGitignore(theirIgnore, readFileSync(gitignore.source, 'utf8')));
  }
  setPackageName(answers.targetDir, answers.projectName);
  if (answers.packageManager === 'npm') setAllowScripts(answers.targetDir, answers.template.allowBuilds);
  setWorkerName(answers.targetDir, toWorkerName(answers.projectName));
  for (const file of generatedFiles(answers)) {
    const target = path.join(answers.targetDir, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
  if (envContent !== undefined) writeSecretFile(envFile, envContent);
}
