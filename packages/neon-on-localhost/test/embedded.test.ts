// The embedded database on its own: PGlite served over the wire protocol,
// persisted to a folder, guarded against a second opener, behind a password,
// private on disk, and correct under concurrent sessions through the local
// proxy and the real driver.

import { neon, neonConfig, Pool } from '@neondatabase/serverless';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { queryRows as query } from '../../../test/support/postgres.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { configureNeonDriver } from '../src/driver.ts';
import { startEmbeddedPostgres } from '../src/embedded.ts';
import { startProxy } from '../src/proxy.ts';
import { targetOf } from '../src/targets.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'neon-edge-pglite-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('startEmbeddedPostgres', () => {
  it('keeps what was written across close and reopen', async () => {
    const dataDir = path.join(dir, 'pgdata');
    const first = await startEmbeddedPostgres(dataDir);
    await query(first.url, 'create table notes (body text)');
    await query(first.url, 'insert into notes values ($1)', ['kept']);
    await first.close();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
    const second = await startEmbeddedPostgres(dataDir);
    try {
      expect(await query(second.url, 'select body from notes')).toEqual([{ body: 'kept' }]);
    } finally {
      await second.close();
    }
  }, 60_000);

  it('refuses a second opener while the first holds the folder, naming the lock file', async () => {
    const dataDir = path.join(dir, 'pgdata');
    const first = await startEmbeddedPostgres(dataDir);
    try {
      await expect(startEmbeddedPostgres(dataDir)).rejects.toThrow(
        `in use by process ${process.pid} (another npm start?): stop it first (lock file ${dataDir}.lock)`,
      );
    } finally {
      await first.close();
    }
  }, 60_000);

  it('takes over a stale lock: its process gone, or its pid now another program', async () => {
    const dataDir = path.join(dir, 'pgdata');
    // A bare pid (older lock files) of a live process that is no neon-on-localhost runner: vitest's parent.
    for (const stale of ['999999999', String(process.ppid), JSON.stringify({ pid: process.ppid, started: '1' })]) {
      writeFileSync(`${dataDir}.lock`, stale);
      const db = await startEmbeddedPostgres(dataDir);
      await db.close();
    }
  }, 60_000);

  it('moves a half-initialised folder aside and starts afresh', async () => {
    const dataDir = path.join(dir, 'pgdata');
    mkdirSync(path.join(dataDir, 'base'), { recursive: true });
    writeFileSync(path.join(dataDir, 'postgresql.conf'), '# interrupted initdb');
    const db = await startEmbeddedPostgres(dataDir);
    try {
      expect(await query(db.url, 'select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
    expect(readdirSync(dir).some((e) => e.startsWith('pgdata.incomplete-'))).toBe(true);
  }, 60_000);
});

const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

function modesUnder(root: string): Set<string> {
  const modes = new Set<string>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    modes.add(`${entry.isDirectory() ? 'dir' : 'file'} ${mode(path.join(entry.parentPath, entry.name))}`);
  }
  return modes;
}

describe('who may use it', () => {
  it('refuses a wrong password and takes the right one', async () => {
    const db = await startEmbeddedPostgres('memory');
    try {
      const url = new URL(db.url);
      expect(url.password.length).toBeGreaterThanOrEqual(24);
      for (const wrong of ['postgres', 'x']) {
        url.password = wrong;
        await expect(query(url.toString(), 'select 1')).rejects.toThrow('password authentication failed for user "postgres"');
      }
      expect(await query(db.url, 'select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  }, 60_000);

  it('keeps one password per project in .neon-localhost (0600, folder 0700), and its files private', async () => {
    const dataDir = path.join(dir, '.neon-localhost', 'pgdata');
    const first = await startEmbeddedPostgres(dataDir);
    let password: string;
    try {
      password = new URL(first.url).password;
      expect(readFileSync(`${dataDir}.password`, 'utf8').trim()).toBe(password);
      expect(mode(`${dataDir}.password`)).toBe('600');
      expect(mode(path.join(dir, '.neon-localhost'))).toBe('700');
      expect(mode(dataDir)).toBe('700');
      expect(mode(path.join(dataDir, 'global', 'pg_control'))).toBe('600');
      await query(first.url, 'create table notes (body text)');
    } finally {
      await first.close();
    }
    expect(modesUnder(path.join(dir, '.neon-localhost'))).toEqual(new Set(['dir 700', 'file 600']));
    const second = await startEmbeddedPostgres(dataDir);
    try {
      expect(new URL(second.url).password).toBe(password);
    } finally {
      await second.close();
    }
  }, 60_000);

  it('makes a folder written by an older version private when it opens it', async () => {
    const dataDir = path.join(dir, 'pgdata');
    await (await startEmbeddedPostgres(dataDir)).close();
    execFileSync('chmod', ['-R', 'a+rwX', dataDir]);
    const db = await startEmbeddedPostgres(dataDir);
    try {
      expect(modesUnder(dataDir)).toEqual(new Set(['dir 700', 'file 600']));
    } finally {
      await db.close();
    }
  }, 60_000);
});

describe('through the local proxy, with the real driver', () => {
  it('keeps concurrent sessions apart: a transaction holds the others back until it ends', async () => {
    const db = await startEmbeddedPostgres('memory');
    const proxy = await startProxy({ allow: [targetOf(db.url)] });
    neonConfig.webSocketConstructor = WebSocket;
    configureNeonDriver(neonConfig, db.url, proxy.address);
    const pool = new Pool({ connectionString: db.url, max: 4 });
    try {
      const sql = neon(db.url);
      await sql`create table counter (n int)`;
      await sql`insert into counter values (0)`;
      // Ten read-modify-write transactions at once, each through its own session.
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const client = await pool.connect();
          try {
            await client.query('begin');
            const { rows } = await client.query('select n from counter');
            await new Promise((r) => setTimeout(r, 5));
            await client.query('update counter set n = $1', [rows[0].n + 1]);
            await client.query('commit');
          } finally {
            client.release();
          }
        }),
      );
      expect(await sql`select n from counter`).toEqual([{ n: 10 }]);
    } finally {
      await pool.end();
      await proxy.close();
      await db.close();
    }
  }, 60_000);
});

// Issue 22, item 12: `serve` printed "listening" before it handled SIGTERM/SIGINT, so a signal right
// after the line killed it without closing the database.
describe('neon-on-localhost serve', () => {
  const CLI = ['--experimental-strip-types', '--no-warnings', path.join(import.meta.dirname, '../src/cli.ts')];

  /** Starts serve, sends `signal` the moment "listening" is printed, and resolves with how it ended. */
  function signalOnListening(args: string[], signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
    const child = spawn(process.execPath, [...CLI, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (/listening on/.test(output)) child.kill(signal);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    return new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig, output })));
  }

  it('stops cleanly on a signal sent the moment it says "listening": 20 runs of the proxy alone', async () => {
    const ends = [];
    // Four at a time: each run is mostly Node starting up.
    for (let i = 0; i < 20; i += 4) {
      ends.push(...(await Promise.all([0, 1, 2, 3].map((j) => signalOnListening(['--allow', '127.0.0.1:1'], (i + j) % 2 ? 'SIGINT' : 'SIGTERM')))));
    }
    expect(ends.map((e) => `${e.code}/${e.signal}`)).toEqual(Array(20).fill('0/null'));
  }, 120_000);

  it('closes the embedded database on such a signal: its lock is gone and the data opens again', async () => {
    const dataDir = path.join(dir, 'pgdata');
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const end = await signalOnListening(['--embedded', dataDir], signal);
      expect(`${end.code}/${end.signal}`, end.output).toBe('0/null');
      expect(existsSync(`${dataDir}.lock`)).toBe(false);
    }
    const db = await startEmbeddedPostgres(dataDir);
    try {
      expect(await query(db.url, 'select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  }, 120_000);
});
