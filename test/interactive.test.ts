// The prompts, answered by "a person" through a pseudo-terminal, produce the
// same project as the same answers given as flags.

import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, cleanEnv, runCli } from './support/cli.ts';
import { KEYS, Pty } from './support/pty.ts';

const PASSWORD = 'pty-Secret-42';
const URL_ = `postgres://app:${PASSWORD}@127.0.0.1:5432/app`;

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(path.join(tmpdir(), 'neon-edge-pty-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

function tree(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.name !== '.git')
    .flatMap((e) => (e.isDirectory() ? tree(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

describe('interactive prompts', () => {
  it('asks every question and writes the same files as the flags would', async () => {
    const pty = new Pty(`${process.execPath} ${CLI}`, { cwd, env: cleanEnv() });
    try {
      await pty.waitFor(/In which directory/);
      await pty.type('asked-app', KEYS.enter);
      await pty.waitFor(/Which template\?/);
      expect(pty.screen).toContain('worker-raw');
      await pty.type(KEYS.enter);
      await pty.waitFor(/Which database for local development\?/);
      expect(pty.screen).toContain('An embedded local database for now');
      await pty.type(KEYS.down, KEYS.enter); // Neon or another Postgres
      await pty.waitFor(/DATABASE_URL/);
      await pty.type(URL_, KEYS.enter);
      await pty.waitFor(/Install dependencies\?/);
      await pty.type(KEYS.right, KEYS.enter); // No
      await pty.waitFor(/Initialise a git repository\?/);
      await pty.type(KEYS.enter); // Yes
      expect(await pty.exited).toBe(0);
    } finally {
      pty.kill();
    }
    expect(pty.screen).toContain('Done: asked-app is ready.');
    expect(pty.screen).not.toContain(PASSWORD); // the password prompt shows only masks

    const flagged = await runCli(['flagged-app', '-t', 'worker-raw', '--database-url', URL_, '--no-install', '--git'], { cwd });
    expect(flagged.code, flagged.output).toBe(0);

    const asked = path.join(cwd, 'asked-app');
    const given = path.join(cwd, 'flagged-app');
    expect(tree(asked)).toEqual(tree(given));
    for (const file of tree(asked)) {
      const a = readFileSync(path.join(asked, file), 'utf8').replaceAll('asked-app', 'NAME');
      const b = readFileSync(path.join(given, file), 'utf8').replaceAll('flagged-app', 'NAME');
      expect(a, file).toBe(b);
    }
    expect(statSync(path.join(asked, '.dev.vars')).mode & 0o777).toBe(0o600);
    expect(readdirSync(asked)).toContain('.git');
  });

  it('Ctrl-C at a prompt cancels with nothing written', async () => {
    const pty = new Pty(`${process.execPath} ${CLI}`, { cwd, env: cleanEnv() });
    try {
      await pty.waitFor(/In which directory/);
      await pty.type('never', KEYS.enter);
      await pty.waitFor(/Which template\?/);
      await pty.type(KEYS.ctrlC);
      expect(await pty.exited).toBe(130);
    } finally {
      pty.kill();
    }
    expect(pty.screen).toContain('Cancelled: nothing was written.');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('re-asks when an answer is invalid instead of failing', async () => {
    const pty = new Pty(`${process.execPath} ${CLI}`, { cwd, env: cleanEnv() });
    try {
      await pty.waitFor(/In which directory/);
      await pty.type('ok-app', KEYS.enter);
      await pty.waitFor(/Which template\?/);
      await pty.type(KEYS.enter);
      await pty.waitFor(/Which database for local development\?/);
      await pty.type(KEYS.down, KEYS.enter);
      await pty.waitFor(/DATABASE_URL/);
      await pty.type('mysql://x:y@h/d', KEYS.enter);
      await pty.waitFor(/must start with postgres:\/\//);
      await pty.type(KEYS.ctrlC);
      expect(await pty.exited).toBe(130);
    } finally {
      pty.kill();
    }
  });
});
