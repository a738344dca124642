// This repository's own docs say only what is there: README.md stays a
// user's page of one screen's reach, and in README.md, docs/*.md, the
// changelogs and the toolkit's README every relative link leads to a file of
// the repository, every `npm run x` is a script that exists, and every
// repository path in backticks exists. README.md lists every option and
// every template.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../../src/scaffold/options.ts';
import { TEMPLATES, templatesRoot } from '../../src/scaffold/templates.ts';

const REPO = path.resolve(templatesRoot(), '..');
const TOOLKIT = 'packages/neon-on-localhost';
const README_MAX_LINES = 200;

const DOCS = [
  'README.md',
  'CHANGELOG.md',
  `${TOOLKIT}/CHANGELOG.md`,
  `${TOOLKIT}/README.md`,
  ...readdirSync(path.join(REPO, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

const read = (file: string) => readFileSync(path.join(REPO, file), 'utf8');
const scriptsOf = (file: string) => Object.keys((JSON.parse(read(file)) as { scripts?: Record<string, string> }).scripts ?? {});

/** Text outside fenced code blocks. */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '');

/** The targets of Markdown links and images that are not URLs or in-page anchors, without their #fragment. */
function relativeLinks(text: string): string[] {
  return [...prose(text).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1])
    .filter((target) => !/^[a-z][a-z+.-]*:/i.test(target) && !target.startsWith('#'))
    .map((target) => decodeURIComponent(target.split('#')[0]));
}

/** Where a relative link from `file` leads, or why it leads nowhere. */
function brokenLink(file: string, target: string): string | undefined {
  const resolved = path.resolve(REPO, path.dirname(file), target);
  if (path.relative(REPO, resolved).startsWith('..')) return `${target} leaves the repository`;
  if (!existsSync(resolved)) return `${target} does not exist`;
  return undefined;
}

// Scripts a doc may name: this repository's, and a generated project's
// (any template's, or an ORM variant's), since docs/ describes both.
const KNOWN_SCRIPTS = new Set([
  ...scriptsOf('package.json'),
  ...TEMPLATES.flatMap((t) => [...scriptsOf(`templates/${t.name}/package.json`), ...Object.values(t.orms).flatMap((v) => Object.keys(v?.scripts ?? {}))]),
]);

/** `npm run x` and `pnpm run x` in a text: the names of the scripts it runs. */
function scriptsNamed(text: string): string[] {
  return [...text.matchAll(/\b(?:npm|pnpm) run ([\w:.-]+)/g)].map((m) => m[1]);
}

// Where a path in backticks may live: this repository, the toolkit, or a
// generated project (a template folder or its ORM variant), or what a run makes.
const PATH_ROOTS = [
  '',
  `${TOOLKIT}/`,
  ...TEMPLATES.flatMap((t) => [`templates/${t.name}/`, ...Object.values(t.orms).map((v) => `templates/${t.name}/${v?.files}/`)]),
];
// `neon-on-localhost/driver`, `drizzle-orm/neon-http`: a package's entry, not a path.
const PACKAGES = new Set([
  'neon-on-localhost',
  ...['package.json', ...TEMPLATES.map((t) => `templates/${t.name}/package.json`)].flatMap((file) => {
    const pkg = JSON.parse(read(file)) as { dependencies?: object; devDependencies?: object };
    return [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
  }),
]);
const MADE_AT_RUN_TIME = [
  /^\.neon-localhost\//,
  /^test-artifacts\//,
  /^\.github\/workflows\/ci\.yml$/,
  /^dist\//,
  /^node_modules\//,
  /^worker-configuration\.d\.ts$/,
];
const REPOSITORY_PATH = /^\.?[\w-]+(?:\/[\w.-]+)+\/?$/;

/** A path in backticks (`src/scaffold/run.ts`, `test/`) that none of the places above holds. */
function missingPaths(text: string, exists: (relative: string) => boolean = (p) => existsSync(path.join(REPO, p))): string[] {
  const tokens = [...prose(text).matchAll(/`([^`\n]+)`/g)].map((m) => m[1].trim());
  return (
    tokens
      .filter((token) => REPOSITORY_PATH.test(token) && !token.startsWith('@') && !/^(?:text|application)\//.test(token))
      .filter((token) => !PACKAGES.has(token.split('/')[0]) && !MADE_AT_RUN_TIME.some((re) => re.test(token)))
      // A Vercel function is named by its route, `api/now` for `api/now.ts`.
      .filter((token) => !PATH_ROOTS.some((root) => exists(`${root}${token}`) || exists(`${root}${token}.ts`)))
  );
}

describe('README.md', () => {
  it(`is a user's page: at most ${README_MAX_LINES} lines, the rest in docs/`, () => {
    const lines = read('README.md').split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('has one line for every option of --help in its options table', () => {
    const readme = read('README.md');
    const rows = readme.split('\n').filter((line) => line.startsWith('| `'));
    for (const [name, spec] of Object.entries(OPTIONS)) {
      const short = 'short' in spec ? `-${spec.short}, ` : '';
      const row = rows.filter((line) => line.startsWith(`| \`${short}--${name}`) || line.includes(` --${name}\``) || line.includes(`--${name}\`, \``));
      expect(row.length, `--${name}`).toBeGreaterThanOrEqual(1);
    }
  });

  it("links every template's README (and no template that is gone)", () => {
    const readme = read('README.md');
    const linked = [...readme.matchAll(/\[([\w-]+)\]\(templates\/([\w-]+)\/README\.md\)/g)].map((m) => {
      expect(m[1]).toBe(m[2]);
      return m[2];
    });
    expect([...new Set(linked)].sort()).toEqual(TEMPLATES.map((t) => t.name).sort());
  });
});

describe.each(DOCS)('%s', (file) => {
  const text = read(file);

  it('every relative link leads to a file or folder of the repository', () => {
    const broken = relativeLinks(text).flatMap((target) => brokenLink(file, target) ?? []);
    expect(broken).toEqual([]);
  });

  it('every script it runs exists (here, or in a generated project)', () => {
    const missing = scriptsNamed(text).filter((script) => !KNOWN_SCRIPTS.has(script));
    expect(missing).toEqual([]);
  });

  it('every path it names in backticks exists (here, in the toolkit, or in a template)', () => {
    expect(missingPaths(text)).toEqual([]);
  });
});

describe('the checks themselves (so the tests above can fail)', () => {
  it('reads relative links, not URLs, anchors or code', () => {
    const text = '[a](docs/a.md#x) ![b](img/b.png) [c](https://x.example) [d](#here) [e](mailto:x@y)\n```\n[f](nope.md)\n```\n';
    expect(relativeLinks(text)).toEqual(['docs/a.md', 'img/b.png']);
    expect(brokenLink('README.md', 'docs/none.md')).toBe('docs/none.md does not exist');
    expect(brokenLink('docs/x.md', '../../outside.md')).toBe('../../outside.md leaves the repository');
    expect(brokenLink('docs/x.md', '../README.md')).toBeUndefined();
  });

  it('names the scripts run, and knows a missing one', () => {
    expect(scriptsNamed('`npm run test:unit`, `pnpm run create -- /tmp/x`, npm run publish')).toEqual(['test:unit', 'create', 'publish']);
    expect(KNOWN_SCRIPTS.has('publish')).toBe(false);
    expect(KNOWN_SCRIPTS.has('db:setup')).toBe(true);
  });

  it('finds a path that is nowhere, and accepts one a template holds', () => {
    const here = (p: string) => ['src/scaffold/run.ts', 'templates/worker-raw/src/local-dev.ts'].includes(p);
    const text =
      '`src/scaffold/run.ts`, `src/local-dev.ts`, `src/scaffold/gone.ts`, `GET /api/now`, `text/html`, `.neon-localhost/pgdata`, `neon-on-localhost/driver`';
    expect(missingPaths(text, here)).toEqual(['src/scaffold/gone.ts']);
  });
});
