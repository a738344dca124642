// The database password never leaves the two files meant for it. For each
// template and each way the URL arrives (a flag, DATABASE_URL in the
// environment, the masked prompt in a real terminal, and --secret handing it
// to the platform CLI), it is searched for in everything the run produced:
// stdout and stderr (or the terminal's screen), the argv of every child
// process (npm, git, wrangler, vercel are stand-ins that record themselves),
// every file of the generated project (.git included, its objects
// decompressed) except .dev.vars / .env.local, which must be 0600, git-ignored
// and outside the first commit.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, cleanEnv, run, runCli } from './support/cli.ts';
import { KEYS, Pty } from './support/pty.ts';

const PASSWORD = 'Zk8#mQ2@vL/7?xWq';
const ENCODED = encodeURIComponent(PASSWORD); // Zk8%23mQ2%40vL%2F7%3FxWq
const URL_ = `postgresql://alice:${ENCODED}@ep-quiet-sun-123456.us-east-2.aws.neon.tech/neondb?sslmode=require`;
/** Every form the password could leak in. */
const FORMS = [PASSWORD, ENCODED, ENCODED.toLowerCase(), Buffer.from(PASSWORD).toString('base64')];

const TEMPLATES = [
  { name: 'worker-raw', envFile: '.dev.vars', platformCli: 'wrangler', embeddedChoice: true, dbSetup: false, orm: true },
  { name: 'worker-postgis', envFile: '.dev.vars', platformCli: 'wrangler', embeddedChoice: true, dbSetup: true, orm: true },
  { name: 'vercel-edge', envFile: '.env.local', platformCli: 'vercel', embeddedChoice: true, dbSetup: false, orm: true },
] as const;
type TemplateCase = (typeof TEMPLATES)[number];

const REAL_GIT = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();

let cwd: string;
let bin: string;
let calls: string;

beforeEach(() => {
  cwd = mkdtempSync(path.join(tmpdir(), 'neon-edge-secrets-'));
  bin = path.join(cwd, '.bin');
  calls = path.join(cwd, '.calls');
  mkdirSync(bin);
  mkdirSync(calls);
  // Each stand-in records its argv and stdin in a file of its own per call, then does its part.
  const standIn = (name: string, body: string) => {
    const file = path.join(bin, name);
    writeFileSync(file, `#!/bin/sh\nn="${calls}/${name}.$$"\nprintf '%s\\n' "$@" > "$n.argv"\ncat > "$n.stdin"\n${body}\n`);
    chmodSync(file, 0o755);
  };
  standIn('npm', 'case "$1" in install) mkdir -p node_modules ;; run) echo "✔ 3 places in the places table" ;; esac\nexit 0');
  standIn('wrangler', 'echo "✨ Success! Uploaded secret DATABASE_URL"');
  standIn('vercel', 'echo "Added Environment Variable DATABASE_URL to Project [120ms]"');
  standIn('git', `exec "${REAL_GIT}" "$@" < /dev/null`);
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const env = (extra: NodeJS.ProcessEnv = {}) => cleanEnv({ PATH: `${bin}:${cleanEnv().PATH}`, ...extra });

function expectNoPassword(where: string, text: string | Buffer): void {
  const haystack = Buffer.isBuffer(text) ? text.toString('latin1') : text;
  for (const form of FORMS) expect(haystack.includes(form), `the password (${form}) is in ${where}`).toBe(false);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** What every path must leave behind: the checks shared by all cases. */
async function checkRun(t: TemplateCase, output: string, expectSecretPut: boolean): Promise<void> {
  const project = path.join(cwd, 'app');
  expectNoPassword('the output', output);

  // Every child the scaffolder started, with what it was given.
  const recorded = readdirSync(calls);
  const argvFiles = recorded.filter((f) => f.endsWith('.argv'));
  expect(
    argvFiles.some((f) => f.startsWith('npm.')),
    'npm ran',
  ).toBe(true);
  expect(
    argvFiles.some((f) => f.startsWith('git.')),
    'git ran',
  ).toBe(true);
  for (const file of argvFiles) expectNoPassword(`the argv of ${file}`, readFileSync(path.join(calls, file)));
  for (const file of recorded.filter((f) => f.endsWith('.stdin'))) {
    const stdin = readFileSync(path.join(calls, file), 'utf8');
    // The platform CLI reads the URL from stdin: the one channel allowed to carry it.
    if (file.startsWith(`${t.platformCli}.`)) expect(stdin).toBe(`${URL_}\n`);
    else expectNoPassword(`the stdin of ${file}`, stdin);
  }
  const putCalls = argvFiles.filter((f) => f.startsWith(`${t.platformCli}.`));
  expect(putCalls).toHaveLength(expectSecretPut ? 1 : 0);
  if (t.dbSetup) {
    const npmArgv = argvFiles.filter((f) => f.startsWith('npm.')).map((f) => readFileSync(path.join(calls, f), 'utf8'));
    expect(npmArgv).toContain('run\ndb:setup\n');
  }

  // The env file: the only place on disk with the password.
  const envFile = path.join(project, t.envFile);
  expect(readFileSync(envFile, 'utf8')).toBe(`DATABASE_URL=${URL_}\n`);
  expect(statSync(envFile).mode & 0o777).toBe(0o600);
  for (const file of filesUnder(project)) {
    if (path.relative(project, file) === t.envFile) continue;
    expectNoPassword(path.relative(project, file), readFileSync(file));
  }

  // Git: ignored, and not in the one first commit, in any object.
  expect((await run('git', ['check-ignore', '--quiet', t.envFile], { cwd: project })).code).toBe(0);
  expect((await run('git', ['rev-list', '--count', 'HEAD'], { cwd: project })).stdout.trim()).toBe('1');
  const tracked = (await run('git', ['ls-tree', '-r', '--name-only', 'HEAD'], { cwd: project })).stdout.split('\n');
  expect(tracked).toContain('package.json');
  expect(tracked).not.toContain(t.envFile);
  expect((await run('git', ['status', '--porcelain', '--ignored'], { cwd: project })).stdout).toContain(`!! ${t.envFile}`);
  const objects = execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], { cwd: project, maxBuffer: 256 * 1024 * 1024 });
  expect(objects.length).toBeGreaterThan(10_000);
  expectNoPassword('the git objects', objects);
}

describe.each(TEMPLATES)('$name: the password stays in $envFile', (t) => {
  // --no-check: the made-up Neon host cannot be reached from here (the check itself: create-check.test.ts).
  const base = ['app', '--template', t.name, '--install', '--agents', '--ci', '--git', '--package-manager', 'npm', '--no-check'];

  it('given as --database-url', async () => {
    const result = await runCli([...base, '--database-url', URL_, '--no-secret'], { cwd, env: env() });
    expect(result.code, result.output).toBe(0);
    await checkRun(t, result.output, false);
  });

  it('read from DATABASE_URL in the environment', async () => {
    const result = await runCli([...base, '--no-secret'], { cwd, env: env({ DATABASE_URL: URL_ }) });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('postgresql://alice:****@ep-quiet-sun-123456');
    await checkRun(t, result.output, false);
  });

  it('typed at the masked prompt in a terminal', async () => {
    const flags = [...base, '--no-secret', ...(t.dbSetup ? ['--db-setup'] : [])];
    const pty = new Pty([process.execPath, CLI, ...flags].join(' '), { cwd, env: env() });
    try {
      if (t.orm) {
        await pty.waitFor(/Add an ORM\?/);
        await pty.type(KEYS.enter); // none
      }
      if (t.embeddedChoice) {
        await pty.waitFor(/Which database for local development\?/);
        await pty.type(KEYS.down, KEYS.enter);
      }
      await pty.waitFor(/onnection string \(DATABASE_URL\)/);
      await pty.type(URL_, KEYS.enter);
      expect(await pty.exited).toBe(0);
    } finally {
      pty.kill();
    }
    expect(pty.screen).toContain(`Done: app is ready.`);
    expect(pty.screen).toMatch(/\*{20,}/); // what was typed showed as masks
    expect(pty.screen).toContain('postgresql://alice:****@ep-quiet-sun-123456'); // and the answer as the flags print it
    await checkRun(t, pty.screen, false);
  }, 30_000);

  it(`stored with --secret (${t.platformCli} gets it on stdin only)`, async () => {
    const result = await runCli([...base, '--database-url', URL_, '--secret'], { cwd, env: env() });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/Stored DATABASE_URL as a (Cloudflare|Vercel) secret/);
    await checkRun(t, result.output, true);
  });
});
