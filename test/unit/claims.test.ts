// Every generated project says only true things about itself: for every
// template × ORM × package manager, scaffolded in process (no install, no
// git), each README.md and AGENTS.md is read, and every script it runs must be
// in that project's package.json, every file it names in backticks must exist
// (or be one the project makes when it runs, which its .gitignore lists; in a
// walkthrough, a section headed "Add …" or "Change …", it may be a new file in
// a folder that exists), every package it names or imports must be a
// dependency, and under pnpm, yarn and bun no npm or npx command may be left.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_MANAGERS, type PackageManager } from '../../src/scaffold/package-manager.ts';
import type { Logger } from '../../src/scaffold/prompter.ts';
import { main } from '../../src/scaffold/run.ts';
import { ORMS, type Orm } from '../../src/scaffold/template-config.ts';
import { TEMPLATES, templatesRoot } from '../../src/scaffold/templates.ts';

const DOCS = ['README.md', 'AGENTS.md'];
// A local URL, so that the env file exists as in a real project (and nothing is asked about a secret).
const DATABASE_URL = 'postgres://app:pw@127.0.0.1:5432/app';

const quiet: Logger = {
  intro() {},
  answered() {},
  step() {},
  info() {},
  warn() {},
  success() {},
  outro() {},
  task: (_title, work) => work(),
};

interface Project {
  dir: string;
  pm: PackageManager;
  scripts: Set<string>;
  dependencies: Set<string>;
  ignored: RegExp[];
}

const cases = TEMPLATES.flatMap((t) =>
  ORMS.filter((orm) => orm === 'none' || t.orms[orm]).flatMap((orm) => PACKAGE_MANAGERS.map((pm) => ({ template: t.name, orm, pm }))),
);
const label = (c: { template: string; orm: Orm; pm: PackageManager }) => `${c.template} --orm ${c.orm} --package-manager ${c.pm}`;

// Every package any template or variant names, with this repository's own: a
// name from this list in backticks is a package, and must be the project's.
const KNOWN_PACKAGES = new Set(
  [
    ...TEMPLATES.flatMap((t) => {
      const pkg = JSON.parse(readFileSync(path.join(templatesRoot(), t.name, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
      return [pkg.dependencies, pkg.devDependencies, ...Object.values(t.orms).flatMap((v) => [v?.dependencies, v?.devDependencies])];
    }),
    (JSON.parse(readFileSync(path.join(templatesRoot(), '..', 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies,
  ].flatMap((deps) => Object.keys(deps ?? {})),
);

/** The package a specifier names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** .gitignore's patterns as tests on a relative path (what the project makes when it runs). */
function ignoredPatterns(dir: string): RegExp[] {
  return readFileSync(path.join(dir, '.gitignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#') && !line.startsWith('!'))
    .map((line) => {
      const glob = line
        .replace(/\/$/, '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*');
      return new RegExp(`(^|/)${glob}(/|$)`);
    });
}

function load(dir: string, pm: PackageManager): Project {
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { scripts?: object; dependencies?: object; devDependencies?: object };
  return {
    dir,
    pm,
    scripts: new Set(Object.keys(pkg.scripts ?? {})),
    dependencies: new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]),
    ignored: ignoredPatterns(dir),
  };
}

/** The scripts a text runs, in this package manager's spelling; `yarn x` and `bun run x` may also run a dependency's binary. */
function scriptsRun(text: string, pm: PackageManager): string[] {
  const patterns: Record<PackageManager, RegExp[]> = {
    npm: [/\bnpm run ([\w:.-]+)/g, /\bnpm (start|test)\b/g],
    pnpm: [/\bpnpm run ([\w:.-]+)/g, /\bpnpm (start|test)\b/g],
    yarn: [/\byarn run ([\w:.-]+)/g, /\byarn (?!run\b|add\b|install\b|create\b|exec\b|dlx\b)([\w:.-]+)/g],
    bun: [/\bbun run ([\w:.-]+)/g],
  };
  return patterns[pm].flatMap((re) => [...text.matchAll(re)].map((m) => m[1]));
}

/** Binaries run through npx / pnpm exec / bunx: each is a dependency's. */
function binariesRun(text: string): string[] {
  return [...text.matchAll(/\b(?:npx|pnpm exec|bunx) ([@\w][\w@./-]*)/g)].map((m) => m[1]);
}

/** What stands in inline backticks, outside fenced code blocks, and whether its section is a walkthrough. */
function inlineCode(text: string): { token: string; walkthrough: boolean }[] {
  const prose = text.replace(/^```[\s\S]*?^```/gm, '');
  return prose.split(/^(?=#{1,6} )/m).flatMap((section) => {
    const walkthrough = /^#{1,6} (Add|Change)\b/.test(section);
    return [...section.matchAll(/`([^`\n]+)`/g)].map((m) => ({ token: m[1].trim(), walkthrough }));
  });
}

/** Import specifiers in the text's code. */
function imports(text: string): string[] {
  return [...text.matchAll(/\b(?:from|import)\s+['"]([^'"]+)['"]/g)].map((m) => m[1]);
}

const PATH_LIKE = /^(?:\.{0,2}\/)?[\w.@-]+(?:\/[\w.@[\]-]+)*\/?$/;
const MEDIA_TYPE = /^(?:text|application|image|audio|video|font|multipart)\/[\w.+-]+$/;
const FILE_EXTENSION = /\.(?:ts|js|mjs|cjs|json|jsonc|sql|md|yaml|yml|toml|csv|example|d\.ts)$/;

/** A token in backticks that names a file or folder of the project. */
function isProjectPath(token: string, project: Project): boolean {
  // `/api/now` is a route, not a file.
  if (!PATH_LIKE.test(token) || token.startsWith('/')) return false;
  // `text/html` is a media type.
  if (MEDIA_TYPE.test(token)) return false;
  if (KNOWN_PACKAGES.has(packageOf(token)) || token.startsWith('@')) return false;
  return token.includes('/') || FILE_EXTENSION.test(token) || existsSync(path.join(project.dir, token));
}

/** What is wrong with one text; empty when every claim holds. */
function problems(text: string, project: Project): string[] {
  const found: string[] = [];
  const bins = new Set(project.dependencies);
  for (const script of scriptsRun(text, project.pm)) {
    const ok = project.scripts.has(script) || ((project.pm === 'yarn' || project.pm === 'bun') && bins.has(script));
    if (!ok) found.push(`runs the script "${script}", which package.json does not have`);
  }
  for (const bin of binariesRun(text)) {
    if (!project.dependencies.has(packageOf(bin))) found.push(`runs ${bin}, which is not a dependency`);
  }
  if (project.pm !== 'npm') {
    for (const m of text.matchAll(/\bnpm (?:run|start|test|install|ci|create|exec|i)\b[^\n`]*|\bnpx [\w@][^\n`]*/g))
      found.push(`leaves an npm command: ${m[0]}`);
  }
  for (const { token, walkthrough } of inlineCode(text)) {
    if (token.startsWith('@') && /^@[\w.-]+\/[\w.-]+/.test(token) && !project.dependencies.has(packageOf(token)))
      found.push(`names the package ${token}, which is not a dependency`);
    else if (KNOWN_PACKAGES.has(packageOf(token)) && !project.dependencies.has(packageOf(token)))
      found.push(`names the package ${token}, which is not a dependency`);
    else if (isProjectPath(token, project)) {
      const rel = token.replace(/^\.\//, '').replace(/\/$/, '');
      const there = existsSync(path.join(project.dir, rel)) || project.ignored.some((re) => re.test(rel));
      const toCreate = walkthrough && existsSync(path.join(project.dir, path.dirname(rel)));
      if (!there && !toCreate) found.push(`names the file ${token}, which the project does not have`);
    }
  }
  for (const specifier of imports(text)) {
    if (specifier.startsWith('.') || specifier.includes(':') || builtinModules.includes(specifier)) continue;
    if (!project.dependencies.has(packageOf(specifier))) found.push(`imports ${specifier}, which is not a dependency`);
  }
  return found;
}

/** Where a template README sends the reader for the toolkit: its README, which the package page shows. */
const TOOLKIT_README = 'https://www.npmjs.com/package/neon-on-localhost';
/** What belongs to the toolkit's README: its ports and its variables. */
const TOOLKIT_SETTINGS = /\b4444\b|\bNEON_LOCALHOST_\w+|--(?:rtt-ms|max-connections|queue-timeout-ms|allowed-host|allowed-origin)\b/g;

/** What a template README says about the toolkit that it should leave to the toolkit's README. */
function toolkitRestated(text: string): string[] {
  const found = [...new Set([...text.matchAll(TOOLKIT_SETTINGS)].map((m) => m[0]))].map((setting) => `restates the toolkit's ${setting}`);
  if (!text.includes(`](${TOOLKIT_README})`)) found.push(`does not link the toolkit's README (${TOOLKIT_README})`);
  return found;
}

let cwd: string;
beforeAll(async () => {
  cwd = mkdtempSync(path.join(tmpdir(), 'claims-'));
  for (const c of cases) {
    const argv = [
      `${c.template}-${c.orm}-${c.pm}`,
      '--template',
      c.template,
      '--orm',
      c.orm,
      '--package-manager',
      c.pm,
      '--database-url',
      DATABASE_URL,
      '--no-install',
      '--no-git',
      '--yes',
    ];
    const code = await main(argv, { cwd, env: {}, interactive: false, log: quiet });
    if (code !== 0) throw new Error(`${label(c)}: exit ${code}`);
  }
}, 60_000);
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('what a generated project says about itself', () => {
  it.each(cases.map((c) => [label(c), c] as const))('%s: README.md and AGENTS.md claim only what is there', (_, c) => {
    const project = load(path.join(cwd, `${c.template}-${c.orm}-${c.pm}`), c.pm);
    const found = DOCS.flatMap((doc) => problems(readFileSync(path.join(project.dir, doc), 'utf8'), project).map((p) => `${doc} ${p}`));
    expect(found, `\n${found.join('\n')}\n`).toEqual([]);
  });
});

describe('what a generated README says about the toolkit: a link to its README, not its settings', () => {
  const npmCases = cases.filter((c) => c.pm === 'npm');
  it.each(npmCases.map((c) => [`${c.template} --orm ${c.orm}`, c] as const))('%s', (_, c) => {
    const readme = readFileSync(path.join(cwd, `${c.template}-${c.orm}-${c.pm}`, 'README.md'), 'utf8');
    expect(toolkitRestated(readme)).toEqual([]);
  });

  it('finds a restated port or variable, and a missing link', () => {
    expect(toolkitRestated('The proxy listens on 127.0.0.1:4444; set NEON_LOCALHOST_RTT_MS=50 or --rtt-ms 50.')).toEqual([
      "restates the toolkit's 4444",
      "restates the toolkit's NEON_LOCALHOST_RTT_MS",
      "restates the toolkit's --rtt-ms",
      `does not link the toolkit's README (${TOOLKIT_README})`,
    ]);
    expect(toolkitRestated(`Its settings are in [its README](${TOOLKIT_README}).`)).toEqual([]);
  });
});

describe('the checks themselves (so the test above can fail)', () => {
  const project: Project = {
    dir: templatesRoot(),
    pm: 'pnpm',
    scripts: new Set(['start', 'test', 'deploy']),
    dependencies: new Set(['wrangler', 'pg']),
    ignored: [/(^|\/)\.wrangler(\/|$)/],
  };

  it('finds a missing script, an npm command left under pnpm, a missing file and a package that is not a dependency', () => {
    const text = [
      'Run `pnpm run publish`, then `npm run deploy`.',
      'Edit `src/missing.ts`; the state lives in `.wrangler/state` (made by wrangler dev); `GET /api/now` answers.',
      'Uses `@neondatabase/serverless` and `drizzle-orm`, and `pg`.',
      '```ts',
      "import { neon } from '@neondatabase/serverless';",
      "import { Client } from 'pg';",
      '```',
    ].join('\n');
    expect(problems(text, project)).toEqual([
      'runs the script "publish", which package.json does not have',
      'leaves an npm command: npm run deploy',
      'names the file src/missing.ts, which the project does not have',
      'names the package @neondatabase/serverless, which is not a dependency',
      'names the package drizzle-orm, which is not a dependency',
      'imports @neondatabase/serverless, which is not a dependency',
    ]);
  });

  it('accepts what is there', () => {
    expect(problems('`pnpm start`, `pnpm exec wrangler deploy`, `pnpm test`; see `worker-raw/package.json`.', project)).toEqual([]);
  });

  it('lets a walkthrough name a new file in a folder that exists, and only there', () => {
    const text = (heading: string) => `## ${heading}\n\nCreate \`worker-raw/src/todos.ts\` and \`worker-raw/nope/todos.ts\`.\n`;
    expect(problems(text('Add a route'), project)).toEqual(['names the file worker-raw/nope/todos.ts, which the project does not have']);
    expect(problems(text('Commands'), project)).toHaveLength(2);
  });

  it('reads `yarn run x` and `yarn x` as scripts under yarn', () => {
    expect(problems('`yarn run publish`, `yarn check`, `yarn wrangler deploy`', { ...project, pm: 'yarn' })).toEqual([
      'runs the script "publish", which package.json does not have',
      'runs the script "check", which package.json does not have',
    ]);
  });
});
