// Where a generated project finds its DATABASE_URL when run on this machine:
// the environment first, then `.dev.vars` (what `wrangler dev` reads), then
// `.env.local` / `.env` (what `vercel dev` reads).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isLoopbackHost } from './targets.ts';

const ENV_FILES = ['.dev.vars', '.env.local', '.env'];

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
  if (env.DATABASE_URL) return env.DATABASE_URL;
  for (const name of ENV_FILES) {
    const file = path.join(projectDir, name);
    if (!existsSync(file)) continue;
    const value = parseEnvFile(readFileSync(file, 'utf8')).DATABASE_URL;
    if (value) return value;
  }
  return undefined;
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
