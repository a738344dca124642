// A throwaway PostgreSQL cluster for tests: initdb in a temp dir, a free
// loopback port, password auth, removed on stop(). Postgres refuses to run as
// root, so as root every server command runs as the `postgres` OS user.

import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freeLoopbackPort } from '../../packages/neon-on-localhost/src/free-port.ts';

const run = promisify(execFile);

export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export type PasswordAuth = 'scram-sha-256' | 'md5' | 'password';

export interface PostgresOptions {
  /** How clients prove the password; `password` (cleartext) lets the driver pipeline its connect. */
  auth?: PasswordAuth;
}

export interface TestPostgres {
  /** postgres://app:PASSWORD@127.0.0.1:PORT/app */
  readonly url: string;
  readonly port: number;
  readonly password: string;
  /** Fast shutdown, keeping the data (for restart tests). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes the cluster. */
  destroy(): Promise<void>;
}

export const freePort = freeLoopbackPort;

const asRoot = process.getuid?.() === 0;

async function asPostgresUser(bin: string, args: string[]): Promise<void> {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(PG_BIN, bin), ...args]] : [path.join(PG_BIN, bin), args];
  try {
    await run(file, argv, { timeout: 60_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${bin} failed: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}

export function postgresAvailable(): boolean {
  return existsSync(path.join(PG_BIN, 'initdb'));
}

export async function startPostgres(options: PostgresOptions = {}): Promise<TestPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), 'neon-edge-pg-'));
  try {
    return await createCluster(dir, options.auth ?? 'scram-sha-256');
  } catch (err) {
    await asPostgresUser('pg_ctl', ['-D', path.join(dir, 'data'), '-m', 'immediate', 'stop']).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function createCluster(dir: string, auth: PasswordAuth): Promise<TestPostgres> {
  const data = path.join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  const pwfile = path.join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (asRoot) {
    chownSync(dir, uidOf('postgres'), gidOf('postgres'));
    chownSync(pwfile, uidOf('postgres'), gidOf('postgres'));
  }
  await asPostgresUser('initdb', [
    '-D',
    data,
    '-U',
    'app',
    `--pwfile=${pwfile}`,
    '--auth-host',
    auth,
    '--auth-local',
    auth,
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
    '--no-instructions',
  ]);
  rmSync(pwfile);
  const port = await freePort();
  const options_ = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = () => asPostgresUser('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-o', options_, '-w', '-t', '60', 'start']);
  const stop = () => asPostgresUser('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  await start();

  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'app', password, database: 'postgres' });
  await admin.connect();
  await admin.query('create database app');
  if (auth === 'md5') {
    // md5 auth needs an md5 hash stored (a SCRAM hash would make the server ask for SCRAM).
    await admin.query("set password_encryption = 'md5'");
    await admin.query(`alter user app password '${password}'`);
  }
  await admin.end();

  let destroyed = false;
  return {
    url: `postgres://app:${password}@127.0.0.1:${port}/app`,
    port,
    password,
    start,
    stop,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function idOf(flag: '-u' | '-g', user: string): number {
  // `id` is always there; Node has no getpwnam.
  return Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
}
function uidOf(user: string): number {
  return idOf('-u', user);
}
function gidOf(user: string): number {
  return idOf('-g', user);
}

/** The rows of one statement, on a connection of its own (opened and closed here). */
export async function queryRows<T = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}
