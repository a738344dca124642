import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Context } from '../../src/scaffold/context.ts';
import { CancelledError, CliError } from '../../src/scaffold/errors.ts';
import type { CliArgs } from '../../src/scaffold/options.ts';
import type { Choice, Logger, Prompter } from '../../src/scaffold/prompter.ts';
import { askAll, askDatabaseUrl, DEFAULT_DIR, EMBEDDED_CHOICE, URL_QUESTION } from '../../src/scaffold/questions.ts';
import type { Template } from '../../src/scaffold/template-config.ts';
import { DEFAULT_TEMPLATE, TEMPLATES } from '../../src/scaffold/templates.ts';

const PASSWORD = 'Sup3rS3cretPw';
const WORKER_RAW = TEMPLATES.find((t) => t.name === 'worker-raw') as Template;
const NEON_URL = `postgres://alice:${PASSWORD}@ep-cool-123.us-east-2.aws.neon.tech/neondb?sslmode=require`;
const NEON_URL_MASKED = 'postgres://alice:****@ep-cool-123.us-east-2.aws.neon.tech/neondb?sslmode=require';
const LOCAL_URL = `postgres://app:${PASSWORD}@127.0.0.1:5432/app`;

const Q = {
  dir: 'In which directory should the project be created?',
  template: 'Which template?',
  orm: 'Add an ORM?',
  // One label for the database question, asked or given by flag.
  url: 'Which database for local development?',
  install: 'Install dependencies?',
  agents: 'Add an AGENTS.md for coding agents?',
  ci: 'Add a CI workflow (GitHub Actions: the tests on every push and pull request)?',
  git: 'Initialise a git repository?',
  database: 'Which database for local development?',
  secret: 'Store DATABASE_URL as a production secret now?',
};

type Method = keyof Prompter;

interface PromptCall {
  method: Method;
  message: string;
  opts: {
    message: string;
    placeholder?: string;
    defaultValue?: string;
    initialValue?: string | boolean;
    options?: Choice[];
    validate?: (v: string) => string | undefined;
  };
}

type Scripted = string | boolean | Error;

/** Answers from a queue, each checked against the method it was meant for; records every call. */
class FakePrompter implements Prompter {
  readonly calls: PromptCall[] = [];
  private readonly queue: [Method, Scripted][];

  constructor(answers: [Method, Scripted][] = []) {
    this.queue = [...answers];
  }

  get remaining(): number {
    return this.queue.length;
  }

  private next(method: Method, opts: PromptCall['opts']): Scripted {
    this.calls.push({ method, message: opts.message, opts });
    const entry = this.queue.shift();
    if (!entry) throw new Error(`unexpected ${method} prompt: ${opts.message}`);
    if (entry[0] !== method) throw new Error(`expected a ${entry[0]} prompt, got ${method}: ${opts.message}`);
    if (entry[1] instanceof Error) throw entry[1];
    return entry[1];
  }

  async text(opts: PromptCall['opts']): Promise<string> {
    return this.next('text', opts) as string;
  }
  async password(opts: PromptCall['opts']): Promise<string> {
    return this.next('password', opts) as string;
  }
  async select(opts: { message: string; options: Choice[]; initialValue?: string }): Promise<string> {
    return this.next('select', opts) as string;
  }
  async confirm(opts: { message: string; initialValue?: boolean }): Promise<boolean> {
    return this.next('confirm', opts) as boolean;
  }
}

/** Records every line; `task` just runs the work. */
class RecordingLogger implements Logger {
  readonly lines: { kind: string; text: string }[] = [];
  readonly answers: [string, string][] = [];

  intro(title: string): void {
    this.lines.push({ kind: 'intro', text: title });
  }
  answered(question: string, answer: string): void {
    this.answers.push([question, answer]);
    this.lines.push({ kind: 'answered', text: `${question}\n${answer}` });
  }
  step(message: string): void {
    this.lines.push({ kind: 'step', text: message });
  }
  info(message: string): void {
    this.lines.push({ kind: 'info', text: message });
  }
  warn(message: string): void {
    this.lines.push({ kind: 'warn', text: message });
  }
  success(message: string): void {
    this.lines.push({ kind: 'success', text: message });
  }
  outro(message: string): void {
    this.lines.push({ kind: 'outro', text: message });
  }
  async task<T>(title: string, work: () => Promise<T>): Promise<T> {
    this.lines.push({ kind: 'task', text: title });
    return work();
  }
  get all(): string {
    return this.lines.map((l) => l.text).join('\n');
  }
}

function args(overrides: Partial<CliArgs> = {}): CliArgs {
  return { yes: false, force: false, help: false, version: false, ...overrides };
}

let cwd: string;

beforeEach(() => {
  cwd = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'neon-questions-')));
});

afterEach(() => {
  rmSync(cwd, { recursive: true, force: true });
});

function context(opts: {
  args?: Partial<CliArgs>;
  interactive?: boolean;
  env?: NodeJS.ProcessEnv;
  answers?: [Method, Scripted][];
  cwd?: string;
  connect?: Context['connect'];
}): { ctx: Context; prompt: FakePrompter; log: RecordingLogger } {
  const prompt = new FakePrompter(opts.answers);
  const log = new RecordingLogger();
  const ctx: Context = {
    args: args(opts.args),
    cwd: opts.cwd ?? cwd,
    // Never neon.new from a test: fetch never connects to port 1 (a blocked port), so the prompt does not offer a new Neon database.
    env: { NEON_NEW_BASE_URL: 'http://127.0.0.1:1', ...opts.env },
    interactive: opts.interactive ?? true,
    prompt,
    log,
    // Every URL connects, unless a test says otherwise.
    connect: opts.connect ?? (async () => undefined),
  };
  return { ctx, prompt, log };
}

async function cliError(promise: Promise<unknown>): Promise<CliError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return err as CliError;
  }
  throw new Error('expected a CliError, but the questions succeeded');
}

describe('askAll with every answer given by flags', () => {
  it('asks nothing and prints each flag value, the URL masked', async () => {
    const { ctx, prompt, log } = context({
      args: {
        dir: 'proj',
        template: 'worker-raw',
        orm: 'none',
        databaseUrl: NEON_URL,
        install: false,
        packageManager: 'pnpm',
        agents: false,
        ci: false,
        git: false,
        secret: true,
      },
    });
    const answers = await askAll(ctx);
    expect(prompt.calls).toEqual([]);
    expect(log.answers).toEqual([
      [Q.dir, 'proj'],
      [Q.template, 'worker-raw'],
      [Q.orm, 'none (SQL)'],
      [Q.url, NEON_URL_MASKED],
      [Q.install, 'no'],
      [Q.agents, 'no'],
      [Q.ci, 'no'],
      [Q.git, 'no'],
      [Q.secret, 'yes'],
    ]);
    expect(log.all).not.toContain(PASSWORD);
    expect(answers).toEqual({
      targetDir: path.join(cwd, 'proj'),
      displayDir: 'proj',
      projectName: 'proj',
      template: expect.objectContaining({ name: 'worker-raw' }),
      databaseUrl: NEON_URL,
      install: false,
      packageManager: 'pnpm',
      dbSetup: false,
      agents: false,
      ci: false,
      git: false,
      secret: true,
    });
  });

  it('prints the opposite values too, and works without a terminal', async () => {
    const { ctx, prompt, log } = context({
      interactive: false,
      args: { dir: 'proj', template: 'worker-raw', databaseUrl: NEON_URL, install: true, agents: true, ci: true, git: true, secret: false },
    });
    const answers = await askAll(ctx);
    expect(prompt.calls).toEqual([]);
    expect(log.answers).toEqual([
      [Q.dir, 'proj'],
      [Q.template, 'worker-raw'],
      [Q.orm, 'none (SQL) (default)'],
      [Q.url, NEON_URL_MASKED],
      [Q.install, 'yes'],
      [Q.agents, 'yes'],
      [Q.ci, 'yes'],
      [Q.git, 'yes'],
      [Q.secret, 'no'],
    ]);
    expect(answers).toMatchObject({ install: true, git: true, secret: false });
  });

  it('prints an empty --database-url as the embedded database and skips the secret question', async () => {
    const { ctx, prompt, log } = context({
      args: { dir: 'proj', template: 'worker-raw', orm: 'none', databaseUrl: '', install: false, agents: false, ci: false, git: false },
    });
    const answers = await askAll(ctx);
    expect(prompt.calls).toEqual([]);
    expect(answers.databaseUrl).toBeUndefined();
    expect(answers.secret).toBe(false);
    expect(log.answers.find(([q]) => q === Q.url)?.[1]).toBe(EMBEDDED_CHOICE);
    expect(log.answers.map(([q]) => q)).not.toContain(Q.secret);
  });

  it('names the package when it differs from the directory', async () => {
    const { ctx, log } = context({ args: { dir: 'My App', template: 'worker-raw', yes: true } });
    const answers = await askAll(ctx);
    expect(answers.projectName).toBe('my-app');
    expect(answers.targetDir).toBe(path.join(cwd, 'My App'));
    expect(log.lines).toContainEqual({ kind: 'info', text: 'Package name: my-app' });
  });

  it('rejects an invalid --database-url in one line without its password', async () => {
    const { ctx, prompt } = context({
      args: { dir: 'proj', template: 'worker-raw', orm: 'none', databaseUrl: `mysql://alice:${PASSWORD}@host/db` },
    });
    const err = await cliError(askAll(ctx));
    expect(err.message).toContain('postgres://');
    expect(err.message).not.toContain(PASSWORD);
    expect(err.message).not.toMatch(/\n/);
    expect(prompt.calls).toEqual([]);
  });

  it('rejects an unknown --template', async () => {
    const { ctx } = context({ args: { dir: 'proj', template: 'nope' } });
    const err = await cliError(askAll(ctx));
    expect(err.message).toBe(`Unknown template "nope": use --template ${TEMPLATES.map((t) => t.name).join('|')}.`);
  });
});

describe('askAll interactively', () => {
  it('asks dir, template, URL (hidden), install, git, then the secret for a Neon URL', async () => {
    const { ctx, prompt, log } = context({
      env: { npm_config_user_agent: 'yarn/1.22.22 npm/? node/v22.12.0 linux x64' },
      answers: [
        ['text', 'my-app'],
        ['select', 'worker-raw'],
        ['select', 'none'],
        ['select', 'url'],
        ['password', NEON_URL],
        ['confirm', false],
        ['confirm', true],
        ['confirm', false],
        ['confirm', true],
        ['confirm', true],
      ],
    });
    const answers = await askAll(ctx);
    expect(prompt.calls.map((c) => [c.method, c.message])).toEqual([
      ['text', Q.dir],
      ['select', Q.template],
      ['select', Q.orm],
      ['select', Q.database],
      ['password', URL_QUESTION],
      ['confirm', Q.install],
      ['confirm', Q.agents],
      ['confirm', Q.ci],
      ['confirm', Q.git],
      ['confirm', Q.secret],
    ]);
    expect(prompt.remaining).toBe(0);
    expect(log.answers).toEqual([]);
    expect(log.all).not.toContain(PASSWORD);
    expect(answers).toEqual({
      targetDir: path.join(cwd, 'my-app'),
      displayDir: 'my-app',
      projectName: 'my-app',
      template: expect.objectContaining({ name: 'worker-raw' }),
      databaseUrl: NEON_URL,
      install: false,
      packageManager: 'yarn',
      // The version that ran it, which the CI workflow pins.
      packageManagerVersion: '1.22.22',
      dbSetup: false,
      agents: true,
      ci: false,
      git: true,
      secret: true,
    });
  });

  it('offers the defaults in the prompts', async () => {
    const { ctx, prompt } = context({
      answers: [
        ['text', 'my-app'],
        ['select', 'worker-raw'],
        ['select', 'none'],
        ['select', 'url'],
        ['password', NEON_URL],
        ['confirm', true],
        ['confirm', true],
        ['confirm', true],
        ['confirm', true],
        ['confirm', false],
      ],
    });
    await askAll(ctx);
    const [dir, template, orm, database, , install, agents, ci, git, secret] = prompt.calls;
    expect(orm.opts.initialValue).toBe('none');
    expect(orm.opts.options?.map((o) => o.value)).toEqual(['none', 'drizzle']);
    expect(agents.opts.initialValue).toBe(true);
    expect(ci.opts.initialValue).toBe(true);
    expect(dir.opts.defaultValue).toBe(DEFAULT_DIR);
    expect(database.opts.initialValue).toBe('embedded');
    expect(database.opts.options?.map((o) => o.value)).toEqual(['embedded', 'url']);
    expect(template.opts.initialValue).toBe(DEFAULT_TEMPLATE);
    expect(template.opts.options?.map((o) => o.value)).toContain('worker-raw');
    // Every row shows its label; only the highlighted one its hint: the recommendation is in the label.
    expect(template.opts.options?.find((o) => o.value === 'vercel-node')?.label).toBe('vercel-node (recommended for Vercel)');
    expect(template.opts.options?.find((o) => o.value === 'worker-raw')?.label).toBe('worker-raw');
    expect(install.opts.initialValue).toBe(true);
    expect(git.opts.initialValue).toBe(true);
    expect(secret.opts.initialValue).toBe(false);
  });

  it('does not ask about the secret for a local URL', async () => {
    const { ctx, prompt } = context({
      answers: [
        ['text', 'my-app'],
        ['select', 'worker-raw'],
        ['select', 'none'],
        ['select', 'url'],
        ['password', LOCAL_URL],
        ['confirm', true],
        ['confirm', true],
        ['confirm', true],
        ['confirm', true],
      ],
    });
    const answers = await askAll(ctx);
    expect(prompt.calls.map((c) => c.method)).toEqual(['text', 'select', 'select', 'select', 'password', 'confirm', 'confirm', 'confirm', 'confirm']);
    expect(answers.databaseUrl).toBe(LOCAL_URL);
    expect(answers.secret).toBe(false);
  });

  it('asks no URL and no secret when the embedded database is chosen', async () => {
    const { ctx, prompt } = context({
      answers: [
        ['text', 'my-app'],
        ['select', 'worker-raw'],
        ['select', 'none'],
        ['select', 'embedded'],
        ['confirm', true],
        ['confirm', true],
        ['confirm', true],
        ['confirm', false],
      ],
    });
    const answers = await askAll(ctx);
    expect(prompt.calls.map((c) => c.method)).toEqual(['text', 'select', 'select', 'select', 'confirm', 'confirm', 'confirm', 'confirm']);
    expect(answers.databaseUrl).toBeUndefined();
    expect(answers.secret).toBe(false);
    expect(answers.git).toBe(false);
  });

  it('gives the prompts validators that re-ask on bad input', async () => {
    mkdirSync(path.join(cwd, 'taken'));
    writeFileSync(path.join(cwd, 'taken', 'file.txt'), 'x');
    const { ctx, prompt } = context({
      answers: [
        ['text', 'my-app'],
        ['select', 'worker-postgis'],
        ['select', 'none'],
        ['select', 'url'],
        ['password', ''],
        ['select', 'embedded'],
        ['confirm', false],
        ['confirm', true],
        ['confirm', true],
        ['confirm', true],
      ],
    });
    await askAll(ctx);
    const validateDir = prompt.calls[0].opts.validate;
    const validateUrl = prompt.calls[4].opts.validate;
    expect(prompt.calls[4].message).toBe(URL_QUESTION);
    if (!validateDir || !validateUrl) throw new Error('the dir and URL prompts must validate');
    expect(validateDir('my-app')).toBeUndefined();
    expect(validateDir('')).toBe('Please enter a directory name.');
    expect(validateDir('   ')).toBe('Please enter a directory name.');
    expect(validateDir('taken')).toMatch(/not empty.*--force/);
    expect(validateUrl('')).toBeUndefined();
    expect(validateUrl(NEON_URL)).toBeUndefined();
    const problem = validateUrl(`mysql://alice:${PASSWORD}@host/db`);
    expect(problem).toMatch(/postgres:\/\//);
    expect(problem).not.toContain(PASSWORD);
  });

  it('asks only what no flag answered', async () => {
    const { ctx, prompt, log } = context({
      args: { template: 'worker-raw', install: false },
      answers: [
        ['text', 'my-app'],
        ['select', 'drizzle'],
        ['select', 'embedded'],
        ['confirm', true],
        ['confirm', true],
        ['confirm', true],
      ],
    });
    const answers = await askAll(ctx);
    expect(prompt.calls.map((c) => c.message)).toEqual([Q.dir, Q.orm, Q.database, Q.agents, Q.ci, Q.git]);
    expect(log.answers).toEqual([
      [Q.template, 'worker-raw'],
      [Q.install, 'no'],
    ]);
    expect(answers.install).toBe(false);
    expect(answers.orm).toBe('drizzle');
  });

  it('lets a CancelledError from the prompter propagate', async () => {
    const { ctx, prompt } = context({
      answers: [
        ['text', 'my-app'],
        ['select', new CancelledError()],
      ],
    });
    const err = await askAll(ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).exitCode).toBe(130);
    expect(prompt.calls.map((c) => c.method)).toEqual(['text', 'select']);
  });
});

describe('askAll with --yes', () => {
  it('takes every default without asking', async () => {
    const { ctx, prompt, log } = context({ args: { yes: true } });
    const answers = await askAll(ctx);
    expect(prompt.calls).toEqual([]);
    expect(answers).toEqual({
      targetDir: path.join(cwd, 'my-neon-app'),
      displayDir: 'my-neon-app',
      projectName: 'my-neon-app',
      template: expect.objectContaining({ name: 'worker-hyperdrive' }),
      databaseUrl: undefined,
      install: true,
      packageManager: 'npm',
      dbSetup: false,
      agents: true,
      ci: true,
      git: true,
      secret: false,
    });
    expect(log.answers).toEqual([
      [Q.dir, 'my-neon-app (default)'],
      [Q.template, 'worker-hyperdrive (default)'],
      [Q.orm, 'none (SQL) (default)'],
      [Q.url, `${EMBEDDED_CHOICE} (default)`],
      [Q.install, 'yes (default)'],
      [Q.agents, 'yes (default)'],
      [Q.ci, 'yes (default)'],
      [Q.git, 'yes (default)'],
    ]);
  });

  it('takes the defaults without a terminal too', async () => {
    const { ctx, prompt } = context({ args: { yes: true }, interactive: false });
    const answers = await askAll(ctx);
    expect(prompt.calls).toEqual([]);
    expect(answers.targetDir).toBe(path.join(cwd, DEFAULT_DIR));
  });

  it('fails when the default directory is not empty', async () => {
    mkdirSync(path.join(cwd, DEFAULT_DIR));
    writeFileSync(path.join(cwd, DEFAULT_DIR, 'x'), '');
    const { ctx } = context({ args: { yes: true } });
    const err = await cliError(askAll(ctx));
    expect(err.message).toContain('--force');
  });
});

describe('askAll without a terminal', () => {
  it('fails naming the first argument when no directory is given', async () => {
    const { ctx, prompt } = context({ interactive: false });
    const err = await cliError(askAll(ctx));
    expect(err.message).toContain('first argument');
    expect(err.message).toContain('--yes');
    expect(err.message).not.toMatch(/\n/);
    expect(prompt.calls).toEqual([]);
  });

  it('fails naming --template when only the directory is given', async () => {
    const { ctx } = context({ interactive: false, args: { dir: 'proj' } });
    const err = await cliError(askAll(ctx));
    expect(err.message).toContain('--template');
    expect(err.message).not.toMatch(/\n/);
  });

  it('takes the other defaults once the directory and template are given', async () => {
    const { ctx, prompt } = context({ interactive: false, args: { dir: 'proj', template: 'worker-raw' } });
    const answers = await askAll(ctx);
    expect(prompt.calls).toEqual([]);
    expect(answers).toMatchObject({ databaseUrl: undefined, install: true, git: true, secret: false });
  });
});

describe('DATABASE_URL from the environment', () => {
  it('is used when no flag is given, and printed masked', async () => {
    const { ctx, prompt, log } = context({ args: { yes: true }, env: { DATABASE_URL: NEON_URL } });
    const answers = await askAll(ctx);
    expect(prompt.calls).toEqual([]);
    expect(answers.databaseUrl).toBe(NEON_URL);
    expect(log.answers).toContainEqual([Q.url, NEON_URL_MASKED]);
    expect(log.all).not.toContain(PASSWORD);
  });

  it('is not asked for interactively', async () => {
    const { ctx, prompt } = context({ env: { DATABASE_URL: NEON_URL } });
    expect(await askDatabaseUrl(ctx, WORKER_RAW)).toBe(NEON_URL);
    expect(prompt.calls).toEqual([]);
  });

  it('loses to --database-url', async () => {
    const { ctx } = context({ args: { databaseUrl: LOCAL_URL }, env: { DATABASE_URL: NEON_URL } });
    expect(await askDatabaseUrl(ctx, WORKER_RAW)).toBe(LOCAL_URL);
  });

  it('is checked like the flag', async () => {
    const { ctx } = context({ env: { DATABASE_URL: `postgres://alice:${PASSWORD}@host` } });
    const err = await cliError(askDatabaseUrl(ctx, WORKER_RAW));
    expect(err.message).toContain('no database name');
    expect(err.message).not.toContain(PASSWORD);
  });
});

describe('--secret', () => {
  it('without a database URL fails', async () => {
    const { ctx } = context({ args: { dir: 'proj', template: 'worker-raw', secret: true, yes: true } });
    const err = await cliError(askAll(ctx));
    expect(err.message).toContain('--database-url');
    expect(err.message).not.toMatch(/\n/);
  });

  it('with a local URL fails', async () => {
    const { ctx } = context({
      args: { dir: 'proj', template: 'worker-raw', secret: true, databaseUrl: LOCAL_URL, yes: true },
    });
    const err = await cliError(askAll(ctx));
    expect(err.message).toMatch(/local database URL/);
    expect(err.message).not.toContain(PASSWORD);
    expect(err.message).not.toMatch(/\n/);
  });

  it('--no-secret with a local URL is fine', async () => {
    const { ctx } = context({
      args: { dir: 'proj', template: 'worker-raw', secret: false, databaseUrl: LOCAL_URL, yes: true },
    });
    expect((await askAll(ctx)).secret).toBe(false);
  });
});

describe('the target directory', () => {
  it('must be empty without --force', async () => {
    mkdirSync(path.join(cwd, 'proj'));
    writeFileSync(path.join(cwd, 'proj', 'README.md'), 'mine');
    const { ctx } = context({ args: { dir: 'proj', template: 'worker-raw', yes: true } });
    const err = await cliError(askAll(ctx));
    expect(err.message).toBe('Directory proj is not empty: choose another directory, or pass --force to write into it.');
  });

  it('may be non-empty with --force', async () => {
    mkdirSync(path.join(cwd, 'proj'));
    writeFileSync(path.join(cwd, 'proj', 'README.md'), 'mine');
    const { ctx } = context({ args: { dir: 'proj', template: 'worker-raw', yes: true, force: true } });
    const answers = await askAll(ctx);
    expect(answers.targetDir).toBe(path.join(cwd, 'proj'));
  });

  it('counts a folder holding only .git as empty', async () => {
    mkdirSync(path.join(cwd, 'proj', '.git'), { recursive: true });
    const { ctx } = context({ args: { dir: 'proj', template: 'worker-raw', yes: true } });
    expect((await askAll(ctx)).targetDir).toBe(path.join(cwd, 'proj'));
  });

  it('must not be a file', async () => {
    writeFileSync(path.join(cwd, 'proj'), '');
    const { ctx } = context({ args: { dir: 'proj', template: 'worker-raw', yes: true, force: true } });
    const err = await cliError(askAll(ctx));
    expect(err.message).toContain('not a directory');
  });

  it("'.' in an empty cwd is the cwd itself", async () => {
    const empty = path.join(cwd, 'Empty Dir');
    mkdirSync(empty);
    const { ctx } = context({ cwd: empty, args: { dir: '.', template: 'worker-raw', yes: true } });
    const answers = await askAll(ctx);
    expect(answers.targetDir).toBe(empty);
    expect(answers.displayDir).toBe('.');
    expect(answers.projectName).toBe('empty-dir');
  });

  it("'.' in the temp cwd itself", async () => {
    const { ctx } = context({ args: { dir: '.', template: 'worker-raw', yes: true } });
    const answers = await askAll(ctx);
    expect(answers.targetDir).toBe(cwd);
    expect(answers.displayDir).toBe('.');
  });

  it('may be nested and relative, shown relative to the cwd', async () => {
    const { ctx } = context({ args: { dir: 'a/b/../c', template: 'worker-raw', yes: true } });
    const answers = await askAll(ctx);
    expect(answers.targetDir).toBe(path.join(cwd, 'a', 'c'));
    expect(answers.displayDir).toBe(path.join('a', 'c'));
    expect(answers.projectName).toBe('c');
  });

  it('absolute, or outside the cwd, is shown absolute (not ../../tmp/app)', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'neon-edge-outside-'));
    try {
      for (const dir of [path.join(outside, 'app'), path.relative(cwd, path.join(outside, 'app'))]) {
        const { ctx } = context({ args: { dir, template: 'worker-raw', yes: true } });
        const answers = await askAll(ctx);
        expect(answers.targetDir).toBe(path.join(outside, 'app'));
        expect(answers.displayDir).toBe(path.join(outside, 'app'));
      }
      const inside = context({ args: { dir: path.join(cwd, 'x'), template: 'worker-raw', yes: true } }).ctx;
      expect((await askAll(inside)).displayDir).toBe(path.join(cwd, 'x'));
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('the data question (templates with db:setup)', () => {
  const DB_SETUP = 'Create the schema and load the places into the database now (db:setup)?';

  it('is asked after install for worker-postgis with a URL, defaulting to yes', async () => {
    const { ctx, prompt } = context({
      args: { dir: 'proj', template: 'worker-postgis', orm: 'none', databaseUrl: LOCAL_URL, agents: true, ci: true, git: false },
      answers: [
        ['confirm', true],
        ['confirm', false],
      ],
    });
    const answers = await askAll(ctx);
    expect(prompt.calls.map((c) => c.message)).toEqual([Q.install, DB_SETUP]);
    expect(prompt.calls[1].opts.initialValue).toBe(true);
    expect(answers.dbSetup).toBe(false);
  });

  it('takes yes by default without a terminal', async () => {
    const { ctx, log } = context({
      interactive: false,
      args: { dir: 'proj', template: 'worker-postgis', databaseUrl: LOCAL_URL },
    });
    expect((await askAll(ctx)).dbSetup).toBe(true);
    expect(log.answers).toContainEqual([DB_SETUP, 'yes (default)']);
  });

  it('is not asked without a URL, without install, or for worker-raw', async () => {
    for (const extra of [
      { template: 'worker-postgis' },
      { template: 'worker-postgis', databaseUrl: LOCAL_URL, install: false },
      { template: 'worker-raw', databaseUrl: LOCAL_URL },
    ]) {
      const { ctx, log } = context({ interactive: false, args: { dir: 'proj', ...extra } });
      expect((await askAll(ctx)).dbSetup).toBe(false);
      expect(log.answers.map(([q]) => q)).not.toContain(DB_SETUP);
    }
  });

  it('--db-setup without what it needs is a one-line error naming the fix', async () => {
    const noUrl = context({ interactive: false, args: { dir: 'proj', template: 'worker-postgis', dbSetup: true } });
    expect((await cliError(askAll(noUrl.ctx))).message).toBe('--db-setup needs a database URL: pass --database-url (or set DATABASE_URL).');
    const noInstall = context({
      interactive: false,
      args: { dir: 'proj', template: 'worker-postgis', databaseUrl: LOCAL_URL, install: false, dbSetup: true },
    });
    expect((await cliError(askAll(noInstall.ctx))).message).toBe('--db-setup needs the dependencies: drop --no-install.');
  });
});

describe('the database question', () => {
  it('goes back to the choice when no URL is pasted after "Neon or another Postgres"', async () => {
    const { ctx, prompt } = context({
      args: { dir: 'proj', template: 'worker-raw', orm: 'none', install: false, agents: false, ci: false, git: false },
      answers: [
        ['select', 'url'],
        ['password', ''],
        ['select', 'embedded'],
      ],
    });
    const answers = await askAll(ctx);
    expect(prompt.calls.map((c) => [c.method, c.message])).toEqual([
      ['select', Q.database],
      ['password', URL_QUESTION],
      ['select', Q.database],
    ]);
    expect(prompt.calls[2].opts.initialValue).toBe('url');
    expect(answers.databaseUrl).toBeUndefined();
    const validate = prompt.calls[1].opts.validate;
    if (!validate) throw new Error('the URL prompt must validate');
    expect(validate('')).toBeUndefined();
    expect(validate(NEON_URL)).toBeUndefined();
  });

  it('shows the answered URL with only its password masked, as the flag path prints it', async () => {
    const { ctx, prompt, log } = context({
      args: { dir: 'proj', template: 'worker-raw', orm: 'none', install: false, agents: false, ci: false, git: false, secret: false },
      answers: [
        ['select', 'url'],
        ['password', NEON_URL],
      ],
    });
    await askAll(ctx);
    const shown = (prompt.calls[1].opts as { shown?: (v: string) => string }).shown;
    expect(shown?.(NEON_URL)).toBe(NEON_URL_MASKED);
    const flagged = context({ args: { dir: 'proj', template: 'worker-raw', databaseUrl: NEON_URL, yes: true } });
    await askAll(flagged.ctx);
    expect(flagged.log.answers).toContainEqual([Q.url, NEON_URL_MASKED]);
    expect(log.all).not.toContain(PASSWORD);
  });

  it('offers the embedded database for worker-postgis too (it has PostGIS), by default', async () => {
    const { ctx, log } = context({ args: { dir: 'proj', template: 'worker-postgis', yes: true } });
    expect((await askAll(ctx)).databaseUrl).toBeUndefined();
    expect(log.answers).toContainEqual([Q.url, 'embedded local database (PGlite) for now (default)']);
  });

  it('names .env.local for vercel-edge', async () => {
    const { ctx } = context({ args: { dir: 'proj', template: 'vercel-edge', databaseUrl: NEON_URL, yes: true } });
    const answers = await askAll(ctx);
    expect(answers.template.platform.envFile).toBe('.env.local');
  });
});

describe('a connection string that does not connect', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const LOCAL = 'postgres://app:pw@127.0.0.1:5432/app';

  it('pasted: "Choose another database" goes back to the choice, and the embedded database leaves no problem behind', async () => {
    const { ctx, prompt } = context({
      args: { dir: 'app', template: 'worker-raw', orm: 'none', install: false, agents: false, ci: false, git: false },
      answers: [
        ['select', 'url'],
        ['password', LOCAL],
        ['select', 'back'],
        ['select', 'embedded'],
      ],
      connect: async () => refused,
    });
    const answers = await askAll(ctx);
    expect(prompt.remaining).toBe(0);
    expect(prompt.calls[2].message).toBe('Could not connect: nothing answers at 127.0.0.1:5432 (connection refused). What now?');
    expect(prompt.calls[2].opts.options?.map((o) => o.value)).toEqual(['again', 'keep', 'back']);
    expect(answers.databaseUrl).toBeUndefined();
    expect(answers.databaseProblem).toBeUndefined();
  });

  it('given as a flag: said once, nothing asked, the problem kept for the end, and db:setup not offered', async () => {
    const { ctx, prompt, log } = context({
      args: { dir: 'app', template: 'worker-postgis', orm: 'none', databaseUrl: LOCAL, install: true, agents: false, ci: false, git: false },
      connect: async () => refused,
    });
    const answers = await askAll(ctx);
    expect(prompt.calls).toEqual([]);
    expect(log.lines.filter((l) => l.kind === 'warn').map((l) => l.text)).toEqual([
      'Could not connect: nothing answers at 127.0.0.1:5432 (connection refused). The project is written anyway; the end of the run says what to fix.',
    ]);
    expect(answers.databaseProblem?.fix).toBe('start PostgreSQL there, or fix the host and port of DATABASE_URL in app/.dev.vars');
    expect(answers.dbSetup).toBe(false);
  });

  it('--no-check: never tried', async () => {
    let tried = 0;
    const { ctx } = context({
      args: { dir: 'app', template: 'worker-raw', orm: 'none', databaseUrl: LOCAL, check: false, install: false, agents: false, ci: false, git: false },
      connect: async () => (tried++, refused),
    });
    expect((await askAll(ctx)).databaseProblem).toBeUndefined();
    expect(tried).toBe(0);
  });
});
