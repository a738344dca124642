// wrangler dev's request.cf offline: `run` turns Miniflare's fetch off only
// when it would fail (no fresh copy, no address for its host), and says once
// which placeholder the Worker gets, instead of wrangler's two stacks.

import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CF_FETCH_VARIABLE, quietOfflineCf } from '../src/wrangler-cf.ts';
import { isWranglerDev } from '../src/wrangler-command.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'nol-cf-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const NOWHERE = 'cf.example.invalid';
const PLACEHOLDER_LINE = 'offline: wrangler dev gives request.cf its placeholder (Austin, Texas, US; 30.27130, -97.74260), not your location';

describe('quietOfflineCf', () => {
  it('with no copy and no address for the host: turns the fetch off and names the placeholder', async () => {
    const env: NodeJS.ProcessEnv = {};
    expect(await quietOfflineCf(env, dir, NOWHERE)).toBe(PLACEHOLDER_LINE);
    expect(env[CF_FETCH_VARIABLE]).toBe('false');
  });

  it('leaves wrangler alone when its copy is fresh, and fetches again when it is over 30 days old', async () => {
    const cached = path.join(dir, 'node_modules', '.mf', 'cf.json');
    mkdirSync(path.dirname(cached), { recursive: true });
    writeFileSync(cached, '{}');
    const env: NodeJS.ProcessEnv = {};
    expect(await quietOfflineCf(env, dir, NOWHERE)).toBeUndefined();
    expect(env).toEqual({});
    const old = (Date.now() - 31 * 86_400_000) / 1000;
    utimesSync(cached, old, old);
    expect(await quietOfflineCf(env, dir, NOWHERE)).toBe(PLACEHOLDER_LINE);
  });

  it('leaves a setting of the user as it is, and does nothing when the host has an address', async () => {
    const set: NodeJS.ProcessEnv = { [CF_FETCH_VARIABLE]: 'true' };
    expect(await quietOfflineCf(set, dir, NOWHERE)).toBeUndefined();
    expect(set).toEqual({ [CF_FETCH_VARIABLE]: 'true' });
    const online: NodeJS.ProcessEnv = {};
    expect(await quietOfflineCf(online, dir, 'localhost')).toBeUndefined();
    expect(online).toEqual({});
  });

  it('knows wrangler dev when it sees it', () => {
    expect(isWranglerDev(['wrangler', 'dev'])).toBe(true);
    expect(isWranglerDev(['npx', 'wrangler', 'dev', '--port', '1'])).toBe(true);
    expect(isWranglerDev(['wrangler', 'deploy'])).toBe(false);
    expect(isWranglerDev(['vercel', 'dev'])).toBe(false);
  });
});

describe('neon-on-localhost run wrangler dev', () => {
  it('hands wrangler the switch only when workers.cloudflare.com cannot be reached from here, and says so once', async () => {
    const offline = await lookup('workers.cloudflare.com').then(
      () => false,
      () => true,
    );
    // A wrangler that shows what it was given.
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'wrangler'), `#!/bin/sh\necho "wrangler $1 cf-fetch=$${CF_FETCH_VARIABLE}"\n`);
    chmodSync(path.join(bin, 'wrangler'), 0o755);
    const project = path.join(dir, 'project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'wrangler.jsonc'), '{}\n');
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, NEON_LOCALHOST_PORT: '0' };
    delete env[CF_FETCH_VARIABLE];
    // A database URL elsewhere: no proxy, no embedded database, just the dev server.
    env.DATABASE_URL = 'postgres://app:pw@db.example.com/app';
    const output = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', cli, 'run', 'wrangler', 'dev'], { cwd: project, env });
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c));
      child.stderr.on('data', (c: Buffer) => (text += c));
      child.on('exit', () => resolve(text));
    });
    expect(output).toContain(`wrangler dev cf-fetch=${offline ? 'false' : ''}\n`);
    expect(output.split(PLACEHOLDER_LINE).length - 1).toBe(offline ? 1 : 0);
  }, 60_000);
});
