// The template folders themselves: plain projects, discovered from the folders,
// with the files repeated on purpose kept identical.

import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverTemplates, TEMPLATE_META, TEMPLATES, templatesRoot } from '../../src/scaffold/templates.ts';

const root = templatesRoot();

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules') return [];
    const full = path.join(dir, name);
    const stat = lstatSync(full);
    return stat.isDirectory() ? walk(full) : [full];
  });
}

describe('templates/', () => {
  it('holds no symlinks: each template folder is complete where it stands', () => {
    const links = walk(root).filter((file) => lstatSync(file).isSymbolicLink());
    expect(links).toEqual([]);
  });

  it('every folder is a template with its own template.json, and the scaffolder finds them all', () => {
    const folders = readdirSync(root).filter((name) => lstatSync(path.join(root, name)).isDirectory());
    for (const folder of folders) expect(readdirSync(path.join(root, folder)), folder).toContain(TEMPLATE_META);
    expect(TEMPLATES.map((t) => t.name).sort()).toEqual(folders.sort());
    expect(TEMPLATES[0].name).toBe('worker-raw');
  });

  it('a new folder with a template.json is a new template', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(path.join(tmpdir(), 'templates-'));
    try {
      mkdirSync(path.join(dir, 'b-template'));
      mkdirSync(path.join(dir, 'a-template'));
      mkdirSync(path.join(dir, 'not-a-template'));
      const meta = (order: number, platform: string, requires: string[]) =>
        JSON.stringify({ order, description: 'd', platform, requires, dbSetup: false, scripts: { start: 's', test: 't', deploy: 'd' } });
      writeFileSync(path.join(dir, 'b-template', TEMPLATE_META), meta(1, 'vercel', []));
      writeFileSync(path.join(dir, 'a-template', TEMPLATE_META), meta(2, 'cloudflare', ['postgis']));
      const found = discoverTemplates(dir);
      expect(found.map((t) => t.name)).toEqual(['b-template', 'a-template']);
      expect(found[0].platform.envFile).toBe('.env.local');
      expect(found[1].embeddedDatabase).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Small files that several templates need, kept as copies so each folder
  // stands alone; the first of each group is the one to edit.
  const TOOLKIT = '../packages/neon-on-localhost/src';
  const copies: Record<string, string[]> = {
    // The only lines of neon-on-localhost a project deploys, as its own code.
    [`${TOOLKIT}/driver.ts`]: ['worker-raw/src/local-dev.ts', 'worker-postgis/src/local-dev.ts', 'vercel-edge/lib/local-dev.ts'],
    [`${TOOLKIT}/redact.ts`]: ['worker-raw/src/redact.ts', 'worker-postgis/src/redact.ts', 'worker-hyperdrive/src/redact.ts', 'vercel-edge/lib/redact.ts', 'vercel-node/lib/redact.ts'],
    'worker-raw/src/transaction.ts': ['worker-hyperdrive/src/transaction.ts', 'vercel-edge/lib/transaction.ts', 'vercel-node/lib/transaction.ts'],
    'worker-raw/orm/drizzle/src/transaction.ts': ['worker-hyperdrive/orm/drizzle/src/transaction.ts', 'vercel-edge/orm/drizzle/lib/transaction.ts', 'vercel-node/orm/drizzle/lib/transaction.ts'],
    'worker-raw/orm/drizzle/src/db/schema.ts': ['worker-hyperdrive/orm/drizzle/src/db/schema.ts', 'vercel-edge/orm/drizzle/lib/db/schema.ts', 'vercel-node/orm/drizzle/lib/db/schema.ts'],
    'worker-raw/migrations/0000_notes.sql': ['worker-hyperdrive/migrations/0000_notes.sql', 'vercel-edge/migrations/0000_notes.sql', 'vercel-node/migrations/0000_notes.sql'],
    'worker-raw/_gitignore': ['worker-postgis/_gitignore', 'worker-hyperdrive/_gitignore'],
  };
  it.each(Object.entries(copies).flatMap(([a, bs]) => bs.map((b) => [a, b])))('%s and %s stay identical', (a, b) => {
    expect(readFileSync(path.join(root, b), 'utf8')).toBe(readFileSync(path.join(root, a), 'utf8'));
  });

  it("every template lists its dependencies' required peers itself: yarn 1 installs no peer dependency", () => {
    // Read from this repository's own install of the same packages (vitest requires vite, for one).
    const requiredPeers = (name: string): string[] => {
      const file = path.join(root, '..', 'node_modules', name, 'package.json');
      let pkg: { peerDependencies?: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }> };
      try {
        pkg = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        return [];
      }
      return Object.keys(pkg.peerDependencies ?? {}).filter((peer) => !pkg.peerDependenciesMeta?.[peer]?.optional);
    };
    for (const t of TEMPLATES) {
      const pkg = JSON.parse(readFileSync(path.join(root, t.name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
      const deps = { ...pkg.dependencies, ...pkg.devDependencies };
      const missing = Object.keys(deps).flatMap((dep) => requiredPeers(dep).filter((peer) => !(peer in deps)).map((peer) => `${dep} needs ${peer}`));
      expect(missing, t.name).toEqual([]);
    }
  });
});
