import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseEnvFile } from 'neon-on-localhost/database-url';
import type { Answers } from '../../src/scaffold/context.ts';
import type { Template } from '../../src/scaffold/template-config.ts';
import { copyTemplate, isTemplateFile, RENAMES, templateEntries } from '../../src/scaffold/template-files.ts';
import { TEMPLATES, templatesRoot } from '../../src/scaffold/templates.ts';
import { envLine, projectEntries, setPackageName, setWorkerName, writeProject, writeSecretFile } from '../../src/scaffold/write-project.ts';

const TEMPLATE_DIR = path.join(templatesRoot(), 'worker-raw');

let tmp: string;

beforeEach(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'neon-write-')));
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const mode = (file: string) => statSync(file).mode & 0o777;

/** Files under `dir`, relative, sorted; does not follow symlinks. */
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = path.join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path.join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

function write(file: string, content = ''): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

function withUmask<T>(mask: number, fn: () => T): T {
  const previous = process.umask(mask);
  try {
    return fn();
  } finally {
    process.umask(previous);
  }
}

describe('copyTemplate with the repository template', () => {
  it('copies worker-raw with dotfiles renamed, symlinks resolved and local files left out', async () => {
    const target = path.join(tmp, 'proj');
    copyTemplate(TEMPLATE_DIR, target);

    expect(readFileSync(path.join(target, '.gitignore'), 'utf8')).toBe(readFileSync(path.join(TEMPLATE_DIR, '_gitignore'), 'utf8'));
    expect(existsSync(path.join(target, '_gitignore'))).toBe(false);

    // The repository's template folder holds these (installed for its own tests): never copied.
    expect(existsSync(path.join(target, 'node_modules'))).toBe(false);
    expect(existsSync(path.join(target, 'package-lock.json'))).toBe(false);
    expect(existsSync(path.join(target, '.dev.vars'))).toBe(false);

    for (const file of ['package.json', 'wrangler.jsonc', 'tsconfig.json', 'src/index.ts']) {
      expect(readFileSync(path.join(target, file), 'utf8'), file).toBe(readFileSync(path.join(TEMPLATE_DIR, file), 'utf8'));
    }
  });
});

describe('copyTemplate filter', () => {
  function fakeTemplate(): string {
    const root = path.join(tmp, 'templates');
    const template = path.join(root, 'fake');
    write(path.join(template, 'package.json'), '{"name":"fake"}\n');
    write(path.join(template, 'src', 'index.ts'), 'export {};\n');
    write(path.join(template, '_gitignore'), 'node_modules\n');
    write(path.join(template, '_dev.vars.example'), 'DATABASE_URL=\n');
    write(path.join(template, '_env.example'), 'DATABASE_URL=\n');
    write(path.join(template, 'src', '.dev.vars.example'), 'kept\n');
    // What a developer's checkout may hold next to the template files:
    write(path.join(template, 'node_modules', 'pkg', 'index.js'), '');
    write(path.join(template, 'src', 'node_modules', 'nested.js'), '');
    write(path.join(template, 'package-lock.json'), '{}');
    write(path.join(template, '.dev.vars'), 'DATABASE_URL=postgres://dev:secret@host/db\n');
    write(path.join(template, '.env'), 'DATABASE_URL=postgres://dev:secret@host/db\n');
    write(path.join(template, '.env.local'), 'DATABASE_URL=postgres://dev:secret@host/db\n');
    write(path.join(template, '.wrangler', 'state', 'v3', 'x'), '');
    write(path.join(template, '.vercel', 'project.json'), '{}');
    write(path.join(template, 'dist', 'index.js'), '');
    write(path.join(template, 'template.ts'), 'export default {};');
    write(path.join(template, 'worker-configuration.d.ts'), '');
    return template;
  }

  it('leaves out dependencies, lockfiles, build output and local secrets', async () => {
    const target = path.join(tmp, 'out');
    copyTemplate(fakeTemplate(), target);
    expect(listFiles(target)).toEqual(['.dev.vars.example', '.env.example', '.gitignore', 'package.json', 'src/.dev.vars.example', 'src/index.ts'].sort());
  });

  it('templateEntries lists exactly the files copyTemplate writes, so a rollback knows them', async () => {
    const template = fakeTemplate();
    const target = path.join(tmp, 'out');
    copyTemplate(template, target);
    expect(templateEntries(template).map((e) => e.target)).toEqual(listFiles(target));
    for (const real of TEMPLATES.map((t) => path.join(templatesRoot(), t.name))) {
      const out = path.join(tmp, path.basename(real));
      copyTemplate(real, out);
      expect(templateEntries(real).map((e) => e.target)).toEqual(listFiles(out));
    }
  });

  it('renames only at the top level', async () => {
    const template = path.join(tmp, 'nested');
    write(path.join(template, 'sub', '_gitignore'), 'x\n');
    write(path.join(template, '_gitignore'), 'y\n');
    const target = path.join(tmp, 'out');
    copyTemplate(template, target);
    expect(readFileSync(path.join(target, '.gitignore'), 'utf8')).toBe('y\n');
    expect(existsSync(path.join(target, 'sub', '_gitignore'))).toBe(true);
  });

  it('copies into an existing directory, keeping what is there', async () => {
    const template = path.join(tmp, 't');
    write(path.join(template, 'package.json'), '{}');
    write(path.join(template, '_gitignore'), 'node_modules\n');
    const target = path.join(tmp, 'existing');
    write(path.join(target, 'README.md'), 'mine');
    copyTemplate(template, target);
    expect(listFiles(target)).toEqual(['.gitignore', 'README.md', 'package.json']);
    expect(readFileSync(path.join(target, 'README.md'), 'utf8')).toBe('mine');
  });

  it.each([
    ['node_modules', false],
    ['/a/b/node_modules', false],
    ['/a/package-lock.json', false],
    ['/a/.dev.vars', false],
    ['/a/.env', false],
    ['/a/.env.local', false],
    ['/a/.wrangler', false],
    ['/a/.vercel', false],
    ['/a/dist', false],
    ['/a/.dev.vars.example', true],
    ['/a/_dev.vars.example', true],
    ['/a/package.json', true],
    ['/a/node_modules_backup', true],
    ['/a/src/index.ts', true],
  ])('isTemplateFile(%j) → %s', (file, expected) => {
    expect(isTemplateFile(file)).toBe(expected);
  });

  it('renames to dotfiles only', () => {
    for (const [stored, real] of Object.entries(RENAMES)) {
      expect(stored.startsWith('_')).toBe(true);
      expect(real).toBe(`.${stored.slice(1)}`);
    }
  });
});

describe('setPackageName', () => {
  it('sets the name and keeps everything else, in order', () => {
    write(path.join(tmp, 'package.json'), JSON.stringify({ name: 'worker-raw', version: '0.0.0', private: true, scripts: { start: 'x' } }, null, 2));
    setPackageName(tmp, 'my-app');
    const text = readFileSync(path.join(tmp, 'package.json'), 'utf8');
    expect(text).toBe(`${JSON.stringify({ name: 'my-app', version: '0.0.0', private: true, scripts: { start: 'x' } }, null, 2)}\n`);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['name', 'version', 'private', 'scripts']);
  });

  it('adds a name when there was none', () => {
    write(path.join(tmp, 'package.json'), '{"version":"1.0.0"}');
    setPackageName(tmp, '@scope/x');
    expect(JSON.parse(readFileSync(path.join(tmp, 'package.json'), 'utf8'))).toEqual({ version: '1.0.0', name: '@scope/x' });
  });
});

describe('setWorkerName', () => {
  it('sets the top-level name in the real wrangler.jsonc and keeps its comments', () => {
    const original = readFileSync(path.join(TEMPLATE_DIR, 'wrangler.jsonc'), 'utf8');
    write(path.join(tmp, 'wrangler.jsonc'), original);
    setWorkerName(tmp, 'my-app');
    const updated = readFileSync(path.join(tmp, 'wrangler.jsonc'), 'utf8');
    expect(updated).toContain('"name": "my-app"');
    expect(updated).not.toContain('"name": "worker-raw"');
    // Every comment line survives, and only the name line changed.
    const comments = original.split('\n').filter((line) => line.trim().startsWith('//'));
    expect(comments.length).toBeGreaterThan(0);
    for (const comment of comments) expect(updated).toContain(comment);
    const before = original.split('\n');
    const after = updated.split('\n');
    expect(after).toHaveLength(before.length);
    expect(after.filter((line, i) => line !== before[i])).toEqual(['  "name": "my-app",']);
  });

  it('quotes the name as JSON', () => {
    write(path.join(tmp, 'wrangler.jsonc'), '{\n  // c\n  "name": "x",\n  "main": "src/index.ts"\n}\n');
    setWorkerName(tmp, 'a"b');
    expect(readFileSync(path.join(tmp, 'wrangler.jsonc'), 'utf8')).toBe('{\n  // c\n  "name": "a\\"b",\n  "main": "src/index.ts"\n}\n');
  });

  it('does nothing without a wrangler.jsonc', () => {
    setWorkerName(tmp, 'my-app');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('throws when the file has no name to set', () => {
    write(path.join(tmp, 'wrangler.jsonc'), '{ "main": "src/index.ts" }\n');
    expect(() => setWorkerName(tmp, 'my-app')).toThrow(/no "name"/);
  });
});

describe('envLine', () => {
  it.each([
    ['postgres://u:p@h/db', 'K=postgres://u:p@h/db\n'],
    ['postgres://u:p@h/db?sslmode=require&x=1', 'K=postgres://u:p@h/db?sslmode=require&x=1\n'],
    ['', 'K=\n'],
    ['a b', "K='a b'\n"],
    ['a#b', "K='a#b'\n"],
    ['a$b', "K='a$b'\n"],
    ['a`b', "K='a`b'\n"],
    ['a\\b', "K='a\\b'\n"],
    ['a"b', `K='a"b'\n`],
    ["a'b", `K="a'b"\n`],
  ])('%j → %j', (value, line) => {
    expect(envLine('K', value)).toBe(line);
  });

  it('round-trips through the generated project’s .dev.vars parser', () => {
    const values = [
      'postgres://alice:s3cret@ep-x.neon.tech/neondb?sslmode=require',
      'postgres://alice:p%23ss@host/db',
      'has space',
      'x # not a comment',
      '#leading-hash',
      "it's",
      'say "hi"',
      '$HOME and ${HOME}',
      'back\\slash',
      'a`b',
      'both \' and "',
    ];
    for (const value of values) {
      expect(parseEnvFile(envLine('DATABASE_URL', value)).DATABASE_URL, value).toBe(value);
    }
  });
});

describe('writeSecretFile', () => {
  it('creates the file with mode 0600 even with umask 0', () => {
    const file = path.join(tmp, '.dev.vars');
    withUmask(0, () => writeSecretFile(file, 'DATABASE_URL=x\n'));
    expect(mode(file)).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('DATABASE_URL=x\n');
  });

  it('tightens an existing world-readable file', () => {
    const file = path.join(tmp, '.dev.vars');
    withUmask(0, () => writeFileSync(file, 'old', { mode: 0o666 }));
    expect(mode(file)).toBe(0o666);
    withUmask(0, () => writeSecretFile(file, 'new'));
    expect(mode(file)).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('new');
  });
});

describe('writeProject', () => {
  const found = TEMPLATES.find((t) => t.name === 'worker-raw');
  if (!found) throw new Error('worker-raw template missing');
  const template: Template = found;

  function answers(targetDir: string, overrides: Partial<Answers> = {}): Answers {
    return {
      targetDir,
      displayDir: path.basename(targetDir),
      projectName: 'my-app',
      template,
      install: false,
      packageManager: 'npm',
      dbSetup: false,
      agents: false,
      ci: false,
      git: false,
      secret: false,
      ...overrides,
    };
  }

  it('writes .dev.vars (mode 0600) with the database URL', async () => {
    const target = path.join(tmp, 'proj');
    mkdirSync(target);
    const url = "postgres://alice:p'ss w0rd@ep-x.neon.tech/neondb?sslmode=require";
    withUmask(0, () => writeProject(templatesRoot(), answers(target, { databaseUrl: url, projectName: 'my.app' })));

    const devVars = path.join(target, '.dev.vars');
    expect(mode(devVars)).toBe(0o600);
    expect(parseEnvFile(readFileSync(devVars, 'utf8'))).toEqual({ DATABASE_URL: url });
    expect(JSON.parse(readFileSync(path.join(target, 'package.json'), 'utf8')).name).toBe('my.app');
    expect(readFileSync(path.join(target, 'wrangler.jsonc'), 'utf8')).toContain('"name": "my-app"');
    expect(existsSync(path.join(target, '.gitignore'))).toBe(true);
    expect(existsSync(path.join(target, 'node_modules'))).toBe(false);
  });

  it("approves the template's install scripts in package.json's allowScripts for npm only (pnpm's are in pnpm-workspace.yaml)", () => {
    const npm = path.join(tmp, 'npm');
    writeProject(templatesRoot(), answers(npm));
    const pkg = JSON.parse(readFileSync(path.join(npm, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.allowScripts).toEqual({ esbuild: true, workerd: true });
    expect(Object.keys(pkg).at(-1)).toBe('allowScripts');
    for (const packageManager of ['pnpm', 'yarn', 'bun'] as const) {
      const other = path.join(tmp, packageManager);
      writeProject(templatesRoot(), answers(other, { packageManager }));
      expect(JSON.parse(readFileSync(path.join(other, 'package.json'), 'utf8')), packageManager).not.toHaveProperty('allowScripts');
    }
  });

  it('writes no .dev.vars without a database URL', async () => {
    const target = path.join(tmp, 'proj');
    mkdirSync(target);
    writeProject(templatesRoot(), answers(target));
    expect(existsSync(path.join(target, '.dev.vars'))).toBe(false);
    expect(JSON.parse(readFileSync(path.join(target, 'package.json'), 'utf8')).name).toBe('my-app');
  });

  it("writes the template's AGENTS.md only with --agents", () => {
    const without = path.join(tmp, 'without');
    writeProject(templatesRoot(), answers(without, { agents: false }));
    expect(existsSync(path.join(without, 'AGENTS.md'))).toBe(false);
    expect(projectEntries(path.join(templatesRoot(), 'worker-raw'), { template, agents: false }).map((e) => e.target)).not.toContain('AGENTS.md');
    const withAgents = path.join(tmp, 'with');
    writeProject(templatesRoot(), answers(withAgents, { agents: true }));
    expect(readFileSync(path.join(withAgents, 'AGENTS.md'), 'utf8')).toBe(readFileSync(path.join(templatesRoot(), 'worker-raw', 'AGENTS.md'), 'utf8'));
  });

  it("writes README.md and AGENTS.md in the package manager's commands, and the code as it is", () => {
    const target = path.join(tmp, 'bun');
    writeProject(templatesRoot(), answers(target, { agents: true, packageManager: 'bun' }));
    for (const doc of ['README.md', 'AGENTS.md']) {
      const text = readFileSync(path.join(target, doc), 'utf8');
      expect(text, doc).toContain('bun run test');
      expect(text, doc).not.toMatch(/\bnpm (start|test|run|install)\b|\bnpx /);
    }
    expect(readFileSync(path.join(target, 'src/index.ts'), 'utf8')).toBe(readFileSync(path.join(templatesRoot(), 'worker-raw/src/index.ts'), 'utf8'));
  });

  it("an ORM variant's own AGENTS.md replaces the template's", () => {
    const dir = path.join(tmp, 'template');
    write(path.join(dir, 'AGENTS.md'), 'plain: `npm test`\n');
    write(path.join(dir, 'orm', 'drizzle', 'AGENTS.md'), 'drizzle: `npm run db:generate`\n');
    const variant = { ...template, orms: { drizzle: { files: 'orm/drizzle' } } };
    const entries = projectEntries(dir, { template: variant, orm: 'drizzle', agents: true });
    expect(entries.filter((e) => e.target === 'AGENTS.md').map((e) => readFileSync(e.source, 'utf8'))).toEqual(['drizzle: `npm run db:generate`\n']);
  });
});

describe('the generated .gitignore', () => {
  function gitIgnored(dir: string, paths: string[]): string[] {
    const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
    execFileSync('git', ['init', '-q', dir], { env, stdio: 'ignore' });
    let out = '';
    try {
      out = execFileSync('git', ['-c', 'core.excludesFile=/dev/null', 'check-ignore', '--', ...paths], {
        cwd: dir,
        env,
        encoding: 'utf8',
      });
    } catch (err) {
      // Exit status 1: none of the paths is ignored.
      if ((err as { status?: number }).status !== 1) throw err;
    }
    return out.split('\n').filter(Boolean).sort();
  }

  it('ignores secrets, dependencies and wrangler state but not the examples', async () => {
    const target = path.join(tmp, 'proj');
    copyTemplate(TEMPLATE_DIR, target);
    const ignored = [
      '.dev.vars',
      '.dev.vars.local',
      '.dev.vars.production',
      '.env',
      '.env.local',
      '.env.production',
      'node_modules',
      '.wrangler',
      'dist',
      'worker-configuration.d.ts',
    ];
    const kept = ['.dev.vars.example', '.env.example', '.gitignore', 'package.json', 'src/index.ts', 'wrangler.jsonc'];
    expect(gitIgnored(target, [...ignored, ...kept])).toEqual([...ignored].sort());
  });
});

describe("setWorkerName when the project has the template's own name", () => {
  it('keeps the file as it is instead of failing', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'same-name-'));
    try {
      writeFileSync(path.join(dir, 'wrangler.jsonc'), '{\n  // comment\n  "name": "worker-raw"\n}\n');
      setWorkerName(dir, 'worker-raw');
      expect(readFileSync(path.join(dir, 'wrangler.jsonc'), 'utf8')).toBe('{\n  // comment\n  "name": "worker-raw"\n}\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
