// Where a generated project finds its DATABASE_URL when run on this machine:
// the environment first, then `.dev.vars` (what `wrangler dev` reads), then
// `.env.local` / `.env` (what `vercel dev` reads).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isLoopbackHost } from './targets.ts';

/** The env files DATABASE_URL is read from, in order, after the environment. */
export const ENV_FILES = ['.dev.vars', '.env.local', '.env'];

/** The variable for Neon's direct (unpooled) connection string: migrations, data loading, Hyperdrive's origin. */
export const UNPOOLED_KEY = 'DATABASE_URL_UNPOOLED';

/**
 * Both of a Neon endpoint's URLs from either one: the pooled host is the
 * endpoint's first label with `-pooler` (ep-x-pooler.region.aws.neon.tech),
 * the direct one without it. A host that is not a Neon endpoint (a mirror, a
 * local Postgres) has no pooler of its own: both are the URL as given.
 * Throws for a string that is not a URL.
 */
export function neonConnectionStrings(connectionString: string): { pooled: string; direct: string } {
  const url = new URL(connectionString);
  const [first, ...rest] = url.hostname.split('.');
  if (rest.length === 0 || !first.startsWith('ep-')) return { pooled: connectionString, direct: connectionString };
  const endpoint = first.replace(/-pooler$/, '');
  const withHost = (host: string) => {
    const copy = new URL(connectionString);
    copy.hostname = host;
    return copy.href;
  };
  return { pooled: withHost([`${endpoint}-pooler`, ...rest].join('.')), direct: withHost([endpoint, ...rest].join('.')) };
}

/**
 * One KEY=value definition in a dotenv file. `start`/`end` span its lines in
 * the text with line endings normalised to \n (end: before the line break).
 */
export interface EnvEntry {
  key: string;
  value: string;
  start: number;
  end: number;
}

const QUOTES = `'"\``;
const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);
const isLineEnd = (c: string | undefined) => c === '\n' || c === '\u2028' || c === '\u2029';
const isKeyChar = (c: string | undefined) => c !== undefined && /[\w.-]/.test(c);

/**
 * Reads a dotenv file exactly as `dotenv.parse` 16 (what wrangler reads
 * .dev.vars with, and what Vercel reads .env.local with) does, so that the
 * proxy, the loader and `wrangler dev` all see the same DATABASE_URL:
 * `KEY=value` or `KEY: value`, optional `export`; values unquoted (trimmed,
 * up to `#`), or in '…', `…` (literal) or "…" (where \n and \r become line
 * breaks), quoted values may span lines; the last definition of a key wins.
 * (One known difference: U+2028/U+2029 inside an unquoted value.)
 */
export function envEntries(source: string): EnvEntry[] {
  const text = source.replace(/\r\n?/g, '\n');
  const entries: EnvEntry[] = [];
  let pos = 0;
  while (pos < text.length) {
    const entry = entryAt(text, pos);
    if (entry) entries.push(entry);
    pos = nextLineStart(text, entry ? entry.end : pos);
  }
  return entries;
}

export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const { key, value } of envEntries(text)) vars[key] = value;
  return vars;
}

function nextLineStart(text: string, from: number): number {
  let i = from;
  while (i < text.length && !isLineEnd(text[i])) i++;
  return i + 1;
}

function lineEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && !isLineEnd(text[i])) i++;
  return i;
}

function entryAt(text: string, lineStart: number): EnvEntry | undefined {
  let i = lineStart;
  while (isSpace(text[i])) i++;
  const keyLineStart = text.lastIndexOf('\n', i - 1) + 1;
  // `export KEY=…`, else a key that happens to be called export.
  const afterExport = text.startsWith('export', i) && isSpace(text[i + 6]) ? skipSpaces(text, i + 6) : undefined;
  for (const keyStart of afterExport === undefined ? [i] : [afterExport, i]) {
    let k = keyStart;
    while (isKeyChar(text[k])) k++;
    if (k === keyStart) continue;
    let v: number | undefined;
    const eq = skipSpaces(text, k);
    if (text[eq] === '=') v = eq + 1;
    else if (text[k] === ':' && isSpace(text[k + 1])) v = k + 2;
    if (v === undefined) continue;
    const { value, end } = valueAt(text, v);
    return { key: text.slice(keyStart, k), value, start: keyLineStart, end };
  }
  return undefined;
}

function skipSpaces(text: string, from: number): number {
  let i = from;
  while (isSpace(text[i])) i++;
  return i;
}

function valueAt(text: string, v: number): { value: string; end: number } {
  const q = skipSpaces(text, v);
  if (QUOTES.includes(text[q] ?? 'none')) {
    const close = closingQuote(text, q);
    if (close !== undefined) return { value: finish(text.slice(v, close + 1)), end: lineEnd(text, close + 1) };
  }
  let e = v;
  while (e < text.length && text[e] !== '#' && text[e] !== '\n') e++;
  return { value: finish(text.slice(v, e)), end: lineEnd(text, e) };
}

/**
 * Where the quoted value opened at `open` ends: the first unescaped quote, or
 * failing that an escaped one (\' keeps the backslash), latest first, after
 * which the line holds only spaces or a comment.
 */
function closingQuote(text: string, open: number): number | undefined {
  const quote = text[open];
  const candidates: number[] = [];
  let i = open + 1;
  for (; i < text.length; i++) {
    if (text[i] === quote) break;
    if (text[i] === '\\' && text[i + 1] === quote) candidates.push(++i);
  }
  if (i < text.length) candidates.push(i);
  for (const close of candidates.reverse()) {
    let t = close + 1;
    while (isSpace(text[t]) && !isLineEnd(text[t])) t++;
    if (t >= text.length || isLineEnd(text[t]) || text[t] === '#') return close;
  }
  return undefined;
}

function finish(raw: string): string {
  let value = raw.trim();
  const quote = value[0];
  if (value.length >= 2 && QUOTES.includes(quote) && value.at(-1) === quote) value = value.slice(1, -1);
  if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
  return value;
}

export function readDatabaseUrl(projectDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findDatabaseUrl(projectDir, env)?.value;
}

/** DATABASE_URL and where it was found: 'the environment' or the env file's name. */
export function findDatabaseUrl(projectDir: string, env: NodeJS.ProcessEnv = process.env): { value: string; from: string } | undefined {
  return findVariable('DATABASE_URL', projectDir, env);
}

/** A variable, from the environment first, then the env files in order. */
export function findVariable(name: string, projectDir: string, env: NodeJS.ProcessEnv): { value: string; from: string } | undefined {
  if (env[name]) return { value: env[name], from: 'the environment' };
  for (const file of ENV_FILES) {
    const full = path.join(projectDir, file);
    if (!existsSync(full)) continue;
    const value = parseEnvFile(readFileSync(full, 'utf8'))[name];
    if (value) return { value, from: file };
  }
  return undefined;
}

/**
 * `name` from where DATABASE_URL was found, and only there: a direct URL in
 * .dev.vars belongs to that file's DATABASE_URL, not to one the environment
 * overrides it with (a script run with DATABASE_URL=… would load the file's).
 */
function variableBeside(name: string, found: { from: string }, projectDir: string, env: NodeJS.ProcessEnv): { value: string; from: string } | undefined {
  if (found.from === 'the environment') return env[name] ? { value: env[name], from: found.from } : undefined;
  const value = parseEnvFile(readFileSync(path.join(projectDir, found.from), 'utf8'))[name];
  return value ? { value, from: found.from } : undefined;
}

export interface ProjectDatabase {
  /** DATABASE_URL: what the app and the tests use (none: the embedded database). */
  url?: string;
  /**
   * What migrations use: DATABASE_URL_UNPOOLED (Neon's direct connection; DDL
   * does not belong on PgBouncer) when set, else DATABASE_URL.
   */
  migrationUrl?: string;
  /** One line naming what is wrong and the fix; then neither URL is given. */
  problem?: string;
}

/**
 * The project's database, checked: DATABASE_URL with the scaffolder's rule (a
 * malformed URL would otherwise start fine and fail every request with a
 * driver error), and DATABASE_URL_UNPOOLED, when set, naming the same database
 * (a leftover from another database would get the migrations while the app
 * and the tests use DATABASE_URL). `db:migrate`, `npm start` and `npm test` all
 * decide here.
 */
export function checkedDatabaseUrl(projectDir: string, env: NodeJS.ProcessEnv = process.env): ProjectDatabase {
  const found = findDatabaseUrl(projectDir, env);
  const unpooled = found ? variableBeside(UNPOOLED_KEY, found, projectDir, env) : findVariable(UNPOOLED_KEY, projectDir, env);
  const where = (name: string, from: string) => (from === 'the environment' ? `${name} in the environment` : `${name} in ${from}`);
  if (!found && unpooled) {
    return {
      problem: `${where(UNPOOLED_KEY, unpooled.from)} is set but DATABASE_URL is not, so migrations would go to ${maskDatabaseUrl(unpooled.value)} while the app and the tests use the embedded database: set DATABASE_URL to the same database, or remove DATABASE_URL_UNPOOLED`,
    };
  }
  if (!found) return {};
  const problem = validateDatabaseUrl(found.value);
  if (problem) return { problem: `${where('DATABASE_URL', found.from)} is not usable: ${problem}` };
  if (!unpooled) return { url: found.value, migrationUrl: found.value };
  const unpooledProblem = validateDatabaseUrl(unpooled.value);
  if (unpooledProblem) return { problem: `${where(UNPOOLED_KEY, unpooled.from)} is not usable: ${unpooledProblem}` };
  if (!sameDatabase(found.value, unpooled.value)) {
    return {
      problem:
        `${where('DATABASE_URL', found.from)} (${maskDatabaseUrl(found.value)}) and ${where(UNPOOLED_KEY, unpooled.from)} (${maskDatabaseUrl(unpooled.value)}) name different databases, ` +
        'so migrations would go to one and the app to the other: set DATABASE_URL_UNPOOLED to the direct URL of the same database (for Neon, its host without -pooler), or remove it',
    };
  }
  return { url: found.value, migrationUrl: unpooled.value };
}

/**
 * True when two URLs reach the same database: host, port, user and database
 * equal, apart from Neon's `-pooler` at the end of the host's first label.
 */
export function sameDatabase(a: string, b: string): boolean {
  const key = (value: string) => {
    const url = new URL(value);
    const [first, ...rest] = url.hostname.toLowerCase().split('.');
    const user = decodeURIComponent(url.username);
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || user;
    return JSON.stringify([[first.replace(/-pooler$/, ''), ...rest].join('.'), url.port || '5432', user, database]);
  };
  return key(a) === key(b);
}

/** Where this project keeps DATABASE_URL: .dev.vars for Workers, .env.local otherwise (Vercel). */
export function envFileOf(projectDir: string): string {
  return existsSync(path.join(projectDir, 'wrangler.jsonc')) ? '.dev.vars' : '.env.local';
}

/** True when the URL's host is this machine, so the local proxy must stand in for Neon's. */
export function isLocalDatabaseUrl(databaseUrl: string): boolean {
  try {
    return isLoopbackHost(new URL(databaseUrl).hostname);
  } catch {
    return false;
  }
}

/**
 * `postgres://user:****@host/db`: safe to print. Also masks `?password=`
 * (libpq and pg accept it) and anything shaped `user:secret@` in text that is
 * not a proper URL.
 */
export function maskDatabaseUrl(databaseUrl: string): string {
  let text = databaseUrl;
  // Only a whole `scheme://…` is parsed: `ENOENT: no such file` parses as a URL too (scheme `enoent:`).
  if (/^[a-z][a-z\d+.-]*:\/\/\S*$/i.test(databaseUrl))
    try {
      const url = new URL(databaseUrl);
      if (url.password) url.password = '****';
      if (url.searchParams.has('password')) url.searchParams.set('password', '****');
      text = url.toString();
    } catch {
      // not a URL: the pattern below still hides the credentials
    }
  return text.replace(/([^\s:/@]*):[^\s@/]*@/g, '$1:****@').replace(/([?&]password=)[^&\s]*/gi, '$1****');
}

// Characters that end the user:password@host part of a URL, and their escapes.
const DELIMITER_ESCAPES: Record<string, string> = { '/': '%2F', '?': '%3F', '#': '%23', '@': '%40' };

/**
 * Checks a Postgres connection string (the scaffolder's question and `npm start`
 * share this one rule). Returns the problem as one line, or
 * undefined when it is usable. Never includes the password in the message.
 */
export function validateDatabaseUrl(value: string): string | undefined {
  const hint = 'expected postgres://user:password@host[:port]/database';
  // eslint-disable-next-line no-control-regex -- refused on purpose
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
