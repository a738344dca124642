// Small pure checks on what the user typed. Each problem becomes one line that
// says what to do instead.

import { builtinModules } from 'node:module';
import path from 'node:path';
import { closest, distance } from 'fastest-levenshtein';

const PACKAGE_NAME = /^(?:@[a-z\d\-*~][a-z\d\-*._~]*\/)?[a-z\d\-~][a-z\d\-._~]*$/;
const RESERVED_NAMES = new Set(['node_modules', 'favicon.ico']);
const MAX_NAME_LENGTH = 214;

export function isValidPackageName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && PACKAGE_NAME.test(name) && !RESERVED_NAMES.has(name) && !builtinModules.includes(name);
}

/** Turns a directory name into a valid npm package name ("My App!" → "my-app"). */
export function toValidPackageName(raw: string): string {
  let name = raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // é → e
    .trim()
    .toLowerCase()
    .replace(/[^a-z\d\-~._]+/g, '-')
    .replace(/^[._-]+/, '')
    .replace(/-+/g, '-')
    .replace(/-$/, '')
    .slice(0, MAX_NAME_LENGTH - 4);
  if (name === '') name = 'neon-edge-app';
  if (!isValidPackageName(name)) name = `${name}-app`;
  return name;
}

/** Cloudflare Worker names: lowercase letters, digits and dashes, at most 63. */
export function toWorkerName(packageName: string): string {
  const name = packageName
    .replace(/^@[^/]+\//, '')
    .replace(/[^a-z\d-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return name || 'neon-edge-app';
}

/** The package name for a target directory (`.` means the current one). */
export function projectNameFor(targetDir: string): string {
  return toValidPackageName(path.basename(path.resolve(targetDir)));
}

export interface TemplateInfo {
  name: string;
  description: string;
}

export function validateTemplateName(name: string, templates: readonly TemplateInfo[]): string | undefined {
  if (templates.some((t) => t.name === name)) return undefined;
  const names = templates.map((t) => t.name);
  const nearest = nearestName(name, names);
  if (nearest) return `Unknown template "${name}": did you mean --template ${nearest}? (the templates: ${names.join('|')})`;
  return `Unknown template "${name}": use --template ${names.join('|')}.`;
}

/** A typo is a few edits from the name (worker-rwa, vercel_node, Worker-Raw): one per 3 characters typed, 3 at most. */
const maxTypoEdits = (typed: string) => Math.min(3, Math.floor(typed.length / 3));

/**
 * The name meant by a mistyped one: the closest within a few edits, else the
 * only name containing it (`postgis`). Undefined when none stands out.
 */
export function nearestName(typed: string, names: readonly string[]): string | undefined {
  const wanted = typed.toLowerCase();
  if (wanted === '') return undefined;
  const best = closest(wanted, names);
  if (distance(wanted, best) <= maxTypoEdits(wanted)) return best;
  const containing = names.filter((n) => wanted.length >= 3 && n.includes(wanted));
  return containing.length === 1 ? containing[0] : undefined;
}

// The generated projects print URLs, and check DATABASE_URL at `npm start`, with the same helpers.
export { isLocalDatabaseUrl, maskDatabaseUrl, validateDatabaseUrl } from 'neon-on-localhost/database-url';
