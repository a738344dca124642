// Where a generated project finds its DATABASE_URL when run on this machine:
// the environment first, then `.dev.vars` (what `wrangler dev` reads), then
// `.env.local` / `.env` (what `vercel dev` reads).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isLoopbackHost } from './targets.ts';

const ENV_FILES = ['.dev.vars', '.env.local', '.env'];

/** Parses KEY=VALUE lines (dotenv syntax without interpolation). */
export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    let value = m[2];
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2];
    else value = value.replace(/\s+#.*$/, '');
    vars[m[1]] = value;
  }
  return vars;
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
