// Why a connection to Postgres failed, said as its cause and its fix: the
// server is not running, the password is wrong, the database does not exist,
// the host is unknown or does not answer. One definition for every place that
// connects on the user's behalf (`run`, the vitest setup, the scaffolder's
// check of a URL given at create time), so the same mistake reads the same.
// Pure: it reads the error `pg` (or Node's socket) gave, and the URL.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ENV_FILES, maskDatabaseUrl, parseEnvFile, UNPOOLED_KEY } from './database-url.ts';

export interface ConnectionProblem {
  /** What went wrong, e.g. `PostgreSQL at 127.0.0.1:5432 refused the password for user "app"`. */
  cause: string;
  /** What to change, naming where the URL is, e.g. `fix the password in DATABASE_URL in .dev.vars`. */
  fix: string;
}

interface ErrorFields {
  message?: string;
  code?: string;
  errors?: ErrorFields[];
}

/** Node gives an AggregateError (no message, no code of its own) when every address of a host failed. */
function fieldsOf(err: unknown): ErrorFields {
  const e = (err ?? {}) as ErrorFields;
  const inner = e.errors?.[0];
  return { message: e.message || inner?.message || String(err), code: e.code ?? inner?.code };
}

/** Thrown where a connection could not be made (migrate.ts); `cause` is what pg or the socket said. */
export class ConnectionFailed extends Error {
  readonly url: string;
  constructor(url: string, cause: unknown) {
    super(`could not connect to ${maskDatabaseUrl(url)}: ${firstLine(fieldsOf(cause).message ?? '')}`, { cause });
    this.url = url;
  }
}

/**
 * For `run`, the vitest setup and `migrate`: a failed connection said as its
 * cause and fix, in one line ending with `then`; undefined for other errors.
 */
export function connectionFailedLine(err: unknown, projectDir: string, then?: string): string | undefined {
  if (!(err instanceof ConnectionFailed)) return undefined;
  return connectionProblemLine(connectionProblem(err.cause, err.url, settingOf(err.url, projectDir)), then);
}

/** The cause and the fix of a failed connection to `url`; `where` names the setting, e.g. `DATABASE_URL in .dev.vars`. */
export function connectionProblem(err: unknown, url: string, where: string): ConnectionProblem {
  const { message = '', code } = fieldsOf(err);
  let target = maskDatabaseUrl(url);
  let user = '';
  let database = '';
  let host = '';
  try {
    const parsed = new URL(url);
    host = parsed.hostname;
    target = `${parsed.hostname}:${parsed.port || '5432'}`;
    user = decodeURIComponent(parsed.username);
    database = decodeURIComponent(parsed.pathname.slice(1));
  } catch {
    // not a URL: the masked text names it
  }
  const server = `PostgreSQL at ${target}`;
  switch (code) {
    case 'ECONNREFUSED':
      return { cause: `nothing answers at ${target} (connection refused)`, fix: `start PostgreSQL there, or fix the host and port of ${where}` };
    case '28P01':
      return { cause: `${server} refused the password for user "${user}"`, fix: `fix the user or password in ${where}` };
    case '28000':
      return { cause: `${server} does not let user "${user}" in (${firstLine(message)})`, fix: `fix the user in ${where}, or allow it in pg_hba.conf` };
    case '3D000':
      return { cause: `${server} has no database "${database}"`, fix: `create it (CREATE DATABASE "${database}"), or fix the database name in ${where}` };
    case 'ENOTFOUND':
      return { cause: `the host "${host}" was not found`, fix: `fix the host in ${where} (or check your network)` };
    case 'EAI_AGAIN':
      return { cause: `the host "${host}" could not be looked up (no answer from DNS)`, fix: `check your network, or the host in ${where}` };
    case 'ETIMEDOUT':
      return {
        cause: `no answer from ${target} in time`,
        fix: `check that it is reachable from here (network, VPN, firewall), or fix the host and port of ${where}`,
      };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { cause: `${target} cannot be reached from here (${code})`, fix: `check your network, or the host of ${where}` };
    case '53300':
      return { cause: `${server} has no free connections (${firstLine(message)})`, fix: 'close other clients (dev servers, test runs), then try again' };
    case '57P03':
      return { cause: `${server} is starting up or shutting down`, fix: 'try again in a moment' };
    default:
  }
  if (/does not support SSL/i.test(message)) {
    return { cause: `${server} does not accept SSL`, fix: `remove sslmode from ${where} (a server on this machine needs none)` };
  }
  if (/timeout/i.test(message)) {
    return {
      cause: `no answer from ${target} in time`,
      fix: `check that it is reachable from here (network, VPN, firewall), or fix the host and port of ${where}`,
    };
  }
  if (/terminated unexpectedly|ECONNRESET|socket hang up/i.test(message) || code === 'ECONNRESET') {
    return { cause: `${target} closed the connection before login`, fix: `check that a PostgreSQL server listens there, or fix the host and port of ${where}` };
  }
  return { cause: `could not connect to ${target}: ${maskDatabaseUrl(firstLine(message))}`, fix: `check ${where}` };
}

/** `✖`-less one line: the cause, the fix, and what to do after (e.g. `then start again`). */
export function connectionProblemLine(problem: ConnectionProblem, then?: string): string {
  const cause = problem.cause.charAt(0).toUpperCase() + problem.cause.slice(1);
  return `${cause}: ${problem.fix}${then ? `, ${then}` : ''}.`;
}

function firstLine(text: string): string {
  return text.split('\n')[0].replace(/\.$/, '');
}

/**
 * Which setting holds `url`, as a user would look for it: `DATABASE_URL in
 * .dev.vars`, `DATABASE_URL_UNPOOLED in the environment`. The environment
 * first, then the env files, as the URL itself is found.
 */
export function settingOf(url: string, projectDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const sources: Array<[string, () => Record<string, string | undefined>]> = [
    ['the environment', () => env],
    ...ENV_FILES.map((name): [string, () => Record<string, string | undefined>] => [
      name,
      () => {
        const file = path.join(projectDir, name);
        return existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8')) : {};
      },
    ]),
  ];
  for (const [from, read] of sources) {
    const vars = read();
    for (const key of [UNPOOLED_KEY, 'DATABASE_URL']) if (vars[key] === url) return `${key} in ${from}`;
  }
  return 'DATABASE_URL';
}
