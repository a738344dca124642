// 7. From `npm create` to a project answering its first request: scaffold and
// install (`npm create …`), then the project's dev server from spawn to the
// first 200, and the size of the node_modules it installed. Ours as users get
// it (the published package, from the throwaway registry), beside
// create-cloudflare's hello-world Worker, with the same npm, registry and
// npm cache state.

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanEnv, run } from '../test/support/cli.ts';
import { freePort } from '../test/support/postgres.ts';
import { median } from './stats.ts';

/** Pinned, so that the comparison changes only when we choose. */
export const CREATE_CLOUDFLARE_VERSION = '2.74.0';

export interface Contender {
  name: string;
  /** `npm create …` arguments, run in an empty directory; writes `project`. */
  create: string[];
  project: string;
  /** The npm script that serves the project; `-- --port N --ip 127.0.0.1 --inspector-port M` is appended. */
  script: string[];
  /** Also time a later start, and `wrangler dev` alone on the same project (issue 26's goal: npm start ≤ 1.25× that). */
  againstWrangler?: boolean;
}

export const CONTENDERS: Contender[] = [
  {
    name: 'create-neon-edge `worker-raw`',
    create: ['create', 'neon-edge@latest', 'ours', '--', '--template', 'worker-raw', '--yes', '--no-git'],
    project: 'ours',
    script: ['start'],
    againstWrangler: true,
  },
  {
    name: `create-cloudflare ${CREATE_CLOUDFLARE_VERSION} hello-world (TypeScript)`,
    // Everything its prompts would ask is given: no deploy, so no account is ever reached.
    create: [
      'create',
      `cloudflare@${CREATE_CLOUDFLARE_VERSION}`,
      'theirs',
      '--',
      '--accept-defaults',
      '--type',
      'hello-world',
      '--lang',
      'ts',
      '--no-deploy',
      '--no-git',
      '--no-open',
      '--no-auto-update',
    ],
    project: 'theirs',
    script: ['run', 'dev'],
  },
];

export interface FirstRequest {
  name: string;
  /** `npm create`: scaffold and install. */
  createMs: number;
  /** `npm start` spawned → first 200 on `/`. */
  firstResponseMs: number;
  /** `du -sk node_modules`, in MiB. */
  nodeModulesMiB: number;
  /** With againstWrangler: a second `npm start` → first 200, and `wrangler dev` alone → its first answer (any status). */
  laterResponseMs?: number;
  wranglerAloneMs?: number;
  /** With againstWrangler: the set-up of `npm test`, timed on one trivial test file (see measureTestSetup). */
  testSetup?: TestSetup;
}

export interface TestSetup {
  /** vitest with the project's config, the first run after `npm create`: the embedded database made, migrated, a copy for the file. */
  firstMs: number;
  /** The same, run again. */
  laterMs: number;
  /** vitest with @cloudflare/vitest-plugin alone (no database set-up) on the same file. */
  aloneMs: number;
}

/**
 * `npm_config_yes` is what answering "Ok to proceed? (y)" does; the telemetry
 * switches keep create-cloudflare and wrangler (both sides run wrangler) quiet.
 * In the smoke run under vitest, the run's install cache serves our install
 * (npm's own installs are package-managers.test.ts'); the bench proper runs
 * outside vitest, where there is none.
 */
function envFor(cache: string | undefined): NodeJS.ProcessEnv {
  return cleanEnv({
    npm_config_yes: 'true',
    ...(cache ? { npm_config_cache: cache } : {}),
    CREATE_CLOUDFLARE_TELEMETRY_DISABLED: '1',
    WRANGLER_SEND_METRICS: 'false',
  });
}

async function create(contender: Contender, dir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const created = await run('npm', contender.create, { cwd: dir, env, timeoutMs: 600_000 });
  const elapsed = performance.now() - started;
  if (created.code !== 0) throw new Error(`npm ${contender.create.join(' ')} failed:\n${created.output.slice(-3000)}`);
  return elapsed;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the dev server in its own process group, times the first 200 on `/`
 * (`anyAnswer`: the first answer of any status), then stops the whole group.
 */
export async function firstResponse(
  contender: Pick<Contender, 'name' | 'script'>,
  project: string,
  env: NodeJS.ProcessEnv,
  { anyAnswer = false, npx = false } = {},
): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  // wrangler's inspector tries 9229 before a random port, checked free seconds before it binds: with other
  // files' wranglers starting meanwhile (the gate), it may be taken by then. A port of our own makes that unlikely.
  const listen = ['--port', String(port), '--ip', '127.0.0.1', '--inspector-port', String(await freePort())];
  const server = spawn(npx ? 'npx' : 'npm', npx ? [...contender.script, ...listen] : [...contender.script, '--', ...listen], {
    cwd: project,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout.on('data', (c: Buffer) => (output += c));
  server.stderr.on('data', (c: Buffer) => (output += c));
  const url = `http://127.0.0.1:${port}/`;
  try {
    // Generous: worker-postgis' first start on the embedded database prepares it (a minute or two on two cores).
    const deadline = Date.now() + 300_000;
    for (;;) {
      const status = await fetch(url, { signal: AbortSignal.timeout(5_000) }).then(
        async (r) => (await r.arrayBuffer(), r.status),
        () => 0,
      );
      if (status === 200 || (anyAnswer && status !== 0)) return performance.now() - started;
      if (server.exitCode !== null || Date.now() > deadline) {
        throw new Error(`${contender.name}: npm ${contender.script.join(' ')} gave no 200 on / (last status ${status}):\n${output.slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    // Ctrl-C for the group, as in a terminal; whatever is left after 15 s is killed.
    if (groupAlive(server.pid!)) process.kill(-server.pid!, 'SIGINT');
    const deadline = Date.now() + 15_000;
    while (groupAlive(server.pid!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (groupAlive(server.pid!)) process.kill(-server.pid!, 'SIGKILL');
  }
}

// A test file that asks nothing of the database: what a run of it takes is the set-up.
const PROBE_TEST = "import { expect, it } from 'vitest';\n\nit('runs', () => expect(1 + 1).toBe(2));\n";
const PROBE_PATH = 'test/bench-setup-probe.test.ts';
// The project's test set-up without neon-on-localhost: the Workers pool alone.
const ALONE_CONFIG = `import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.jsonc' } })],
  test: { include: ['${PROBE_PATH}'] },
});
`;

async function timedVitest(project: string, env: NodeJS.ProcessEnv, args: string[]): Promise<number> {
  const started = performance.now();
  const result = await run('npx', ['vitest', 'run', ...args], { cwd: project, env, timeoutMs: 300_000 });
  const elapsed = performance.now() - started;
  if (result.code !== 0) throw new Error(`vitest run ${args.join(' ')} failed in ${project}:\n${result.output.slice(-3000)}`);
  return elapsed;
}

/**
 * Issue 26's goal for `npm test`: its set-up at most 1.25× the Workers pool's
 * own. Both run the same one-assertion file, so the difference is the
 * database: found or made, migrated, and a copy for the file. `project` must
 * be as `npm create` left it, for the first run.
 */
export async function measureTestSetup(project: string, env: NodeJS.ProcessEnv): Promise<TestSetup> {
  writeFileSync(path.join(project, PROBE_PATH), PROBE_TEST);
  writeFileSync(path.join(project, 'vitest.alone.config.ts'), ALONE_CONFIG);
  const firstMs = await timedVitest(project, env, [PROBE_PATH]);
  const laterMs = await timedVitest(project, env, [PROBE_PATH]);
  const aloneMs = await timedVitest(project, env, ['--config', 'vitest.alone.config.ts']);
  return { firstMs, laterMs, aloneMs };
}

function nodeModulesMiB(project: string): number {
  const du = spawnSync('du', ['-sk', path.join(project, 'node_modules')], { encoding: 'utf8' });
  if (du.status !== 0) throw new Error(`du failed: ${du.stderr}`);
  return Number(du.stdout.split(/\s/)[0]) / 1024;
}

export interface FirstRequestOptions {
  /** Measured runs per contender (alternating); the median is reported. */
  runs: number;
  contenders?: Contender[];
  /**
   * Warm: a fresh npm cache, shared by both, filled by one unmeasured
   * `npm create` of each before the measured runs. Otherwise the user's own
   * npm cache, as it is (smoke runs).
   */
  warmCache: boolean;
  log?: (line: string) => void;
}

export async function measureFirstRequest(options: FirstRequestOptions): Promise<FirstRequest[]> {
  const contenders = options.contenders ?? CONTENDERS;
  const root = mkdtempSync(path.join(tmpdir(), 'neon-edge-bench-first-'));
  const cache = options.warmCache ? path.join(root, 'npm-cache') : undefined;
  const env = envFor(cache);
  let n = 0;
  const freshDir = () => {
    const dir = path.join(root, `run-${n++}`);
    mkdirSync(dir);
    return dir;
  };
  try {
    if (options.warmCache) {
      for (const contender of contenders) {
        options.log?.(`first request: warming the npm cache with ${contender.name}`);
        const dir = freshDir();
        await create(contender, dir, env);
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const samples = contenders.map(() => ({
      create: [] as number[],
      first: [] as number[],
      size: [] as number[],
      later: [] as number[],
      alone: [] as number[],
      tests: [] as TestSetup[],
    }));
    for (let i = 0; i < options.runs; i++) {
      for (const [j, contender] of contenders.entries()) {
        options.log?.(`first request: ${contender.name}, run ${i + 1}/${options.runs}`);
        const dir = freshDir();
        const project = path.join(dir, contender.project);
        samples[j].create.push(await create(contender, dir, env));
        // A copy as npm create left it, for the first npm test after it.
        const untouched = `${project}-for-tests`;
        if (contender.againstWrangler) cpSync(project, untouched, { recursive: true, verbatimSymlinks: true });
        samples[j].first.push(await firstResponse(contender, project, env));
        samples[j].size.push(nodeModulesMiB(project));
        if (contender.againstWrangler) {
          samples[j].later.push(await firstResponse(contender, project, env));
          // wrangler dev alone: no database, so the Worker's first answer is its 503; the time is wrangler's.
          samples[j].alone.push(await firstResponse({ name: 'wrangler dev', script: ['wrangler', 'dev'] }, project, env, { anyAnswer: true, npx: true }));
          samples[j].tests.push(await measureTestSetup(untouched, env));
        }
        rmSync(dir, { recursive: true, force: true });
      }
    }
    return contenders.map((contender, j) => ({
      name: contender.name,
      createMs: median(samples[j].create),
      firstResponseMs: median(samples[j].first),
      nodeModulesMiB: median(samples[j].size),
      ...(contender.againstWrangler
        ? {
            laterResponseMs: median(samples[j].later),
            wranglerAloneMs: median(samples[j].alone),
            testSetup: {
              firstMs: median(samples[j].tests.map((t) => t.firstMs)),
              laterMs: median(samples[j].tests.map((t) => t.laterMs)),
              aloneMs: median(samples[j].tests.map((t) => t.aloneMs)),
            },
          }
        : {}),
    }));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
