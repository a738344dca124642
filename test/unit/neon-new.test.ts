// The new-Neon-database choice (--neon-new): the two calls against a real
// HTTP stand-in for neon.new on loopback, the URL pair, the prompt, the env
// file and the next steps. No PostgreSQL here: the stand-in hands out
// Neon-looking URLs.

import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { neonConnectionStrings as connectionStrings, parseEnvFile } from 'neon-on-localhost/database-url';
import type { Answers, ClaimableDatabase, Context } from '../../src/scaffold/context.ts';
import { CliError } from '../../src/scaffold/errors.ts';
import { hyperdriveSteps } from '../../src/scaffold/hyperdrive.ts';
import { createClaimableDatabase, NEON_NEW_CHOICE, NEON_NEW_REFERRER, NeonNewOffer } from '../../src/scaffold/neon-new.ts';
import { type CliArgs, helpText, parseCliArgs } from '../../src/scaffold/options.ts';
import type { Choice, Logger, Prompter } from '../../src/scaffold/prompter.ts';
import { askAll, askDatabaseUrl } from '../../src/scaffold/questions.ts';
import { nextSteps } from '../../src/scaffold/next-steps.ts';
import type { Template } from '../../src/scaffold/template-config.ts';
import { TEMPLATES, templatesRoot } from '../../src/scaffold/templates.ts';
import { writeProject } from '../../src/scaffold/write-project.ts';
import { freePort } from '../support/postgres.ts';
import { HUGE_BYTES, type NeonNewStandin, startNeonNewStandin } from '../support/neon-new-standin.ts';

const PASSWORD = 'npg_Sup3rS3cret';
const POOLED = `postgresql://neondb_owner:${PASSWORD}@ep-quiet-moon-a1b2c3d4-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require`;
const DIRECT = `postgresql://neondb_owner:${PASSWORD}@ep-quiet-moon-a1b2c3d4.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require`;
const template = (name: string) => TEMPLATES.find((t) => t.name === name) as Template;
/** A template that cannot run on the embedded database (none of today's: each has it, PostGIS included). */
const noEmbedded = (): Template => ({ ...template('worker-postgis'), embeddedDatabase: false });

describe('connectionStrings: the pooled and direct URLs from the one Neon returns', () => {
  it('derives the direct URL from a -pooler host', () => {
    expect(connectionStrings(POOLED)).toEqual({ pooled: POOLED, direct: DIRECT });
  });

  it('derives the -pooler URL from a direct host', () => {
    expect(connectionStrings(DIRECT)).toEqual({ pooled: POOLED, direct: DIRECT });
  });

  it('keeps a password with dots, @-escapes and "pooler" in it intact', () => {
    const password = 'a.b%40c-pooler.d';
    const direct = `postgresql://u:${password}@ep-x-1.eu-central-1.aws.neon.tech:5432/db`;
    const { pooled } = connectionStrings(direct);
    expect(pooled).toBe(`postgresql://u:${password}@ep-x-1-pooler.eu-central-1.aws.neon.tech:5432/db`);
    expect(connectionStrings(pooled).direct).toBe(direct);
  });

  it('leaves a host that is not a Neon endpoint alone: both are the URL as given', () => {
    for (const url of ['postgresql://u:p@127.0.0.1:5432/db', 'postgres://u:p@localhost/db', 'postgres://u:p@db.example.com/db']) {
      expect(connectionStrings(url)).toEqual({ pooled: url, direct: url });
    }
  });
});

let standin: NeonNewStandin;
let handOut = POOLED;

beforeAll(async () => {
  standin = await startNeonNewStandin(async () => handOut);
});
afterAll(() => standin.close());
beforeEach(() => {
  standin.fault = undefined;
  standin.calls.length = 0;
  handOut = POOLED;
});

describe('createClaimableDatabase: the two calls', () => {
  it("POSTs with the referrer and neon-new's body, then GETs the connection string", async () => {
    const id = '0b9f2a9e-8f4c-4d1e-9a53-1d2c3b4a5f60';
    const db = await createClaimableDatabase(standin.base, { id });
    expect(standin.calls).toEqual([
      {
        method: 'POST',
        path: `/api/v1/database/${id}`,
        query: { referrer: NEON_NEW_REFERRER },
        body: '{"enable_logical_replication":false}',
      },
      { method: 'GET', path: `/api/v1/database/${id}`, query: {}, body: '' },
    ]);
    expect(db.pooledUrl).toBe(POOLED);
    expect(db.directUrl).toBe(DIRECT);
    expect(db.claimUrl).toBe(`${standin.base}/database/${id}`);
    const hours = (db.expiresAt.getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(71.9);
    expect(hours).toBeLessThanOrEqual(72);
  });

  it('a direct connection string still gives the pooled URL for DATABASE_URL', async () => {
    handOut = DIRECT;
    const db = await createClaimableDatabase(standin.base);
    expect([db.pooledUrl, db.directUrl]).toEqual([POOLED, DIRECT]);
  });

  const failures: [NeonNewStandin['fault'], RegExp][] = [
    ['post-500', /^creating the database was answered 500/],
    ['get-500', /^reading its connection string was answered 500/],
    ['malformed-json', /^reading its connection string got an answer that is not JSON$/],
    ['no-connection-string', /^reading its connection string got no usable connection_string$/],
    ['post-hang', /^creating the database got no answer within 0.3 s$/],
    ['get-hang', /^reading its connection string got no answer within 0.3 s$/],
    ['get-drip', /^reading its connection string got no answer within 0.3 s$/],
    ['get-huge', /^reading its connection string got an answer larger than 64 KB$/],
    ['get-huge-declared', /^reading its connection string got an answer larger than 64 KB$/],
  ];
  for (const [fault, message] of failures) {
    it(`${fault}: says which call failed, bounded in time, without the password`, async () => {
      standin.fault = fault;
      const started = Date.now();
      const err = (await createClaimableDatabase(standin.base, { timeoutS: 0.3 }).catch((e: unknown) => e)) as Error;
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain(PASSWORD);
    });
  }

  it('reads no more of a huge answer than the limit (it does not wait for the rest)', async () => {
    standin.fault = 'get-huge';
    const err = (await createClaimableDatabase(standin.base, { timeoutS: 10 }).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('reading its connection string got an answer larger than 64 KB');
    // What the stand-in wrote before the client stopped reading: the limit plus what sockets buffer, not the 64 MB on offer.
    expect(standin.hugeBytesSent).toBeLessThan(HUGE_BYTES / 4);
  });

  it('escapes terminal control characters in the reason phrase (the window title, colours)', async () => {
    standin.fault = 'post-500-escapes';
    const err = (await createClaimableDatabase(standin.base, { timeoutS: 2 }).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('creating the database was answered 500 \\u001b]0;pwned\\u0007\\u001b[31mRed\\u009b0m');
    // eslint-disable-next-line no-control-regex -- none may be left
    expect(err.message).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });

  it('an address where nothing listens is a failure to reach the service', async () => {
    const err = (await createClaimableDatabase(`http://127.0.0.1:${await freePort()}`).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('creating the database could not reach the service (ECONNREFUSED)');
  });
});

// --- the question ---

type Scripted = [keyof Prompter, string | boolean];

class Scripts implements Prompter {
  readonly selects: { message: string; options: Choice[]; initialValue?: string }[] = [];
  private readonly queue: Scripted[];
  constructor(queue: Scripted[]) {
    this.queue = queue;
  }
  private next(method: keyof Prompter, message: string): string | boolean {
    const entry = this.queue.shift();
    if (!entry || entry[0] !== method) throw new Error(`unexpected ${method} prompt: ${message}`);
    return entry[1];
  }
  async text(o: { message: string }) {
    return this.next('text', o.message) as string;
  }
  async password(o: { message: string }) {
    return this.next('password', o.message) as string;
  }
  async select(o: { message: string; options: Choice[]; initialValue?: string }) {
    this.selects.push(o);
    return this.next('select', o.message) as string;
  }
  async confirm(o: { message: string }) {
    return this.next('confirm', o.message) as boolean;
  }
}

class Lines implements Logger {
  readonly lines: string[] = [];
  intro = (t: string) => void this.lines.push(t);
  answered = (q: string, a: string) => void this.lines.push(`${q}\n${a}`);
  step = (m: string) => void this.lines.push(m);
  info = (m: string) => void this.lines.push(m);
  warn = (m: string) => void this.lines.push(`WARN ${m}`);
  success = (m: string) => void this.lines.push(m);
  outro = (m: string) => void this.lines.push(m);
  async task<T>(title: string, work: () => Promise<T>): Promise<T> {
    this.lines.push(title);
    return work();
  }
  get all(): string {
    return this.lines.join('\n');
  }
}

let cwd: string;
beforeEach(() => {
  cwd = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'neon-new-')));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

function context(args: Partial<CliArgs>, opts: { interactive?: boolean; answers?: Scripted[]; base?: string } = {}) {
  const prompt = new Scripts(opts.answers ?? []);
  const log = new Lines();
  const ctx: Context = {
    args: { yes: false, force: false, help: false, version: false, ...args },
    cwd,
    env: { NEON_NEW_BASE_URL: opts.base ?? standin.base, CREATE_NEON_EDGE_NEON_NEW_TIMEOUT: '0.5' },
    interactive: opts.interactive ?? false,
    prompt,
    log,
    connect: async () => undefined,
  };
  return { ctx, prompt, log };
}

describe('--neon-new', () => {
  it('is a flag, in --help', () => {
    expect(parseCliArgs(['--neon-new']).neonNew).toBe(true);
    expect(helpText(TEMPLATES)).toMatch(/--neon-new\s+Create a new Neon database, free and with no sign-up \(claim it within 72 hours/);
  });

  it('creates the database before anything is written and answers with the pooled URL, masked', async () => {
    const { ctx, log } = context({ dir: 'places', template: 'worker-postgis', neonNew: true, install: false, git: false });
    const answers = await askAll(ctx);
    expect(answers.databaseUrl).toBe(POOLED);
    expect(answers.neonNew).toMatchObject({ pooledUrl: POOLED, directUrl: DIRECT });
    expect(log.all).toContain('postgresql://neondb_owner:****@ep-quiet-moon-a1b2c3d4-pooler.us-east-2.aws.neon.tech/neondb');
    expect(log.all).not.toContain(PASSWORD);
    expect(standin.calls.map((c) => c.method)).toEqual(['POST', 'GET']);
  });

  it('--secret stores the pooled URL (the one DATABASE_URL holds)', async () => {
    const { ctx } = context({ dir: 'app', template: 'worker-raw', neonNew: true, secret: true, install: false, git: false });
    const answers = await askAll(ctx);
    expect(answers).toMatchObject({ secret: true, databaseUrl: POOLED });
  });

  it('with --database-url is refused before any call', async () => {
    const { ctx } = context({ neonNew: true, databaseUrl: POOLED });
    const err = (await askDatabaseUrl(ctx, template('worker-raw')).catch((e: unknown) => e)) as CliError;
    expect(err).toBeInstanceOf(CliError);
    expect(err.message).toBe('--neon-new and --database-url both choose the database: keep one.');
    expect(standin.calls).toEqual([]);
  });

  it('wins over DATABASE_URL from the environment (a default, not a choice)', async () => {
    const { ctx } = context({ neonNew: true });
    ctx.env.DATABASE_URL = 'postgres://u:p@127.0.0.1/db';
    expect(await askDatabaseUrl(ctx, template('worker-raw'))).toBe(POOLED);
  });

  it('a failure is one line naming the call and the other ways, for each kind of template', async () => {
    standin.fault = 'post-500';
    const raw = (await askDatabaseUrl(context({ neonNew: true }).ctx, template('worker-raw')).catch((e: unknown) => e)) as CliError;
    expect(raw).toBeInstanceOf(CliError);
    expect(raw.message).toBe(
      `Could not create a Neon database at ${new URL(standin.base).host}: creating the database was answered 500 Internal Server Error. Drop --neon-new for the embedded database, or pass --database-url <url>.`,
    );
    standin.fault = 'get-hang';
    const postgis = (await askDatabaseUrl(context({ neonNew: true }).ctx, noEmbedded()).catch((e: unknown) => e)) as CliError;
    expect(postgis.message).toMatch(/: reading its connection string got no answer within 0.5 s\. Pass --database-url <url> instead of --neon-new\.$/);
  });
});

describe('the prompt', () => {
  it('offers a new Neon database when neon.new answers (first choice for a template with no embedded database)', async () => {
    const { ctx, prompt } = context({}, { interactive: true, answers: [['select', 'neon-new']] });
    expect(await askDatabaseUrl(ctx, noEmbedded())).toBe(POOLED);
    expect(prompt.selects[0].options.map((o) => o.label)).toEqual([NEON_NEW_CHOICE, 'Neon or another Postgres']);
    expect(prompt.selects[0].initialValue).toBe('neon-new');
  });

  it('after the embedded database for worker-raw', async () => {
    const { ctx, prompt } = context({}, { interactive: true, answers: [['select', 'embedded']] });
    expect(await askDatabaseUrl(ctx, template('worker-raw'))).toBeUndefined();
    expect(prompt.selects[0].options.map((o) => o.value)).toEqual(['embedded', 'neon-new', 'url']);
    expect(prompt.selects[0].initialValue).toBe('embedded');
    expect(standin.calls).toEqual([]);
  });

  it('does not offer it when the service does not answer, and asks as before', async () => {
    const raw = context({}, { interactive: true, base: 'http://127.0.0.1:1', answers: [['select', 'embedded']] });
    await askDatabaseUrl(raw.ctx, template('worker-raw'));
    expect(raw.prompt.selects[0].options.map((o) => o.value)).toEqual(['embedded', 'url']);
    const postgis = context({}, { interactive: true, base: 'http://127.0.0.1:1', answers: [['password', '']] });
    expect(await askDatabaseUrl(postgis.ctx, noEmbedded())).toBeUndefined();
    expect(postgis.prompt.selects).toEqual([]);
  });

  it('on a failure says what failed in one line and asks again without it', async () => {
    standin.fault = 'malformed-json';
    const { ctx, prompt, log } = context(
      {},
      {
        interactive: true,
        answers: [
          ['select', 'neon-new'],
          ['select', 'embedded'],
        ],
      },
    );
    expect(await askDatabaseUrl(ctx, template('worker-raw'))).toBeUndefined();
    expect(log.lines.filter((l) => l.startsWith('WARN'))).toEqual([
      `WARN Could not create a Neon database at ${new URL(standin.base).host}: reading its connection string got an answer that is not JSON. Choose the embedded database or paste a connection string.`,
    ]);
    expect(prompt.selects[1].options.map((o) => o.value)).toEqual(['embedded', 'url']);
  });
});

// --- what is written and printed ---

const CLAIMED: ClaimableDatabase = {
  pooledUrl: POOLED,
  directUrl: DIRECT,
  claimUrl: 'https://neon.new/database/0b9f2a9e-8f4c-4d1e-9a53-1d2c3b4a5f60',
  expiresAt: new Date('2026-11-26T16:33:25.198Z'),
};

function answers(targetDir: string, name: string): Answers {
  return {
    targetDir,
    displayDir: 'places',
    projectName: 'places',
    template: template(name),
    databaseUrl: POOLED,
    neonNew: CLAIMED,
    install: true,
    packageManager: 'npm',
    dbSetup: false,
    agents: false,
    ci: false,
    git: false,
    secret: false,
  };
}

describe('the env file and the next steps', () => {
  it('.dev.vars (0600): DATABASE_URL pooled, DATABASE_URL_UNPOOLED direct, the claim URL and expiry as a comment', async () => {
    const target = path.join(cwd, 'places');
    mkdirSync(target);
    writeProject(templatesRoot(), answers(target, 'worker-postgis'));
    const file = path.join(target, '.dev.vars');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(parseEnvFile(text)).toEqual({ DATABASE_URL: POOLED, DATABASE_URL_UNPOOLED: DIRECT });
    expect(text).toContain(`# A Neon claimable database: claim it at ${CLAIMED.claimUrl} before 2026-11-26 16:33 UTC, or it is deleted.\n`);
  });

  it('.env.local for Vercel templates', async () => {
    const target = path.join(cwd, 'edge');
    mkdirSync(target);
    writeProject(templatesRoot(), answers(target, 'vercel-edge'));
    expect(parseEnvFile(readFileSync(path.join(target, '.env.local'), 'utf8'))).toEqual({ DATABASE_URL: POOLED, DATABASE_URL_UNPOOLED: DIRECT });
  });

  it('next steps give the expiry, never the password; the claim URL is left to the outro', () => {
    const steps = nextSteps(answers(cwd, 'worker-postgis'), { secretStored: false, dataLoaded: true });
    expect(steps).toContain('# the Neon database is deleted at 2026-11-26 16:33 UTC unless you claim it (link below)');
    expect(steps).not.toContain(CLAIMED.claimUrl);
    expect(steps).not.toContain(PASSWORD);
  });

  it('worker-hyperdrive: the Hyperdrive origin is the direct URL, read from .dev.vars, never printed', () => {
    const steps = hyperdriveSteps(answers(cwd, 'worker-hyperdrive'), '.dev.vars', 'HYPERDRIVE');
    expect(steps).toEqual([
      "# Hyperdrive, once before the first deploy, with the Neon database's direct URL (DATABASE_URL_UNPOOLED in .dev.vars)",
      `DATABASE_URL_UNPOOLED="$(sed -n 's/^DATABASE_URL_UNPOOLED=//p' .dev.vars)"`,
      'npx wrangler hyperdrive create places --connection-string="$DATABASE_URL_UNPOOLED" --binding HYPERDRIVE   # writes the id into wrangler.jsonc',
    ]);
  });
});

describe('NeonNewOffer', () => {
  it('checks reachability once per run', async () => {
    const offer = new NeonNewOffer(context({}).ctx);
    expect(await offer.available()).toBe(true);
    expect(await offer.available()).toBe(true);
    expect(offer.created).toBeUndefined();
  });
});
