// What a platform deploys from a generated project, built from an install
// without devDependencies: the deployed code may import only `dependencies`.
// The platforms' own build tools are devDependencies themselves (wrangler,
// the Vercel CLI), so they run from the project's full install, pointed at a
// copy of the project whose node_modules holds the dependencies alone.

import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { cleanEnv, run, type Ran } from './cli.ts';
import { freePort } from './postgres.ts';

/** Not carried into the copy: installs, build output, local databases, secrets files. */
const LEFT_BEHIND = /^(node_modules|\.wrangler|\.vercel|\.neon-localhost|dist|\.dev\.vars.*|\.env(?!\.example).*)$/;

export interface ProductionInstall {
  /** The copy of the project, with only its dependencies installed. */
  dir: string;
  installed: Ran;
  /** The packages in its node_modules (nested ones too), by name. */
  packages: Set<string>;
  remove(): void;
}

/** The packages under a node_modules folder, nested ones too, by name. */
export function packagesIn(modules: string, found = new Set<string>()): Set<string> {
  if (!existsSync(modules)) return found;
  for (const entry of readdirSync(modules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const names = entry.name.startsWith('@') ? readdirSync(path.join(modules, entry.name)).map((n) => `${entry.name}/${n}`) : [entry.name];
    for (const name of names) {
      found.add(name);
      packagesIn(path.join(modules, name, 'node_modules'), found);
    }
  }
  return found;
}

/**
 * Copies the project and installs its dependencies alone: `npm ci --omit=dev`.
 * Pass `npm install --omit=dev` for a project whose lockfile `npm ci` refuses
 * here: the registry mirror these tests use lacks the Vercel CLI's native
 * packages for other platforms, so the lockfile npm writes omits them.
 */
export async function installWithoutDevDependencies(project: string, command: readonly string[] = ['ci', '--omit=dev']): Promise<ProductionInstall> {
  const parent = mkdtempSync(path.join(tmpdir(), 'neon-edge-production-'));
  const dir = path.join(parent, path.basename(project));
  cpSync(project, dir, { recursive: true, filter: (source) => !LEFT_BEHIND.test(path.basename(source)) || source === project });
  const installed = await run('npm', [...command, '--no-audit', '--no-fund'], { cwd: dir, timeoutMs: 240_000 });
  return { dir, installed, packages: packagesIn(path.join(dir, 'node_modules')), remove: () => rmSync(parent, { recursive: true, force: true }) };
}

/** The project's own package names: its dependencies, and its devDependencies. */
export function declared(project: string): { dependencies: string[]; devDependencies: string[] } {
  const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')) as { dependencies?: object; devDependencies?: object };
  return { dependencies: Object.keys(pkg.dependencies ?? {}), devDependencies: Object.keys(pkg.devDependencies ?? {}) };
}

/** The package a path inside node_modules belongs to (`…/node_modules/@scope/name/…` → `@scope/name`). */
export function packageOf(file: string): string | undefined {
  const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)(?:\/(?!.*\/node_modules\/).*)?$/.exec(file.replace(/\\/g, '/'));
  return m?.[1];
}

/**
 * `wrangler deploy --dry-run`: the bundle a deploy would upload, built from
 * `dir` with the wrangler of `fullInstall`; returns what esbuild put in it
 * (paths relative to `dir`).
 */
export async function wranglerBundle(dir: string, fullInstall: string): Promise<{ ran: Ran; inputs: string[] }> {
  const out = path.join(dir, 'dist');
  const ran = await run(
    path.join(fullInstall, 'node_modules/.bin/wrangler'),
    ['deploy', '--dry-run', '--outdir', out, '--metafile', path.join(out, 'meta.json')],
    {
      cwd: dir,
      env: cleanEnv({ WRANGLER_SEND_METRICS: 'false' }),
      timeoutMs: 120_000,
    },
  );
  const meta = path.join(out, 'meta.json');
  const inputs = existsSync(meta) ? Object.keys((JSON.parse(readFileSync(meta, 'utf8')) as { inputs: object }).inputs) : [];
  return { ran, inputs };
}

/**
 * `vercel build`, Vercel's own build of the functions into
 * `.vercel/output/functions/`, run by the Vercel CLI of `fullInstall` on
 * `dir` as it is installed (VERCEL_INSTALL_COMPLETED: no install of its own).
 * Offline and with no account: the project settings are written by hand.
 */
export async function vercelBuild(dir: string, fullInstall: string): Promise<Ran> {
  mkdirSync(path.join(dir, '.vercel'), { recursive: true });
  writeFileSync(path.join(dir, '.vercel/project.json'), JSON.stringify({ projectId: 'prj_local', orgId: 'team_local', settings: { framework: null } }));
  return run(path.join(fullInstall, 'node_modules/.bin/vercel'), ['build', '--yes'], {
    cwd: dir,
    env: cleanEnv({ VERCEL_INSTALL_COMPLETED: '1', VERCEL_TELEMETRY_DISABLED: '1' }),
    timeoutMs: 180_000,
  });
}

export interface ServedFunction {
  readonly base: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Serves one built function (a `.func` folder of `vercel build`'s output) the
 * way `vercel dev` runs a Node.js function: @vercel/node's own launcher, from
 * a copy of the folder outside the project, so the function has only what
 * Vercel would upload (no node_modules to fall back on).
 */
export async function serveVercelFunction(funcDir: string, fullInstall: string, env: NodeJS.ProcessEnv): Promise<ServedFunction> {
  const { handler } = JSON.parse(readFileSync(path.join(funcDir, '.vc-config.json'), 'utf8')) as { handler: string };
  const parent = mkdtempSync(path.join(tmpdir(), 'neon-edge-func-'));
  const dir = path.join(parent, path.basename(funcDir));
  cpSync(funcDir, dir, { recursive: true });
  const port = await freePort();
  const launcher: ChildProcess = spawn(process.execPath, [path.join(fullInstall, 'node_modules/@vercel/node/dist/dev-server.mjs')], {
    cwd: dir,
    env: cleanEnv({ ...env, VERCEL_DEV_ENTRYPOINT: handler, VERCEL_DEV_PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  launcher.stdout!.on('data', (c: Buffer) => (output += c));
  launcher.stderr!.on('data', (c: Buffer) => (output += c));
  const exited = new Promise<void>((resolve) => launcher.once('exit', () => resolve()));
  const stop = async () => {
    if (launcher.exitCode === null) launcher.kill('SIGTERM');
    await exited;
    rmSync(parent, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (!output.includes('Dev server listening')) {
    if (Date.now() > deadline || launcher.exitCode !== null) {
      await stop();
      throw new Error(`Vercel's launcher did not start ${handler}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base: `http://127.0.0.1:${port}`, output: () => output, stop };
}

/**
 * vercel-node as Vercel runs it, from an install without devDependencies:
 * `vercel build` compiles and traces each function, and each built function,
 * served by Vercel's launcher with nothing else around it, answers from the
 * database (and with a 503 naming no secret when the database is down). What
 * it ships is dependencies only.
 */
export async function expectVercelFunctionsRunInProduction(
  project: string,
  databaseUrl: string,
  routes: Record<string, (body: Record<string, unknown>) => void>,
): Promise<void> {
  const prod = await installWithoutDevDependencies(project, ['install', '--omit=dev']);
  try {
    expect(prod.installed.code, prod.installed.output).toBe(0);
    expect(prod.packages.has('neon-on-localhost')).toBe(false);
    const built = await vercelBuild(prod.dir, project);
    expect(built.code, built.output).toBe(0);
    // The build type-checks each function and reports (as warnings) a module it cannot find,
    // which the function would not find either; missing type declarations (devDependencies) are no matter.
    expect(built.output).not.toMatch(/error TS2307/);
    const functions = path.join(prod.dir, '.vercel/output/functions/api');
    expect(readdirSync(functions).sort()).toEqual(
      Object.keys(routes)
        .map((name) => `${name}.func`)
        .sort(),
    );
    const password = decodeURIComponent(new URL(databaseUrl).password);
    const down = new URL(databaseUrl);
    down.port = '1';
    for (const [name, check] of Object.entries(routes)) {
      const funcDir = path.join(functions, `${name}.func`);
      const shipped = [...packagesIn(path.join(funcDir, 'node_modules'))];
      expect(
        shipped.filter((p) => !prod.packages.has(p)),
        `${name}: shipped packages that are not dependencies`,
      ).toEqual([]);
      for (const [url, status] of [
        [databaseUrl, 200],
        [down.toString(), 503],
      ] as const) {
        const fn = await serveVercelFunction(funcDir, project, { DATABASE_URL: url });
        try {
          const response = await fetch(`${fn.base}/api/${name}`);
          const text = await response.text();
          expect(response.status, `${name}: ${text}\n${fn.output()}`).toBe(status);
          if (status === 200) check(JSON.parse(text) as Record<string, unknown>);
          else expect(JSON.parse(text)).toEqual({ error: 'database unavailable' });
          if (password) expect(text + fn.output()).not.toContain(password);
        } finally {
          await fn.stop();
        }
      }
    }
  } finally {
    prod.remove();
  }
}
