// The prompts, answered by "a person" through a pseudo-terminal, produce the
// same project as the same answers given as flags.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI, cleanEnv, run, runCli } from './support/cli.ts';
import { startNeonNewStandin } from './support/neon-new-standin.ts';
import { startPostgres, type TestPostgres } from './support/postgres.ts';
import { KEYS, Pty } from './support/pty.ts';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(path.join(tmpdir(), 'neon-edge-pty-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

// A real PostgreSQL: a URL typed at the prompt is tried before anything is written.
let db: TestPostgres;
beforeAll(async () => {
  db = await startPostgres();
}, 120_000);
afterAll(() => db?.destroy());

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
      // The recommended starts are marked on their rows, the first of them highlighted (the default).
      await pty.waitFor(/vercel-node \(recommended for Vercel\)/);
      expect(pty.screen).toMatch(/● worker-hyperdrive \(recommended for Cloudflare Workers\)/);
      expect(pty.screen).toMatch(/○ worker-raw\n/);
      await pty.type(KEYS.enter);
      await pty.waitFor(/Add an ORM\?/);
      expect(pty.screen).toContain('Drizzle ORM');
      await pty.type(KEYS.enter); // None: SQL
      await pty.waitFor(/Which database for local development\?/);
      expect(pty.screen).toContain('An embedded local database for now');
      await pty.type(KEYS.down, KEYS.enter); // Neon or another Postgres
      await pty.waitFor(/DATABASE_URL/);
      await pty.type(db.url, KEYS.enter);
      await pty.waitFor(/Install dependencies\?/);
      // Answered, the URL shows as the flags print it: only the password masked.
      expect(pty.screen).toContain(`postgres://app:****@127.0.0.1:${db.port}/app`);
      await pty.type(KEYS.right, KEYS.enter); // No
      await pty.waitFor(/Add an AGENTS\.md/);
      await pty.type(KEYS.enter); // Yes
      await pty.waitFor(/Add a CI workflow/);
      await pty.type(KEYS.enter); // Yes
      await pty.waitFor(/Initialise a git repository\?/);
      await pty.type(KEYS.enter); // Yes
      expect(await pty.exited).toBe(0);
    } finally {
      pty.kill();
    }
    expect(pty.screen).toContain('Done: asked-app is ready.');
    expect(pty.screen).not.toContain(db.password); // the password prompt shows only masks

    const flagged = await runCli(['flagged-app', '-t', 'worker-hyperdrive', '--database-url', db.url, '--no-install', '--git', '--yes'], { cwd });
    expect(flagged.code, flagged.output).toBe(0);
    expect(flagged.output).toContain(`Which database for local development?\n│  postgres://app:****@127.0.0.1:${db.port}/app`);

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

  it('a pasted URL that does not connect: the reason, then paste it again, before anything is written', async () => {
    const wrong = db.url.replace(`:${db.password}@`, ':Wr0ngPassword@');
    const pty = new Pty(`${process.execPath} ${CLI} retry-app --template worker-raw --orm none --no-install --no-git --no-agents --no-ci`, {
      cwd,
      env: cleanEnv(),
    });
    try {
      await pty.waitFor(/Which database for local development\?/);
      await pty.type(KEYS.down, KEYS.enter); // Neon or another Postgres
      await pty.waitFor(/Leave empty to go back/);
      await pty.type(wrong, KEYS.enter);
      await pty.waitFor(/Could not connect: PostgreSQL at 127\.0\.0\.1:\d+ refused the password for user "app"\. What now\?/);
      expect(readdirSync(cwd)).toEqual([]); // nothing written yet
      expect(pty.screen).toMatch(/● Paste the connection string again/);
      await pty.type(KEYS.enter);
      await pty.waitFor(/Leave empty to go back[\s\S]*Leave empty to go back/);
      await pty.type(db.url, KEYS.enter);
      expect(await pty.exited).toBe(0);
    } finally {
      pty.kill();
    }
    expect(pty.screen).toContain('Done: retry-app is ready.');
    expect(pty.screen).not.toContain(db.password);
    expect(pty.screen).not.toContain('Wr0ngPassword');
    expect(readFileSync(path.join(cwd, 'retry-app', '.dev.vars'), 'utf8')).toBe(`DATABASE_URL=${db.url}\n`);
  });

  it('a URL kept although it does not connect: the project is written, and the end says what to fix', async () => {
    const wrong = db.url.replace(`:${db.password}@`, ':Wr0ngPassword@');
    const pty = new Pty(`${process.execPath} ${CLI} kept-app --template worker-raw --orm none --no-install --no-git --no-agents --no-ci`, {
      cwd,
      env: cleanEnv(),
    });
    try {
      await pty.waitFor(/Which database for local development\?/);
      await pty.type(KEYS.down, KEYS.enter);
      await pty.waitFor(/Leave empty to go back/);
      await pty.type(wrong, KEYS.enter);
      await pty.waitFor(/What now\?/);
      await pty.type(KEYS.down, KEYS.enter); // Keep it
      expect(await pty.exited).toBe(0);
    } finally {
      pty.kill();
    }
    expect(pty.screen).not.toContain('Done:');
    expect(pty.screen).toMatch(
      /kept-app is written, but not ready\. PostgreSQL at 127\.0\.0\.1:\d+ refused the password for user "app": fix the user or password in DATABASE_URL in kept-app\/\.dev\.vars, then npm test in kept-app tries it\./,
    );
    expect(readFileSync(path.join(cwd, 'kept-app', '.dev.vars'), 'utf8')).toBe(`DATABASE_URL=${wrong}\n`);
    expect(pty.screen).not.toContain('Wr0ngPassword');
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
      await pty.waitFor(/Add an ORM\?/);
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

  it('Enter takes the grey default directory, as create-vite and create-hono do', async () => {
    const pty = new Pty(`${process.execPath} ${CLI} --template worker-raw --no-install --no-git`, { cwd, env: cleanEnv() });
    try {
      await pty.waitFor(/In which directory/);
      await pty.type(KEYS.enter);
      await pty.waitFor(/Add an ORM\?/);
      await pty.type(KEYS.enter);
      await pty.waitFor(/Which database for local development\?/);
      await pty.type(KEYS.enter); // embedded
      await pty.waitFor(/Add an AGENTS\.md/);
      await pty.type(KEYS.enter);
      await pty.waitFor(/Add a CI workflow/);
      await pty.type(KEYS.enter);
      expect(await pty.exited).toBe(0);
    } finally {
      pty.kill();
    }
    expect(pty.screen).not.toContain('Please enter a directory name.');
    expect(existsSync(path.join(cwd, 'my-neon-app', 'package.json'))).toBe(true);
    expect(existsSync(path.join(cwd, 'my-neon-app', 'AGENTS.md'))).toBe(true);
    expect(existsSync(path.join(cwd, 'my-neon-app', '.github', 'workflows', 'ci.yml'))).toBe(true);
  });

  it('an empty URL after "Neon or another Postgres" goes back to the choice', async () => {
    const pty = new Pty(`${process.execPath} ${CLI} back-app --template worker-raw --orm none --no-install --no-git --no-agents --no-ci`, {
      cwd,
      env: cleanEnv(),
    });
    try {
      await pty.waitFor(/Which database for local development\?/);
      await pty.type(KEYS.down, KEYS.enter); // Neon or another Postgres
      await pty.waitFor(/Leave empty to go back/);
      await pty.type(KEYS.enter);
      await pty.waitFor(/Which database for local development\?[\s\S]*Leave empty to go back[\s\S]*Which database for local development\?/);
      await pty.type(KEYS.up, KEYS.enter); // the embedded database after all
      expect(await pty.exited).toBe(0);
    } finally {
      pty.kill();
    }
    expect(existsSync(path.join(cwd, 'back-app', '.dev.vars'))).toBe(false);
    expect(pty.screen).toContain('Done: back-app is ready.');
  });
});

describe('a new Neon database in the prompt', () => {
  it("shows a failing service's reason phrase escaped: it cannot set the title or colours", async () => {
    const standin = await startNeonNewStandin(async () => 'unused');
    standin.fault = 'post-500-escapes';
    const pty = new Pty(`${process.execPath} ${CLI} app -t worker-postgis --orm none --no-install --no-git --no-agents --no-ci`, {
      cwd,
      env: cleanEnv({ NEON_NEW_BASE_URL: standin.base }),
    });
    try {
      await pty.waitFor(/Which database for local development\?/);
      await pty.waitFor(/Neon or another Postgres/);
      await pty.type(KEYS.down, KEYS.enter); // a new Neon database: after the embedded one
      await pty.waitFor(/Choose the embedded database or paste a connection string/);
      await pty.waitFor(/Which database for local development\?[^]*Which database for local development\?/); // asked again, without it
      await pty.type(KEYS.enter); // the embedded database
      expect(await pty.exited).toBe(0);
    } finally {
      pty.kill();
      await standin.close();
    }
    expect(pty.screen).toContain('creating the database was answered 500 \\u001b]0;pwned\\u0007\\u001b[31mRed\\u009b0m');
    for (const raw of ['\x1b]0;pwned', '\x1b[31mRed', '\x9b']) expect(pty.output).not.toContain(raw);
  });
});

describe('Ctrl-C in a real terminal while a task runs', () => {
  let bin: string;
  beforeEach(() => {
    bin = path.join(cwd, '.bin');
    mkdirSync(bin);
  });
  const standIn = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\ncat > /dev/null\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  const entries = () => readdirSync(cwd).filter((e) => e !== '.bin');

  // The spinner holds the terminal in raw mode, so Ctrl-C is a keypress, not a signal from the terminal.
  it.each([
    ['the install', 'npm', ['--no-git'], /Installing dependencies/],
    [
      'storing the secret',
      'wrangler',
      ['--database-url', 'postgres://a:pw-9@ep-x.neon.tech/db', '--secret', '--no-install', '--no-git'],
      /Storing DATABASE_URL/,
    ],
  ])('during %s stops the child, rolls back and exits 130', async (_step, command, flags, spinner) => {
    standIn(command, `touch "${bin}/started"\nexec sleep 41.14`);
    const pty = new Pty(`${process.execPath} ${CLI} app -t worker-raw --yes ${flags.join(' ')}`, {
      cwd,
      env: cleanEnv({ PATH: `${bin}:${cleanEnv().PATH}` }),
    });
    try {
      await pty.waitFor(spinner);
      const deadline = Date.now() + 10_000;
      while (!existsSync(path.join(bin, 'started')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await pty.type(KEYS.ctrlC);
      expect(await pty.exited).toBe(130);
    } finally {
      pty.kill();
    }
    expect(pty.screen).toMatch(/Cancelled by SIGINT: removed .*app/);
    expect(entries()).toEqual([]);
    expect((await run('pgrep', ['-f', 'sleep 41.14'], { cwd })).stdout.trim()).toBe('');
  });
});
