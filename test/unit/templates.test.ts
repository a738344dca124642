// The template folders themselves: plain projects, each with its facts in a
// typed template.ts beside it, found from the folders (by Vite's glob here,
// by the build's esbuild plugin for the CLI); files repeated across templates
// are either kept identical or listed as specific to their template.

import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { registrySource, templateRegistryPlugin } from '../../scripts/template-registry-plugin.ts';
import { helpText } from '../../src/scaffold/options.ts';
import { TEMPLATE_CONFIG_FILE, type TemplateConfig } from '../../src/scaffold/template-config.ts';
import { TEMPLATE_CONFIGS } from '../../src/scaffold/template-registry.ts';
import { resolveTemplates, TEMPLATES, templatesRoot } from '../../src/scaffold/templates.ts';

const root = templatesRoot();
const REPO = path.resolve(root, '..');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules') return [];
    const full = path.join(dir, name);
    const stat = lstatSync(full);
    return stat.isDirectory() ? walk(full) : [full];
  });
}

/** The registry module as the build makes it for `templatesDir`, evaluated. */
async function builtRegistry(templatesDir: string): Promise<{ name: string; config: TemplateConfig }[]> {
  const out = await build({
    entryPoints: [path.join(REPO, 'src/scaffold/template-registry.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
    plugins: [templateRegistryPlugin(templatesDir)],
  });
  const module = (await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`)) as {
    TEMPLATE_CONFIGS: { name: string; config: TemplateConfig }[];
  };
  return module.TEMPLATE_CONFIGS;
}

describe('templates/', () => {
  it('holds no symlinks: each template folder is complete where it stands', () => {
    const links = walk(root).filter((file) => lstatSync(file).isSymbolicLink());
    expect(links).toEqual([]);
  });

  it(`every folder is a template with its own ${TEMPLATE_CONFIG_FILE}, and the scaffolder finds them all`, () => {
    const folders = readdirSync(root).filter((name) => lstatSync(path.join(root, name)).isDirectory());
    for (const folder of folders) expect(readdirSync(path.join(root, folder)), folder).toContain(TEMPLATE_CONFIG_FILE);
    expect(TEMPLATES.map((t) => t.name).sort()).toEqual(folders.sort());
    expect(new Set(TEMPLATE_CONFIGS.map((t) => t.config.order)).size, 'two templates share an order').toBe(TEMPLATE_CONFIGS.length);
  });

  it("offers a recommended start first (the default), and the README's advice, --help and the picker name the same ones", () => {
    const recommended = TEMPLATES.filter((t) => t.recommended);
    expect(recommended.map((t) => t.name)).toEqual(['worker-hyperdrive', 'vercel-node']);
    expect(TEMPLATES[0]).toBe(recommended[0]);
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const advice = readme.slice(readme.indexOf('### Which one should I pick?'));
    expect([...advice.matchAll(/Start with \*\*([\w-]+)\*\*/g)].map((m) => m[1])).toEqual(recommended.map((t) => t.name));
    expect(readme).toMatch(new RegExp(`^\\| \`-t, --template <name>\` \\| .* \\| \`${TEMPLATES[0].name}\` \\|$`, 'm'));
    const help = helpText(TEMPLATES);
    expect(help).toMatch(new RegExp(`^  ${TEMPLATES[0].name}\\s+\\(default; recommended for ${TEMPLATES[0].recommended}\\) `, 'm'));
    for (const t of recommended.slice(1)) expect(help).toMatch(new RegExp(`^  ${t.name}\\s+\\(recommended for ${t.recommended}\\) `, 'm'));
  });

  it('the build bundles the same templates, with the same facts, as the tests see', async () => {
    const built = await builtRegistry(root);
    const byName = (list: readonly { name: string }[]) => [...list].sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(byName(built)).toEqual(byName(TEMPLATE_CONFIGS));
  });

  it(`a new folder with a ${TEMPLATE_CONFIG_FILE} is a new template, offered in its order (the build's registry)`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'templates-'));
    try {
      const config = (order: number, platform: string, embedded: boolean) =>
        `export default { order: ${order}, description: 'd', platform: '${platform}', scripts: { start: 's', test: 't', deploy: 'd' }, database: ${embedded ? '{ embedded: true }' : "{ embedded: false, needs: 'PostGIS' }"}, production: { kind: 'secret' }, ci: { database: { kind: 'embedded' } } };\n`;
      for (const [name, text] of [
        ['b-template', config(1, 'vercel', true)],
        ['a-template', config(2, 'cloudflare', false)],
      ]) {
        mkdirSync(path.join(dir, name));
        writeFileSync(path.join(dir, name, TEMPLATE_CONFIG_FILE), text);
      }
      mkdirSync(path.join(dir, 'not-a-template'));
      expect(registrySource(dir)).not.toContain('not-a-template');
      const found = resolveTemplates(await builtRegistry(dir));
      expect(found.map((t) => t.name)).toEqual(['b-template', 'a-template']);
      expect(found[0].platform.envFile).toBe('.env.local');
      expect(found[1].embeddedDatabase).toBe(false);
      expect(found[1].databaseNeeds).toBe('PostGIS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
      const pkg = JSON.parse(readFileSync(path.join(root, t.name, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const deps = { ...pkg.dependencies, ...pkg.devDependencies };
      const missing = Object.keys(deps).flatMap((dep) =>
        requiredPeers(dep)
          .filter((peer) => !(peer in deps))
          .map((peer) => `${dep} needs ${peer}`),
      );
      expect(missing, t.name).toEqual([]);
    }
  });
});

// Files of the same name in more than one template. Each is either in a group
// kept identical (copies, so each folder stands alone) or listed as specific
// to its template, by file name (every copy) or by path (that copy).
const TOOLKIT = '../packages/neon-on-localhost/src';
const IDENTICAL: readonly (readonly string[])[] = [
  // The only lines of neon-on-localhost a project deploys, as its own code (the toolkit's file first).
  [`${TOOLKIT}/driver.ts`, 'worker-raw/src/local-dev.ts', 'worker-postgis/src/local-dev.ts', 'vercel-edge/lib/local-dev.ts'],
  [
    `${TOOLKIT}/redact.ts`,
    'worker-raw/src/redact.ts',
    'worker-postgis/src/redact.ts',
    'worker-hyperdrive/src/redact.ts',
    'vercel-edge/lib/redact.ts',
    'vercel-node/lib/redact.ts',
  ],
  ['worker-raw/src/transaction.ts', 'vercel-edge/lib/transaction.ts', 'worker-hyperdrive/src/transaction.ts', 'vercel-node/lib/transaction.ts'],
  [
    'worker-raw/orm/drizzle/src/transaction.ts',
    'worker-hyperdrive/orm/drizzle/src/transaction.ts',
    'vercel-edge/orm/drizzle/lib/transaction.ts',
    'vercel-node/orm/drizzle/lib/transaction.ts',
  ],
  [
    'worker-raw/orm/drizzle/src/db/schema.ts',
    'worker-hyperdrive/orm/drizzle/src/db/schema.ts',
    'vercel-edge/orm/drizzle/lib/db/schema.ts',
    'vercel-node/orm/drizzle/lib/db/schema.ts',
  ],
  [
    'worker-raw/migrations/0000_notes.sql',
    'worker-hyperdrive/migrations/0000_notes.sql',
    'vercel-edge/migrations/0000_notes.sql',
    'vercel-node/migrations/0000_notes.sql',
  ],
  ['worker-raw/_gitignore', 'worker-postgis/_gitignore', 'worker-hyperdrive/_gitignore'],
];

const SPECIFIC: Readonly<Record<string, string>> = {
  'package.json': "the template's dependencies and scripts",
  'README.md': 'what the template says about itself',
  'AGENTS.md': 'what the template says about itself',
  'tsconfig.json': "the template's runtime and folders",
  'vitest.config.ts': "the template's test runtime",
  'wrangler.jsonc': "the Worker's bindings",
  '_dev.vars.example': "the template's own DATABASE_URL advice",
  '_env.example': "the template's own DATABASE_URL advice",
  'index.ts': "the template's routes, or its Drizzle client",
  'index.test.ts': "the template's routes",
  'api.test.ts': "the template's routes",
  'own-database.test.ts': "each file's own database, written with the template's driver",
  'now.ts': 'a route per runtime (edge: neon(); Node: the pool)',
  'tx.ts': 'a route per runtime (edge: a Pool per request; Node: the instance pool)',
  'server.ts': 'the local server per runtime (edge-runtime or Node)',
  'database.ts': 'the connection per runtime (edge: per request; Node: the instance pool)',
  'places.ts': "where the caller is, per platform (Cloudflare's request.cf, Vercel's geolocation headers)",
  'nearest.ts': "the nearest-places query; worker-postgis' also returns each place's position for its map",
  'vercel-edge/_gitignore': 'Vercel files (.vercel)',
  'vercel-node/_gitignore': 'Vercel files (.vercel)',
  // The Drizzle variants, written per template (driver and schema follow the template).
  'db.test.ts': "the Drizzle variant's test of its own driver",
  'schema.ts': "the Drizzle variant's schema",
  'drizzle.config.ts': "the Drizzle variant's config",
  '_journal.json': "drizzle-kit's record of the variant's migrations",
  '0000_snapshot.json': "drizzle-kit's snapshot of the variant's schema",
  '0000_notes.sql': "the template's first migration",
};

describe('files repeated across templates', () => {
  const files = walk(root)
    .map((file) => path.relative(root, file))
    .filter((file) => path.basename(file) !== TEMPLATE_CONFIG_FILE);
  const templateOf = (file: string) => file.split(path.sep)[0];

  it.each(IDENTICAL.map((group) => [group.join(', '), group] as const))('%s stay identical', (_, group) => {
    const [first, ...rest] = group.map((file) => readFileSync(path.join(root, file), 'utf8'));
    for (const [i, text] of rest.entries()) expect(text, group[i + 1]).toBe(first);
  });

  it('every one is kept identical or listed as specific to its template', () => {
    const byName = new Map<string, string[]>();
    for (const file of files) byName.set(path.basename(file), [...(byName.get(path.basename(file)) ?? []), file]);
    const kept = new Set(IDENTICAL.flat());
    const unlisted = [...byName.values()]
      .filter((copies) => new Set(copies.map(templateOf)).size > 1)
      .flat()
      .filter((file) => !kept.has(file) && !(path.basename(file) in SPECIFIC) && !(file in SPECIFIC));
    expect(unlisted, 'add each to IDENTICAL (kept the same) or SPECIFIC (allowed to differ)').toEqual([]);
  });

  it('lists only files that exist', () => {
    const names = new Set(files.map((file) => path.basename(file)));
    const stale = [...IDENTICAL.flat(), ...Object.keys(SPECIFIC)].filter((entry) => !files.includes(entry) && !names.has(entry) && !entry.startsWith('../'));
    expect(stale).toEqual([]);
  });
});
