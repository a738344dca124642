// A new Neon database with no sign-up: Neon's claimable databases (neon.new,
// the service behind the `neon-new` package). Two calls, as that package
// makes them:
//   POST {base}/api/v1/database/{uuid}?referrer=…  body {"enable_logical_replication":false}
//   GET  {base}/api/v1/database/{uuid}             → {"connection_string": …, "expires_at"?: …}
// The database lives 72 hours unless claimed at {base}/database/{uuid}.
// Done with fetch rather than the package: the CLI is one bundle with no
// runtime dependencies, and the package brings nine.
//
// Provisioning happens while the questions are asked, before anything is
// written: a failure leaves nothing behind on this machine.

import { neonConnectionStrings, validateDatabaseUrl } from 'neon-on-localhost/database-url';
import type { ClaimableDatabase, Context } from './context.ts';
import { CliError } from './errors.ts';
import { secondsFromEnv } from './settings.ts';
import { escapeControlCharacters } from './text.ts';
import type { Template } from './template-config.ts';

export const NEON_NEW_BASE_ENV = 'NEON_NEW_BASE_URL';
export const NEON_NEW_DEFAULT_BASE = 'https://neon.new';
/** Who asked, for Neon's open-source program. */
export const NEON_NEW_REFERRER = 'npm:create-neon-edge';
export const NEON_NEW_CHOICE = 'A new Neon database — free, no sign-up (claim it within 72 hours)';

const LIFETIME_MS = 72 * 60 * 60 * 1000;
/** How long each of the two calls may take (Neon answers in a few seconds). */
export const NEON_NEW_TIMEOUT_ENV = 'CREATE_NEON_EDGE_NEON_NEW_TIMEOUT';
const DEFAULT_CALL_TIMEOUT_S = 20;
/** The check that decides whether the prompt offers the choice at all. */
const REACHABLE_TIMEOUT_MS = 1_500;

export function neonNewBase(env: NodeJS.ProcessEnv): string {
  const raw = env[NEON_NEW_BASE_ENV] || NEON_NEW_DEFAULT_BASE;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`${NEON_NEW_BASE_ENV} is not a URL: unset it to use ${NEON_NEW_DEFAULT_BASE}.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new CliError(`${NEON_NEW_BASE_ENV} must be an http(s) URL: unset it to use ${NEON_NEW_DEFAULT_BASE}.`);
  }
  return url.href.replace(/\/+$/, '');
}

/** Seconds from CREATE_NEON_EDGE_NEON_NEW_TIMEOUT, else 20. Throws CliError for a value that is not a positive number. */
export function neonNewTimeoutSeconds(env: NodeJS.ProcessEnv): number {
  return secondsFromEnv(env, NEON_NEW_TIMEOUT_ENV, DEFAULT_CALL_TIMEOUT_S);
}

/** What failed, as the end of a sentence; never holds a connection string. */
class ProvisionError extends Error {}

/** The most an answer may hold: Neon's is a few hundred bytes; anything near this is not Neon. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * One call, answered 2xx: its body as text. The deadline covers the whole
 * answer, body included (an answer that drips in is no answer), and no more
 * than MAX_ANSWER_BYTES is read.
 */
async function call(url: string, init: RequestInit, what: string, timeoutS: number): Promise<string> {
  try {
    const res = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(timeoutS * 1000) });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      // The reason phrase is the service's text: escaped, it cannot drive the terminal (prompt or flag).
      throw new ProvisionError(`${what} was answered ${res.status}${res.statusText ? ` ${escapeControlCharacters(res.statusText)}` : ''}`);
    }
    return await boundedText(res, what);
  } catch (err) {
    if (err instanceof ProvisionError) throw err;
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') throw new ProvisionError(`${what} got no answer within ${timeoutS} s`);
    const why = e.cause?.code ?? e.cause?.message;
    throw new ProvisionError(`${what} could not reach the service${why ? ` (${why.split('\n')[0]})` : ''}`);
  }
}

async function boundedText(res: Response, what: string): Promise<string> {
  const tooLarge = () => new ProvisionError(`${what} got an answer larger than ${MAX_ANSWER_BYTES / 1024} KB`);
  if (Number(res.headers.get('content-length')) > MAX_ANSWER_BYTES) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Leaving the loop early (a throw) cancels the stream: the rest is never read.
  for await (const chunk of res.body ?? []) {
    size += chunk.byteLength;
    if (size > MAX_ANSWER_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The two calls. Throws ProvisionError naming the one that failed. */
export async function createClaimableDatabase(
  base: string,
  { timeoutS = DEFAULT_CALL_TIMEOUT_S, now = () => new Date(), id = crypto.randomUUID() } = {},
): Promise<ClaimableDatabase> {
  const endpoint = `${base}/api/v1/database/${id}`;
  const json = { 'Content-Type': 'application/json' };
  await call(
    `${endpoint}?referrer=${encodeURIComponent(NEON_NEW_REFERRER)}`,
    {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ enable_logical_replication: false }),
    },
    'creating the database',
    timeoutS,
  );
  const text = await call(endpoint, { method: 'GET', headers: json }, 'reading its connection string', timeoutS);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ProvisionError('reading its connection string got an answer that is not JSON');
  }
  const { connection_string: connectionString, expires_at: expiresAtRaw } = (body ?? {}) as Record<string, unknown>;
  if (typeof connectionString !== 'string' || validateDatabaseUrl(connectionString) !== undefined) {
    throw new ProvisionError('reading its connection string got no usable connection_string');
  }
  const { pooled, direct } = neonConnectionStrings(connectionString);
  const given = typeof expiresAtRaw === 'string' ? new Date(expiresAtRaw) : undefined;
  const expiresAt = given && !Number.isNaN(given.getTime()) ? given : new Date(now().getTime() + LIFETIME_MS);
  return { pooledUrl: pooled, directUrl: direct, claimUrl: `${base}/database/${id}`, expiresAt };
}

/** "2026-11-26 16:33 UTC": the same for everyone who reads the log. */
export function formatExpiry(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The comment written under the URLs in the env file. */
export function claimComment(db: ClaimableDatabase): string {
  return `# A Neon claimable database: claim it at ${db.claimUrl} before ${formatExpiry(db.expiresAt)}, or it is deleted.\n`;
}

/** The one next-steps line (the claim URL itself is shown once, in the outro). */
export function claimStep(db: ClaimableDatabase): string {
  return `# the Neon database is deleted at ${formatExpiry(db.expiresAt)} unless you claim it (link below)`;
}

export function claimOutro(db: ClaimableDatabase): string {
  return `Claim your Neon database at ${db.claimUrl} before ${formatExpiry(db.expiresAt)}, or it is deleted.`;
}

/** The other ways to get a database, for the one line a failure prints. */
function instead(template: Pick<Template, 'embeddedDatabase'>, interactive: boolean): string {
  if (interactive) return template.embeddedDatabase ? 'choose the embedded database or paste a connection string' : 'paste a connection string';
  return template.embeddedDatabase
    ? 'drop --neon-new for the embedded database, or pass --database-url <url>'
    : 'pass --database-url <url> instead of --neon-new';
}

/**
 * The choice's state for one run: whether the prompt offers it, and the
 * database once created (read by askAll into the answers).
 */
export class NeonNewOffer {
  created: ClaimableDatabase | undefined;
  private reachable: Promise<boolean> | undefined;
  private readonly ctx: Pick<Context, 'env' | 'log'>;

  constructor(ctx: Pick<Context, 'env' | 'log'>) {
    this.ctx = ctx;
  }

  /** A quick bounded check that the service answers at all (any HTTP status will do). */
  available(): Promise<boolean> {
    this.reachable ??= (async () => {
      try {
        const res = await fetch(`${neonNewBase(this.ctx.env)}/`, { method: 'HEAD', signal: AbortSignal.timeout(REACHABLE_TIMEOUT_MS) });
        await res.body?.cancel().catch(() => {});
        return true;
      } catch {
        return false;
      }
    })();
    return this.reachable;
  }

  /**
   * Creates the database. A failure is one line naming what failed and the
   * ways out (worded for the flag or for the prompt, which asks again).
   */
  async create(template: Pick<Template, 'embeddedDatabase'>, fromPrompt: boolean): Promise<{ db: ClaimableDatabase } | { problem: string }> {
    const base = neonNewBase(this.ctx.env);
    const host = new URL(base).host;
    const timeoutS = neonNewTimeoutSeconds(this.ctx.env);
    try {
      const db = await this.ctx.log.task(`Creating a Neon database (${host})`, () => createClaimableDatabase(base, { timeoutS }));
      this.created = db;
      this.ctx.log.success(`Created a Neon database; it is deleted at ${formatExpiry(db.expiresAt)} unless you claim it.`);
      return { db };
    } catch (err) {
      if (!(err instanceof ProvisionError)) throw err;
      return { problem: `Could not create a Neon database at ${host}: ${err.message}. ${capitalise(instead(template, fromPrompt))}.` };
    }
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
