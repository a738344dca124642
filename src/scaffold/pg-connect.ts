// One connection attempt with pg. Bundled on its own (dist/pg-connect.cjs, see
// scripts/build.ts) and loaded only when a connection string is given at
// create time: a run without one never parses pg.

import pg from 'pg';

/**
 * pg's settings from a connection string, read here rather than by pg, whose
 * parser prints a security warning for every `sslmode=require` (every Neon
 * URL). The same meaning as pg's today: any sslmode but `disable` is TLS with
 * the certificate checked, `no-verify` without the check.
 */
function settings(connectionString: string): pg.ClientConfig {
  const url = new URL(connectionString);
  const sslmode = url.searchParams.get('sslmode');
  const options = url.searchParams.get('options');
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)),
    ssl: sslmode === null || sslmode === 'disable' ? false : sslmode === 'no-verify' ? { rejectUnauthorized: false } : true,
    ...(options ? { options } : {}),
  };
}

/** Connects and disconnects; resolves to what pg threw, or undefined when the connection was made. */
export async function tryConnect(connectionString: string, timeoutMs: number): Promise<unknown> {
  const client = new pg.Client({ ...settings(connectionString), connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {}); // a failed connect rejects below
  try {
    await client.connect();
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await client.end().catch(() => {});
  }
}
