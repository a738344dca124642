// Small pure checks on what the user typed. Each problem becomes one line that
// says what to do instead.

import { builtinModules } from 'node:module';
import path from 'node:path';

const PACKAGE_NAME = /^(?:@[a-z\d\-*~][a-z\d\-*._~]*\/)?[a-z\d\-~][a-z\d\-._~]*$/;
const RESERVED_NAMES = new Set(['node_modules', 'favicon.ico']);
const MAX_NAME_LENGTH = 214;

export function isValidPackageName(name: string): boolean {
  return (
    name.length <= MAX_NAME_LENGTH &&
    PACKAGE_NAME.test(name) &&
    !RESERVED_NAMES.has(name) &&
    !builtinModules.includes(name)
  );
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
  return `Unknown template "${name}": use --template ${templates.map((t) => t.name).join('|')}.`;
}

/**
 * Checks a Postgres connection string. Returns the problem as one line, or
 * undefined when it is usable. Never includes the password in the message.
 */
export function validateDatabaseUrl(value: string): string | undefined {
  const hint = 'expected postgres://user:password@host[:port]/database';
  if (/[\s\x00-\x1f\x7f]/.test(value)) return `The database URL contains spaces or control characters: ${hint}.`;
  if (value.includes('#')) return "The database URL contains '#': percent-encode it in the password (# as %23).";
  const scheme = /^([a-z][a-z\d+.-]*):/i.exec(value)?.[1];
  if (!scheme) return `The database URL has no scheme: ${hint}.`;
  if (!/^postgres(ql)?$/i.test(scheme)) return `The database URL must start with postgres:// or postgresql://, not ${scheme}://.`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `The database URL could not be parsed (percent-encode special characters in the password, e.g. @ as %40): ${hint}.`;
  }
  if (!url.hostname) return `The database URL has no host: ${hint}.`;
  if (!url.username) return `The database URL has no user: ${hint}.`;
  if (url.pathname.replace(/^\//, '') === '') return `The database URL has no database name: ${hint}.`;
  try {
    decodeURIComponent(url.password);
    decodeURIComponent(url.username);
  } catch {
    return 'The database URL has a malformed %-escape in its user or password: percent-encode them (e.g. % as %25).';
  }
  return undefined;
}

// The generated projects print URLs with the same helpers.
export { isLocalDatabaseUrl, maskDatabaseUrl } from '../../templates/_shared/neon-local/database-url.ts';
