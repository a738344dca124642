// Where a `POST /sql` request goes: decided from its Neon-Connection-String
// fully parsed, the way pg itself would parse it (pg-connection-string, pg's
// own parser), so no part of the string can steer pg past the allow-list:
// pg also takes host, port, hostaddr, sslrootcert, … from the query string,
// and some of those it acts on while parsing (it reads ssl* files). So every
// query parameter is checked against a short list before anything parses the
// string, and pg gets a config built from the checked pieces, never the string.

import { createRequire } from 'node:module';
import type { TargetPolicy } from './targets.ts';

// pg-connection-string comes with pg; loaded from pg's own dependencies, as pg loads it.
const requireFromPg = createRequire(createRequire(import.meta.url).resolve('pg'));
const { parse } = requireFromPg('pg-connection-string') as typeof import('pg-connection-string');

/**
 * Query parameters accepted (and ignored, as Neon's endpoint does: the hop to
 * a local Postgres is plain TCP on loopback, and sessions are pooled per
 * database and user, so per-request session settings cannot apply).
 */
export const ACCEPTED_PARAMETERS: readonly string[] = ['sslmode', 'channel_binding', 'connect_timeout', 'application_name', 'options'];

// What parse() may return for a string that passed the checks below: URL parts, and the `ssl` it derives from sslmode.
const PARSED_KEYS = new Set(['host', 'port', 'user', 'password', 'database', 'ssl', ...ACCEPTED_PARAMETERS]);

export interface SqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** Bad input from the client: answered with 400 and this message. */
export class TargetError extends Error {}

export function sqlTargetOf(connectionString: string, policy: TargetPolicy): SqlTarget {
  // Spaces and stray `%` make pg-connection-string re-encode the string before parsing,
  // which could make it read the query differently from the check below: refused outright.
  // eslint-disable-next-line no-control-regex -- refused on purpose
  if (/[\s\x00-\x1f\x7f]/.test(connectionString) || /%(?![0-9a-f]{2})/i.test(connectionString)) {
    throw new TargetError('Neon-Connection-String is not a valid URL');
  }
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    throw new TargetError('Neon-Connection-String is not a valid URL');
  }
  if (!/^postgres(ql)?:$/.test(url.protocol)) throw new TargetError('Neon-Connection-String must be a postgres:// URL');
  for (const key of url.searchParams.keys()) if (!ACCEPTED_PARAMETERS.includes(key)) refuseUnlisted(key);

  const parsed = parse(connectionString);
  for (const key of Object.keys(parsed)) if (!PARSED_KEYS.has(key)) refuseUnlisted(key);

  const host = typeof parsed.host === 'string' ? parsed.host : '';
  if (host === '') throw new TargetError('Neon-Connection-String has no host');
  if (host.includes('/')) throw new TargetError('Neon-Connection-String must name a TCP host, not a Unix socket');
  // No port: the host's own database, as Neon routes by host (TargetPolicy.portFor).
  const port = parsed.port ? Number(parsed.port) : policy.portFor(host);
  const target = port !== undefined && /^\d{1,5}$/.test(parsed.port || String(port)) ? policy.resolve(host, port) : undefined;
  if (!target) throw new TargetError('proxying to specified address not allowed');

  const user = parsed.user ?? '';
  if (user === '') throw new TargetError('Neon-Connection-String has no user');
  return { host: target.host, port: target.port, user, password: parsed.password ?? '', database: parsed.database || user };
}

function refuseUnlisted(key: string): never {
  throw new TargetError(`connection string parameter "${key}" is not supported by neon-on-localhost (accepted: ${ACCEPTED_PARAMETERS.join(', ')})`);
}
