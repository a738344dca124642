// The built CLI as a process: exit codes, one-line errors, nothing left
// behind, secrets kept out of output and argv. Cloud CLIs (wrangler) and slow
// installs are stand-in executables that record how they were called.

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import { CLI, cleanEnv, oldSystemNode, run, runCli } from './support/cli.ts';

const NEON_URL = 'postgresql://alice:s3cr%40t-Pa55@ep-cool-rain-123456.us-east-2.aws.neon.tech/neondb?sslmode=require';

let cwd: string;
let bin: string;

beforeEach(() => {
  cwd = mkdtempSync(path.join(tmpdir(), 'neon-edge-cli-'));
  bin = path.join(cwd, '.bin');
  mkdirSync(bin);
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

/** An executable on PATH that records its argv and stdin, then runs `body`. */
function standIn(name: string, body: string): void {
  const file = path.join(bin, name);
  writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' "$@" > "${bin}/${name}.argv"\ncat > "${bin}/${name}.stdin"\n${body}\n`);
  chmodSync(file, 0o755);
}

const withBin = (extra: NodeJS.ProcessEnv = {}) => cleanEnv({ PATH: `${bin}:${cleanEnv().PATH}`, ...extra });

function entries(): string[] {
  return readdirSync(cwd).filter((e) => e !== '.bin');
}

describe('help and version', () => {
  it('--help lists every flag and template and exits 0', async () => {
    const result = await runCli(['--help'], { cwd });
    expect(result.code).toBe(0);
    for (const flag of ['--template', '--database-url', '--no-install', '--package-manager', '--no-git', '--secret', '--yes', '--force', '--version']) {
      expect(result.stdout).toContain(flag);
    }
    expect(result.stdout).toContain('worker-raw');
  });

  it('--version prints the package version', async () => {
    const result = await runCli(['-v'], { cwd });
    expect(result.stdout.trim()).toBe(pkg.version);
  });
});

describe('on a Node older than 22.12', () => {
  const oldNode = oldSystemNode();
  it.skipIf(!oldNode)('says which Node it needs and the npx command that brings one from the npm registry, in one line', () => {
    const ran = spawnSync(oldNode!, [CLI, 'app', '--yes'], { cwd, encoding: 'utf8', env: cleanEnv() });
    expect(ran.status).toBe(1);
    expect(ran.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^✖ create-neon-edge needs Node\.js 22\.12 or newer \(this is v2\d\.\d+\.\d+\): run it with Node\.js 22 from the npm registry, npx -y -p node@22 -- npm create neon-edge@latest, with your arguments after it \(or install Node\.js 22\)\.$/,
      ),
    ]);
    expect(entries()).toEqual([]);
  });
});

describe('bad input: one line, non-zero exit, nothing written', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown option', ['app', '--frobnicate'], /Unknown option '--frobnicate'.*--help/],
    [
      'unknown template',
      ['app', '-t', 'nope'],
      /Unknown template "nope": use --template worker-hyperdrive\|worker-raw\|worker-postgis\|vercel-node\|vercel-edge\./,
    ],
    ['path-like template', ['app', '-t', '../../etc'], /Unknown template "\.\.\/\.\.\/etc"/],
    ['mistyped template', ['app', '-t', 'worker-rwa'], /^✖ Unknown template "worker-rwa": did you mean --template worker-raw\? \(the templates: /],
    ['URL without scheme', ['app', '-t', 'worker-raw', '--database-url', 'alice:pw@host/db'], /no scheme|must start with postgres/],
    ['mysql URL', ['app', '-t', 'worker-raw', '--database-url', 'mysql://alice:pw@host/db'], /must start with postgres:\/\/ or postgresql:\/\//],
    ['URL without database', ['app', '-t', 'worker-raw', '--database-url', 'postgres://alice:pw@host'], /no database name/],
    ['URL without host', ['app', '-t', 'worker-raw', '--database-url', 'postgres:///db'], /no host/],
    ['unknown package manager', ['app', '--package-manager', 'pip'], /Unknown package manager "pip"/],
    ['no TTY, no directory', [], /No terminal to ask .*first argument/],
    ['no TTY, no template', ['app'], /No terminal to ask "Which template\?": pass --template/],
    ['two directories', ['a', 'b'], /Expected one project directory/],
    ['--secret without a URL', ['app', '-t', 'worker-raw', '--secret'], /--secret needs a database URL/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const result = await runCli(args, { cwd });
      expect(result.code).not.toBe(0);
      const errorLines = result.stderr.trim().split('\n');
      expect(errorLines).toHaveLength(1);
      expect(errorLines[0]).toMatch(message);
      expect(result.output).not.toContain('pw@');
      expect(entries()).toEqual([]);
    });
  }

  it('refuses a non-empty directory and leaves it untouched', async () => {
    mkdirSync(path.join(cwd, 'app'));
    writeFileSync(path.join(cwd, 'app', 'keep.txt'), 'mine');
    const result = await runCli(['app', '-t', 'worker-raw', '--no-install', '--no-git'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('✖ Directory app is not empty: choose another directory, or pass --force to write into it.');
    expect(readdirSync(path.join(cwd, 'app'))).toEqual(['keep.txt']);
  });

  it('refuses a target that is a file', async () => {
    writeFileSync(path.join(cwd, 'app'), 'a file');
    const result = await runCli(['app', '-t', 'worker-raw'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/app exists and is not a directory/);
  });

  it('never prints the password of a rejected URL', async () => {
    const result = await runCli(['app', '-t', 'worker-raw', '--database-url', 'postgres://alice:hunter2-x@host'], { cwd });
    expect(result.code).toBe(1);
    expect(result.output).not.toContain('hunter2');
  });
});

describe('writing', () => {
  it('--yes takes every default and derives a valid package name', async () => {
    const result = await runCli(['My Project', '--yes', '--no-install', '--no-git'], { cwd });
    expect(result.code, result.output).toBe(0);
    const written = JSON.parse(readFileSync(path.join(cwd, 'My Project', 'package.json'), 'utf8')) as { name: string };
    expect(written.name).toBe('my-project');
    expect(readFileSync(path.join(cwd, 'My Project', 'wrangler.jsonc'), 'utf8')).toContain('"name": "my-project"');
    expect(existsSync(path.join(cwd, 'My Project', '.dev.vars'))).toBe(false);
    expect(result.output).toContain('put DATABASE_URL=postgres://… in .dev.vars');
  });

  it('prints next steps no wider than 100 columns, the longest template and package manager included', async () => {
    const neon = 'postgresql://alice:pw@ep-cool-rain-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require';
    const result = await runCli(
      ['the-corner-shop-inventory-api', '-t', 'worker-hyperdrive', '--database-url', neon, '--package-manager', 'pnpm', '--no-install', '--no-git'],
      { cwd },
    );
    expect(result.code, result.output).toBe(0);
    const from = result.stdout.slice(result.stdout.indexOf('Next steps:'));
    const steps = from.slice(0, from.indexOf('\n│\n')).split('\n');
    expect(steps.join('\n')).toContain('hyperdrive create');
    for (const line of steps) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it('without a terminal, loads neither the terminal modules nor child_process (a faster start)', () => {
    // Which built-in modules the run loaded, written by a preload at exit. Output goes to
    // files, as in a script: a pipe would itself load the networking modules.
    const probe = path.join(cwd, 'probe.cjs');
    const loaded = path.join(cwd, 'loaded.json');
    writeFileSync(probe, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)}, JSON.stringify(process.moduleLoadList)));`);
    const log = path.join(cwd, 'out.log');
    const out = openSync(log, 'w');
    const result = spawnSync(process.execPath, ['--require', probe, CLI, 'app', '--yes', '--no-install', '--no-git'], {
      cwd,
      env: cleanEnv(),
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    expect(result.status, readFileSync(log, 'utf8')).toBe(0);
    expect(existsSync(path.join(cwd, 'app', 'package.json'))).toBe(true);
    const modules = (JSON.parse(readFileSync(loaded, 'utf8')) as string[]).filter((m) => m.startsWith('NativeModule '));
    for (const name of ['tty', 'readline', 'net', 'child_process', 'crypto', 'fs/promises']) {
      expect(modules).not.toContain(`NativeModule ${name}`);
    }
  });

  it('"." writes into the current (empty) directory', async () => {
    const here = path.join(cwd, 'here');
    mkdirSync(here);
    const result = await runCli(['.', '-t', 'worker-raw', '--no-install', '--no-git'], { cwd: here });
    expect(result.code, result.output).toBe(0);
    expect(existsSync(path.join(here, 'src', 'index.ts'))).toBe(true);
    expect(result.output).not.toMatch(/^│\s+cd /m);
  });

  it('reads DATABASE_URL from the environment and prints it masked', async () => {
    const result = await runCli(['app', '-t', 'worker-raw', '--no-install', '--no-git'], {
      cwd,
      env: cleanEnv({ DATABASE_URL: NEON_URL }),
    });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('postgresql://alice:****@ep-cool-rain-123456.us-east-2.aws.neon.tech/neondb?sslmode=require');
    expect(result.output).not.toContain('Pa55');
    expect(readFileSync(path.join(cwd, 'app', '.dev.vars'), 'utf8')).toBe(`DATABASE_URL=${NEON_URL}\n`);
  });
});

describe('--force into a folder with its own files', () => {
  for (const [template, envFile] of [
    ['worker-raw', '.dev.vars'],
    ['vercel-edge', '.env.local'],
  ] as const) {
    it(`keeps the other secrets in ${envFile} and replaces only DATABASE_URL (0600)`, async () => {
      mkdirSync(path.join(cwd, 'app'));
      writeFileSync(path.join(cwd, 'app', envFile), '# mine\nSTRIPE_KEY=sk_live_123\nDATABASE_URL=postgres://old:pw@old/db\nTOKEN="a\nb"\n', { mode: 0o644 });
      const result = await runCli(['app', '-t', template, '--database-url', NEON_URL, '--force', '--no-install', '--no-git'], { cwd });
      expect(result.code, result.output).toBe(0);
      const text = readFileSync(path.join(cwd, 'app', envFile), 'utf8');
      expect(text).toBe(`# mine\nSTRIPE_KEY=sk_live_123\nDATABASE_URL=${NEON_URL}\nTOKEN="a\nb"\n`);
      expect(statSync(path.join(cwd, 'app', envFile)).mode & 0o777).toBe(0o600);
    });
  }

  it("keeps the user's .gitignore rules: a previously ignored key stays out of the first commit", async () => {
    mkdirSync(path.join(cwd, 'app'));
    writeFileSync(path.join(cwd, 'app', '.gitignore'), 'id_rsa\n*.pem\n');
    writeFileSync(path.join(cwd, 'app', 'id_rsa'), '-----BEGIN OPENSSH PRIVATE KEY-----\n');
    writeFileSync(path.join(cwd, 'app', 'server.pem'), 'key');
    const result = await runCli(['app', '-t', 'worker-raw', '--database-url', NEON_URL, '--force', '--no-install'], { cwd });
    expect(result.code, result.output).toBe(0);
    const gitignore = readFileSync(path.join(cwd, 'app', '.gitignore'), 'utf8');
    expect(gitignore.startsWith('id_rsa\n*.pem\n')).toBe(true);
    expect(gitignore).toContain('.dev.vars*');
    const tracked = (await run('git', ['ls-files'], { cwd: path.join(cwd, 'app') })).stdout.split('\n');
    expect(tracked).toContain('package.json');
    for (const secret of ['id_rsa', 'server.pem', '.dev.vars']) expect(tracked).not.toContain(secret);
  });
});

describe('install failures and interruptions roll back', () => {
  it('removes the project when the install fails, without echoing secrets', async () => {
    standIn('npm', `echo "npm ERR! could not reach ${NEON_URL}" >&2\nexit 1`);
    const result = await runCli(['app', '-t', 'worker-raw', '--database-url', NEON_URL, '--no-git'], { cwd, env: withBin() });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').pop()).toMatch(/^✖ npm install failed \(exit 1\): .*--no-install/);
    expect(result.output).not.toContain('Pa55');
    expect(entries()).toEqual([]);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} during the install stops it and removes the project`, async () => {
      standIn('npm', `touch "${bin}/installing"\nsleep 30.11`);
      const child = spawn(process.execPath, [CLI, 'app', '-t', 'worker-raw', '--no-git'], { cwd, env: withBin() });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const deadline = Date.now() + 10_000;
      while (!existsSync(path.join(bin, 'installing')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(path.join(cwd, 'app', 'package.json'))).toBe(true);
      child.kill(signal);
      expect(await exited).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(stderr).toMatch(new RegExp(`Cancelled by ${signal}: removed .*app`));
      expect(entries()).toEqual([]);
      const sleepers = await run('pgrep', ['-f', `sleep 30.11`], { cwd });
      expect(sleepers.stdout.trim()).toBe('');
    });
  }

  it('a second SIGINT while the installer is slow to exit still rolls back', async () => {
    // The installer ignores SIGINT (as its whole process group does), so the first one only starts the stop.
    standIn('npm', `trap '' INT\ntouch "${bin}/installing"\nsleep 20.12`);
    const child = spawn(process.execPath, [CLI, 'app', '-t', 'worker-raw', '--database-url', NEON_URL, '--no-git'], { cwd, env: withBin() });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
    const deadline = Date.now() + 10_000;
    while (!existsSync(path.join(bin, 'installing')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(path.join(cwd, 'app', '.dev.vars'))).toBe(true);
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    expect(await exited).toEqual([130, null]);
    expect(stderr).toMatch(/Cancelled by SIGINT: removed .*app/);
    expect(entries()).toEqual([]);
    expect((await run('pgrep', ['-f', 'sleep 20.12'], { cwd })).stdout.trim()).toBe('');
  });

  it('in a pre-existing directory (--force), removes only what it added', async () => {
    mkdirSync(path.join(cwd, 'app'));
    writeFileSync(path.join(cwd, 'app', 'notes.md'), 'keep me');
    standIn('npm', 'exit 1');
    const result = await runCli(['app', '-t', 'worker-raw', '--force', '--no-git'], { cwd, env: withBin() });
    expect(result.code).toBe(1);
    expect(readdirSync(path.join(cwd, 'app'))).toEqual(['notes.md']);
    expect(readFileSync(path.join(cwd, 'app', 'notes.md'), 'utf8')).toBe('keep me');
  });
});

describe('--secret runs wrangler with the URL on stdin only', () => {
  it('stores the secret', async () => {
    standIn('wrangler', 'echo "✨ Success! Uploaded secret DATABASE_URL"');
    const result = await runCli(['app', '-t', 'worker-raw', '--database-url', NEON_URL, '--secret', '--no-install', '--no-git'], {
      cwd,
      env: withBin(),
    });
    expect(result.code, result.output).toBe(0);
    expect(readFileSync(path.join(bin, 'wrangler.argv'), 'utf8')).toBe('secret\nput\nDATABASE_URL\n');
    expect(readFileSync(path.join(bin, 'wrangler.stdin'), 'utf8')).toBe(`${NEON_URL}\n`);
    expect(result.output).toContain('Stored DATABASE_URL as a Cloudflare secret');
    expect(result.output).not.toContain('Pa55');
    expect(result.output).not.toContain('npx wrangler secret put DATABASE_URL   # once');
  });

  it('explains a missing login and still completes the project', async () => {
    standIn('wrangler', `echo "✘ [ERROR] You are not authenticated. Please run \\\`wrangler login\\\`. (echo: $(cat ${bin}/wrangler.stdin))" >&2\nexit 1`);
    const result = await runCli(['app', '-t', 'worker-raw', '--database-url', NEON_URL, '--secret', '--no-install', '--no-git'], {
      cwd,
      env: withBin(),
    });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/wrangler is not logged in to Cloudflare.*npx wrangler login.*npx wrangler secret put DATABASE_URL/s);
    expect(result.output).not.toContain('Pa55');
    expect(existsSync(path.join(cwd, 'app', 'src', 'index.ts'))).toBe(true);
  });

  it('stops a wrangler that never returns, after $CREATE_NEON_EDGE_SECRET_TIMEOUT seconds', async () => {
    standIn('wrangler', 'sleep 30.13');
    const started = Date.now();
    const result = await runCli(['app', '-t', 'worker-raw', '--database-url', NEON_URL, '--secret', '--no-install', '--no-git'], {
      cwd,
      env: withBin({ CREATE_NEON_EDGE_SECRET_TIMEOUT: '2' }),
    });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/wrangler did not finish within 2 s .*the secret was not set: run `npx wrangler secret put DATABASE_URL` in app\./);
    expect(result.output).toContain('npx wrangler secret put DATABASE_URL   # once');
    expect(result.output).not.toContain('Pa55');
    expect(existsSync(path.join(cwd, 'app', 'src', 'index.ts'))).toBe(true);
    expect((await run('pgrep', ['-f', 'sleep 30.13'], { cwd })).stdout.trim()).toBe('');
  });

  it('refuses a CREATE_NEON_EDGE_SECRET_TIMEOUT that is not a number of seconds, before writing', async () => {
    const result = await runCli(['app', '-t', 'worker-raw', '--database-url', NEON_URL, '--secret', '--no-install', '--no-git'], {
      cwd,
      env: withBin({ CREATE_NEON_EDGE_SECRET_TIMEOUT: 'soon' }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('✖ CREATE_NEON_EDGE_SECRET_TIMEOUT must be a number of seconds greater than 0: unset it for the default (60).');
    expect(entries()).toEqual([]);
  });

  it('says so when wrangler is not installed', async () => {
    const result = await runCli(['app', '-t', 'worker-raw', '--database-url', NEON_URL, '--secret', '--no-install', '--no-git'], {
      cwd,
      env: cleanEnv({ PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` }),
    });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/wrangler is not installed here/);
  });

  it('refuses to store a local URL as the production secret', async () => {
    const result = await runCli(['app', '-t', 'worker-raw', '--database-url', 'postgres://a:b@127.0.0.1/db', '--secret'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--secret with a local database URL/);
    expect(entries()).toEqual([]);
  });
});

describe('git', () => {
  it('makes one first commit without .dev.vars', async () => {
    const result = await runCli(['app', '-t', 'worker-raw', '--database-url', NEON_URL, '--no-install'], { cwd });
    expect(result.code, result.output).toBe(0);
    const files = await run('git', ['ls-files'], { cwd: path.join(cwd, 'app') });
    expect(files.stdout.split('\n')).toEqual(expect.arrayContaining(['.gitignore', 'AGENTS.md', '.github/workflows/ci.yml', 'src/index.ts']));
    expect(files.stdout.split('\n')).not.toContain('.dev.vars');
    const status = await run('git', ['status', '--porcelain'], { cwd: path.join(cwd, 'app') });
    expect(status.stdout).toBe('');
  });

  it('leaves an enclosing repository alone', async () => {
    await run('git', ['init', '-q'], { cwd });
    const result = await runCli(['app', '-t', 'worker-raw', '--no-install'], { cwd });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('Already inside a git repository');
    expect(existsSync(path.join(cwd, 'app', '.git'))).toBe(false);
    expect((await run('git', ['log'], { cwd })).code).not.toBe(0); // still no commits
  });

  it('warns instead of failing when git has no identity', async () => {
    const env = cleanEnv({ HOME: cwd, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' });
    for (const key of ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'EMAIL']) delete env[key];
    const result = await runCli(['app', '-t', 'worker-raw', '--no-install'], { cwd, env });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/git could not commit/);
    expect(existsSync(path.join(cwd, 'app', '.git'))).toBe(true);
  });
});

describe('vercel-edge: .env.local, and `vercel env add` with the URL on stdin only', () => {
  const scaffold = (env = withBin()) => runCli(['edge', '-t', 'vercel-edge', '--database-url', NEON_URL, '--secret', '--no-install', '--no-git'], { cwd, env });

  it('writes DATABASE_URL to .env.local (0600) and runs vercel env add', async () => {
    standIn('vercel', 'echo "Added Environment Variable DATABASE_URL to Project edge [120ms]"');
    const result = await scaffold();
    expect(result.code, result.output).toBe(0);
    expect(readFileSync(path.join(cwd, 'edge', '.env.local'), 'utf8')).toBe(`DATABASE_URL=${NEON_URL}\n`);
    expect(statSync(path.join(cwd, 'edge', '.env.local')).mode & 0o777).toBe(0o600);
    expect(existsSync(path.join(cwd, 'edge', '.dev.vars'))).toBe(false);
    expect(readFileSync(path.join(bin, 'vercel.argv'), 'utf8')).toBe('env\nadd\nDATABASE_URL\nproduction\n');
    expect(readFileSync(path.join(bin, 'vercel.stdin'), 'utf8')).toBe(`${NEON_URL}\n`);
    expect(result.output).toContain('Stored DATABASE_URL as a Vercel secret.');
    expect(result.output).not.toContain('Pa55');
  });

  it('explains a missing login', async () => {
    standIn('vercel', 'echo "Error: No existing credentials found. Please run \\`vercel login\\` or pass \\"--token\\"" >&2; exit 1');
    const result = await scaffold();
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/vercel is not logged in to Vercel.*`npx vercel login`.*`npx vercel env add DATABASE_URL production`/s);
  });

  it('explains an unlinked directory', async () => {
    standIn('vercel', 'echo "Error: Your codebase isn\'t linked to a project on Vercel. Run \\`vercel link\\` to begin." >&2; exit 1');
    const result = await scaffold();
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/not linked to a Vercel project yet.*`npx vercel link`/s);
  });

  it('says to install dependencies when the Vercel CLI is missing (it is a devDependency)', async () => {
    const result = await scaffold(cleanEnv({ PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` }));
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/vercel is not installed here.*install dependencies first.*`npx vercel env add DATABASE_URL production`/s);
    expect(result.output).not.toContain('Pa55');
  });
});
