// The package as npm would publish it: `npm pack`, then run it with npx from
// the tarball in an empty directory. Catches files missing from "files",
// dependencies that were bundled wrongly, and dotfiles npm would drop.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, REPO_ROOT, run } from './support/cli.ts';

let dir: string;
let tarball: string;
let files: string[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'neon-edge-pack-'));
  const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: REPO_ROOT, env: cleanEnv() });
  expect(packed.code, packed.output).toBe(0);
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(dir, info.filename);
  files = info.files.map((f) => f.path);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm pack', () => {
  it('ships the bundled CLI and the templates, and nothing else', () => {
    expect(files).toContain('dist/create-neon-edge.js');
    expect(files).toContain('dist/templates/worker-raw/_gitignore');
    expect(files).toContain('dist/templates/worker-raw/neon-local/proxy.ts');
    expect(files).toContain('dist/templates/worker-postgis/_gitignore');
    expect(files).toContain('dist/templates/worker-postgis/sql/schema.sql');
    expect(files).toContain('dist/templates/worker-postgis/neon-local/proxy.ts');
    expect(files).toContain('dist/templates/worker-postgis/src/places.ts');
    expect(files).toContain('dist/templates/vercel-edge/_env.example');
    expect(files).toContain('dist/templates/vercel-edge/lib/transaction.ts');
    expect(files).toContain('README.md');
    expect(files.filter((f) => /^(src|test|bench|templates)\//.test(f))).toEqual([]);
    expect(files.filter((f) => /node_modules|package-lock\.json$|\/\.dev\.vars$|\/\.env\.local$|\/\.neon-edge\/|\/\.wrangler\//.test(f))).toEqual([]);
  });

  it('declares no runtime dependencies (everything is bundled)', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies?: object };
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  it('runs with npx from the tarball and writes a complete project', async () => {
    const cwd = path.join(dir, 'work');
    mkdirSync(cwd);
    const result = await run('npm', ['exec', '--yes', '--package', tarball, '--', 'create-neon-edge', 'from-tarball', '-t', 'worker-raw', '--no-install', '--no-git'], {
      cwd,
      env: cleanEnv(),
    });
    expect(result.code, result.output).toBe(0);
    for (const file of ['.gitignore', '.dev.vars.example', 'package.json', 'wrangler.jsonc', 'src/index.ts', 'neon-local/proxy.ts', 'worker-configuration.d.ts']) {
      expect(existsSync(path.join(cwd, 'from-tarball', file)), file).toBe(true);
    }
  }, 120_000);
});
