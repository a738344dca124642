// Both packages as npm publishes them, met the way a user meets them:
// published to a throwaway registry (test/support/registry.ts, started by the
// global setup), then `npm create neon-edge@latest my-app` in an empty
// directory (npm's own install: npm's row of package-managers.test.ts), the
// generated CI workflow's steps (`npm ci`, `npm test`), `npm start`, and the
// bundle `wrangler deploy --dry-run` would upload, built from an install
// without devDependencies.

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, INSTALL_CACHE, REPO_ROOT, run, type Ran } from './support/cli.ts';
import { startDevServer } from './support/dev-server.ts';
import { installWithoutDevDependencies, packageOf, wranglerBundle } from './support/production.ts';
import { freePort } from './support/postgres.ts';
import { expectAllPassed, expectOwnDatabases, expectQuiet } from './support/vitest-output.ts';
import { runWorkflowSteps } from './support/workflow-steps.ts';

let dir: string;
let created: Ran;
const project = () => path.join(dir, 'my-app');

async function packedFiles(pkg: string): Promise<string[]> {
  return run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: path.join(REPO_ROOT, pkg), env: cleanEnv() }).then((packed) => {
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { files: { path: string }[] }[];
    return info.files.map((f) => f.path);
  });
}

function listFiles(root: string, rel = ''): string[] {
  return readdirSync(path.join(root, rel)).flatMap((name) => {
    if (['node_modules', '.git', '.wrangler', '.neon-localhost'].includes(name)) return [];
    const file = path.join(rel, name);
    return statSync(path.join(root, file)).isDirectory() ? listFiles(root, file) : [file];
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'neon-edge-published-'));
  created = await run('npm', ['create', 'neon-edge@latest', 'my-app', '--', '--template', 'worker-raw', '--yes', '--no-git'], {
    cwd: dir,
    // What answering "Ok to proceed? (y)" does in a terminal.
    env: cleanEnv({ npm_config_yes: 'true', [INSTALL_CACHE]: '' }), // npm's own install, as users get it
    timeoutMs: 300_000,
  });
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm pack', () => {
  it('create-neon-edge ships the bundled CLI and the template folders, and nothing else', async () => {
    const files = await packedFiles('.');
    expect(files).toContain('dist/create-neon-edge.cjs');
    expect(files).toContain('dist/pg-connect.cjs'); // required by the CLI only to try a connection string
    for (const file of ['worker-raw/_gitignore', 'worker-raw/AGENTS.md', 'worker-postgis/migrations/0000_places.sql', 'vercel-edge/_env.example']) {
      expect(files).toContain(`dist/templates/${file}`);
    }
    // Each template's facts (template.ts) are bundled into the CLI, not shipped as TypeScript.
    expect(files.filter((f) => f.endsWith('/template.ts') || f.endsWith('/template.json'))).toEqual([]);
    expect(files.filter((f) => /^(src|test|bench|templates|packages)\//.test(f))).toEqual([]);
    expect(files).not.toContain('dist/.build-inputs'); // the build's own record, for npm run create
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'CHANGELOG.md']));
    expect(
      files.filter((f) => /neon-on-localhost|worker-configuration\.d\.ts|node_modules|package-lock\.json$|\/\.dev\.vars$|\/\.env\.local$/.test(f)),
    ).toEqual([]);
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies?: object };
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  it('neon-on-localhost ships compiled JavaScript with types, and no sources or tests', async () => {
    const files = await packedFiles('packages/neon-on-localhost');
    for (const file of ['cli.js', 'index.js', 'index.d.ts', 'driver.js', 'driver.d.ts', 'vitest-setup.js', 'vitest-setup.d.ts']) {
      expect(files).toContain(`dist/${file}`);
    }
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'CHANGELOG.md']));
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });
});

describe('npm create neon-edge@latest my-app (from the registry)', () => {
  it('creates, installs and generates the Workers types', () => {
    expect(created.code, created.output).toBe(0);
    expect(created.output).toContain('Next steps');
    expect(created.output).toMatch(/^│\s+npm test\s+#/m);
    expect(statSync(path.join(project(), 'worker-configuration.d.ts')).size).toBeGreaterThan(1000);
  });

  it("holds the user's code and config only: at most 15 files besides the lockfile, no proxy source", () => {
    const files = listFiles(project()).filter((f) => f !== 'package-lock.json' && f !== 'worker-configuration.d.ts');
    expect(files.length, files.join('\n')).toBeLessThanOrEqual(15);
    const pkg = JSON.parse(readFileSync(path.join(project(), 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(pkg.devDependencies['neon-on-localhost']).toBe('^0.1.0');
    const installed = JSON.parse(readFileSync(path.join(project(), 'node_modules/neon-on-localhost/package.json'), 'utf8')) as { version: string };
    expect(installed.version).toBe('0.1.0');
  });

  it("runs its CI workflow's steps: the frozen install, then its own tests inside workerd, on the embedded database: each file on a database of its own, quietly", async () => {
    const ran = await runWorkflowSteps(project(), cleanEnv());
    expect(ran.map((r) => r.step)).toEqual(['npm ci', 'npm test']);
    const tested = ran[1];
    expect(tested.output).toContain('No DATABASE_URL: testing against an embedded Postgres (PGlite, in memory)');
    expectAllPassed(tested.output);
    expectOwnDatabases(tested.output);
    expectQuiet(tested.output);
  }, 400_000);

  it('npm start answers on every route, and Ctrl-C leaves nothing running', async () => {
    const dev = await startDevServer(project(), '/http');
    try {
      for (const route of ['/', '/http', '/tx']) {
        const res = await fetch(`${dev.base}${route}`);
        expect(res.status, `${route}: ${dev.output()}`).toBe(200);
      }
    } finally {
      expect(await dev.stop()).toBe(true);
    }
  }, 120_000);

  it('tries a connection string given at create time, with pg from its own file in the package', async () => {
    const port = await freePort();
    const tried = await run(
      'npm',
      [
        'create',
        'neon-edge@latest',
        'tried',
        '--',
        '-t',
        'worker-raw',
        '--database-url',
        `postgres://app:pw@127.0.0.1:${port}/app`,
        '--no-install',
        '--no-git',
      ],
      {
        cwd: dir,
        env: cleanEnv({ npm_config_yes: 'true', [INSTALL_CACHE]: '' }), // npm's own install, as users get it
        timeoutMs: 120_000,
      },
    );
    expect(tried.code, tried.output).toBe(0);
    expect(tried.output).toContain(`Could not connect: nothing answers at 127.0.0.1:${port} (connection refused).`);
  }, 150_000);

  it('the deployed bundle holds src/ and the dependencies only, built from an install without devDependencies (npm ci --omit=dev): of the local toolkit, src/local-dev.ts', async () => {
    const production = await installWithoutDevDependencies(project());
    try {
      expect(production.installed.code, production.installed.output).toBe(0);
      for (const tool of ['neon-on-localhost', 'wrangler', 'vitest']) expect(production.packages.has(tool), tool).toBe(false);
      // wrangler is a devDependency: the project's own, from its full install, bundles the copy.
      const { ran, inputs } = await wranglerBundle(production.dir, project());
      expect(ran.code, ran.output).toBe(0);
      const packages = [...new Set(inputs.flatMap((input) => packageOf(input) ?? []))];
      expect(packages).toEqual(['@neondatabase/serverless']);
      expect(inputs.filter((input) => !packageOf(input)).sort()).toEqual(['src/index.ts', 'src/local-dev.ts', 'src/redact.ts', 'src/transaction.ts']);
      const bundle = readFileSync(path.join(production.dir, 'dist', 'index.js'), 'utf8');
      expect(bundle).toContain('configureNeonDriver'); // src/local-dev.ts, a no-op away from localhost
      for (const proxyOnly of ['WebSocketServer', 'pglite', 'sql-over-http', 'authenticateToPostgres', 'startProxy']) {
        expect(bundle, proxyOnly).not.toContain(proxyOnly);
      }
    } finally {
      production.remove();
    }
  }, 300_000);
});
