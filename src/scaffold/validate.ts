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

// Characters that end the user:password@host part of a URL, and their escapes.
const DELIMITER_ESCAPES: Record<string, string> = { '/': '%2F', '?': '%3F', '#': '%23', '@': '%40' };

/**
 * Checks a Postgres connection string. Returns the problem as one line, or
 * undefined when it is usable. Never includes the password in the message.
 */
export function validateDatabaseUrl(value: string): string | undefined {
  const hint = 'expected postgres://user:password@host[:port]/database';
  if (/[\s\x00-\x1f\x7f]/.test(value)) return `The database URL contains spaces or control characters: ${hint}.`;
  if (value.includes('#')) return "The database URL contains '#': percent-encode it in the password (# as %23).";
  const scheme = /^([a-z][a-z\d+.-]*):\/\//i.exec(value)?.[1];
  if (!scheme) return `The database URL has no scheme: start it with postgres:// (${hint}).`;
  if (!/^postgres(ql)?$/i.test(scheme)) return `The database URL must start with postgres:// or postgresql://, not ${scheme}://.`;

  // The authority (user:password@host:port) ends at the first '/' or '?', and
  // its user:password part at its last '@'. An unencoded '@', '/' or '?' in
  // the password moves those boundaries: the URL may even parse, to the wrong
  // host, so say which character to encode.
  const rest = value.slice(scheme.length + 3);
  const end = rest.search(/[/?]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? '' : authority.slice(0, at);
  const hostPort = authority.slice(at + 1);
  if (userinfo.includes('@')) return "The database URL's user or password contains '@': percent-encode it (@ as %40).";
  if (at === -1 && end !== -1 && rest.slice(end).includes('@')) {
    const c = rest[end];
    return `The database URL's password contains '${c}': percent-encode it (${c} as ${DELIMITER_ESCAPES[c]}).`;
  }
  if (hostPort === '' || hostPort.startsWith(':')) return `The database URL has no host: ${hint}.`;
  const port = /^(?:\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/.exec(hostPort)?.[1];
  if (port !== undefined && port !== '' && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    return 'The database URL has an invalid port: use a number from 1 to 65535 (postgres://user:password@host:5432/database).';
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `The database URL could not be parsed (percent-encode special characters in the password, e.g. @ as %40, / as %2F): ${hint}.`;
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
export { isLocalDatabaseUrl, maskDatabaseUrl } from '../../packages/neon-on-localhost/src/database-url.ts';
