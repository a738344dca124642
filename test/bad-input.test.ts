// Bad input to the built CLI, table-driven: project names, templates,
// connection strings, target directories and a missing terminal. Every case
// either derives a valid package name and succeeds, or fails with a non-zero
// exit, exactly one line on stderr that names the fix, and the disk exactly as
// it was (a directory it created is gone; one that existed is byte for byte
// the same). Interruptions during the install are in cli.test.ts.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidPackageName } from '../src/scaffold/validate.ts';
import { cleanEnv, REPO_ROOT, run, runCli, type Ran } from './support/cli.ts';

const SECRET = 'Sekr3tPw'; // in every rejected URL: never printed

const asRoot = process.getuid?.() === 0;

let root: string; // everything a case may touch, snapshotted before and after
let work: string; // the cwd of each case, inside root
let sharedCli: string; // the built CLI where the unprivileged user can read it

beforeAll(async () => {
  // A world-readable copy of dist/, so that `nobody` can run it wherever the checkout lives.
  const shared = mkdtempSync(path.join(tmpdir(), 'neon-edge-cli-copy-'));
  chmodSync(shared, 0o755);
  cpSync(path.join(REPO_ROOT, 'dist'), path.join(shared, 'dist'), { recursive: true });
  sharedCli = path.join(shared, 'dist', 'create-neon-edge.cjs');
  if (asRoot) {
    const check = await run('runuser', ['-u', 'nobody', '--', process.execPath, sharedCli, '--version'], { cwd: shared });
    if (check.code !== 0) throw new Error(`the user nobody cannot run ${process.execPath} ${sharedCli}: ${check.output}`);
  }
});

afterAll(() => {
  if (sharedCli) rmSync(path.dirname(path.dirname(sharedCli)), { recursive: true, force: true });
});

function freshRoot(): void {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'neon-edge-bad-')));
  chmodSync(root, 0o755); // nobody must reach the directories below
  work = path.join(root, 'work');
  mkdirSync(work);
}

function cleanup(): void {
  // Undo read-only modes first, or rmSync cannot get in.
  const open = (dir: string) => {
    chmodSync(dir, 0o755);
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) open(path.join(dir, entry.name));
  };
  open(root);
  rmSync(root, { recursive: true, force: true });
}

/** Every path under `dir` with its kind, mode and content hash (or link target). */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string) => {
    const stats = lstatSync(abs);
    const mode = (stats.mode & 0o7777).toString(8);
    if (stats.isSymbolicLink()) out.push(`${rel} link ${readlinkSync(abs)}`);
    else if (stats.isDirectory()) {
      out.push(`${rel}/ dir ${mode} ${stats.uid}`);
      for (const name of readdirSync(abs).sort()) walk(path.join(abs, name), rel ? `${rel}/${name}` : name);
    } else out.push(`${rel} file ${mode} ${stats.uid} ${createHash('sha256').update(readFileSync(abs)).digest('hex')}`);
  };
  walk(dir, '');
  return out;
}

/** The built CLI as the unprivileged user `nobody` (root ignores permissions), or as ourselves when not root. */
function runAsNobody(args: readonly string[], cwd: string): Promise<Ran> {
  const env = cleanEnv({ HOME: cwd });
  if (!asRoot) return run(process.execPath, [sharedCli, ...args], { cwd, env });
  return run('runuser', ['-u', 'nobody', '--', process.execPath, sharedCli, ...args], { cwd, env });
}

const idOf = (flag: '-u' | '-g') => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());

/** mkdir with exactly this mode, whatever the umask. */
function mkdirMode(dir: string, mode: number): void {
  mkdirSync(dir);
  chmodSync(dir, mode);
}

/** A pre-existing project folder with text, binary, executable and nested files, and a symlink. */
function existingFolder(dir: string): void {
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, 'README.md'), '# mine\n');
  writeFileSync(path.join(dir, 'package.json'), '{"name":"mine","private":true}\n');
  writeFileSync(path.join(dir, 'src', 'index.ts'), 'export const mine = 1;\n');
  writeFileSync(path.join(dir, '.gitignore'), 'secret-notes\n');
  writeFileSync(path.join(dir, 'data.bin'), Buffer.from([0, 255, 1, 254, 10, 13]));
  writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o750 });
  chmodSync(path.join(dir, 'run.sh'), 0o750);
  symlinkSync('README.md', path.join(dir, 'link.md'));
}

interface Failing {
  name: string;
  args: string[];
  /** The one stderr line, after "✖ ". */
  error: RegExp;
  setup?: () => void;
  /** Directory (relative to work) to run in. */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run as an unprivileged user, for permission cases. */
  unprivileged?: boolean;
}

const FLAGS = ['-t', 'worker-raw', '--no-install', '--no-git'];
const url = (u: string) => ['app', ...FLAGS, '--database-url', u];

const failing: Failing[] = [
  // Project names
  {
    name: 'name ".." (the parent, not empty)',
    args: ['..', ...FLAGS],
    error: /^Directory \.\. is not empty: choose another directory, or pass --force to write into it\.$/,
  },
  {
    name: 'name "." in a folder that is not empty',
    args: ['.', ...FLAGS],
    setup: () => writeFileSync(path.join(work, 'notes.txt'), 'mine'),
    error: /^Directory \. is not empty: choose another directory, or pass --force/,
  },
  {
    name: 'a 300-character name',
    args: ['n'.repeat(300), ...FLAGS],
    error: /^The directory name "n{40}…n{10}" is 300 bytes long, more than file systems allow \(255\): choose a shorter name\.$/,
  },
  { name: 'a 300-character name below a new folder', args: [`new/${'é'.repeat(150)}`, ...FLAGS], error: /is 300 bytes long, .*choose a shorter name\.$/ },
  {
    name: 'a name with a newline',
    args: ['my\napp', ...FLAGS],
    error: /^The directory name "my\\napp" contains a control character: choose a name without one\.$/,
  },
  { name: 'an empty name', args: ['', ...FLAGS], error: /^Please enter a directory name\.$/ },
  {
    name: 'a name that looks like an option',
    args: ['-rf', ...FLAGS],
    error: /^Unknown option '-r'\. .*after '--'.*Run create-neon-edge --help for the options\.$/,
  },
  { name: 'two names', args: ['my', 'app', ...FLAGS], error: /^Expected one project directory, got 2 arguments: quote a name with spaces/ },

  // Templates
  {
    name: 'template "Worker-Raw"',
    args: ['app', '-t', 'Worker-Raw', '--no-install', '--no-git'],
    error: /^Unknown template "Worker-Raw": did you mean --template worker-raw\? \(the templates: worker-hyperdrive\|worker-raw\|/,
  },
  ...['nope', '../../etc', '/etc', '', '_shared', 'worker-raw/../vercel-edge'].map((t) => ({
    name: `template ${JSON.stringify(t)}`,
    args: ['app', '-t', t, '--no-install', '--no-git'],
    error: /^Unknown template ".*": use --template worker-hyperdrive\|worker-raw\|worker-postgis\|vercel-node\|vercel-edge\.$/,
  })),

  // Connection strings (the password is never printed)
  { name: 'URL without a scheme', args: url(`alice:${SECRET}@host/db`), error: /^The database URL has no scheme: start it with postgres:\/\// },
  {
    name: 'mysql:// URL',
    args: url(`mysql://alice:${SECRET}@host/db`),
    error: /^The database URL must start with postgres:\/\/ or postgresql:\/\/, not mysql:\/\/\.$/,
  },
  { name: 'URL without a host', args: url(`postgres://alice:${SECRET}@/db`), error: /^The database URL has no host: expected postgres:\/\/user:password@host/ },
  { name: 'URL without host or user', args: url('postgres:///db'), error: /^The database URL has no host/ },
  { name: 'URL without a user', args: url(`postgres://:${SECRET}@host/db`), error: /^The database URL has no user/ },
  { name: 'URL without a database', args: url(`postgres://alice:${SECRET}@host`), error: /^The database URL has no database name: expected/ },
  { name: 'URL with an empty database', args: url(`postgres://alice:${SECRET}@host:5432/`), error: /^The database URL has no database name/ },
  {
    name: "unencoded '#' in the password (p@ss#word)",
    args: url(`postgres://alice:${SECRET}p@ss#word@host/db`),
    error: /^The database URL contains '#': percent-encode it in the password \(# as %23\)\.$/,
  },
  {
    name: "unencoded '@' in the password",
    args: url(`postgres://alice:${SECRET}p@ss@host/db`),
    error: /^The database URL's user or password contains '@': percent-encode it \(@ as %40\)\.$/,
  },
  {
    name: "unencoded '/' in the password (pa/ss)",
    args: url(`postgres://alice:${SECRET}pa/ss@host/db`),
    error: /^The database URL's password contains '\/': percent-encode it \(\/ as %2F\)\.$/,
  },
  {
    name: "unencoded '?' in the password",
    args: url(`postgres://alice:${SECRET}pa?ss@host/db`),
    error: /^The database URL's password contains '\?': percent-encode it \(\? as %3F\)\.$/,
  },
  {
    name: 'malformed %-escape in the password',
    args: url(`postgres://alice:${SECRET}%zz@host/db`),
    error: /^The database URL has a malformed %-escape .*% as %25/,
  },
  {
    name: 'port out of range',
    args: url(`postgres://alice:${SECRET}@host:99999/db`),
    error: /^The database URL has an invalid port: use a number from 1 to 65535/,
  },
  { name: 'space in the URL', args: url(`postgres://alice:${SECRET} x@host/db`), error: /^The database URL contains spaces or control characters: expected/ },
  {
    name: 'bad DATABASE_URL from the environment',
    args: ['app', ...FLAGS],
    env: cleanEnv({ DATABASE_URL: `mysql://alice:${SECRET}@host/db` }),
    error: /^The database URL must start with postgres:\/\/ or postgresql:\/\/, not mysql:\/\/\.$/,
  },
  {
    name: '--secret with a local URL',
    args: [...url(`postgres://alice:${SECRET}@127.0.0.1/db`), '--secret'],
    error: /^--secret with a local database URL .*: pass a Neon URL or drop --secret\.$/,
  },

  // Target directories
  {
    name: 'a directory that is not empty (left byte for byte)',
    args: ['app', ...FLAGS],
    setup: () => existingFolder(path.join(work, 'app')),
    error: /^Directory app is not empty: choose another directory, or pass --force to write into it\.$/,
  },
  {
    name: '--force into a folder, with a bad URL: nothing touched',
    args: [...url(`postgres://alice:${SECRET}@/db`), '--force'],
    setup: () => existingFolder(path.join(work, 'app')),
    error: /^The database URL has no host/,
  },
  {
    name: 'a dangling symlink as the target',
    args: ['app', ...FLAGS],
    setup: () => symlinkSync(path.join(root, 'gone'), path.join(work, 'app')),
    error: /^app is a symbolic link to .*\/gone, which does not exist: remove the link, or choose another project directory\.$/,
  },
  // --force never writes through a link out of the project (nor reports such files as restored).
  ...[
    { link: 'README.md', to: 'outside/notes.md', says: 'that file' },
    { link: 'src', to: 'outside', says: 'into it' },
    { link: '.dev.vars', to: 'outside/secrets', says: 'that file' },
  ].map(({ link, to, says }) => ({
    name: `--force with ${link} a symlink out of the project`,
    args: [...url(`postgres://alice:${SECRET}@ep-x.neon.tech/db`), '--force'],
    setup: () => {
      existingFolder(path.join(work, 'app'));
      mkdirSync(path.join(root, 'outside'));
      writeFileSync(path.join(root, 'outside', 'notes.md'), 'not yours\n');
      writeFileSync(path.join(root, 'outside', 'secrets'), 'MINE=1\n');
      rmSync(path.join(work, 'app', link), { recursive: true, force: true });
      symlinkSync(path.join(root, to), path.join(work, 'app', link));
    },
    // The target in full, or cut in the middle past 60 characters (40, …, the last 10), as target-dir.ts shows a long path.
    error: new RegExp(
      `^app/${link.replace('.', '\\.')} is a symbolic link \\(to (.*/${to}|.{40}…${`/${to}`.slice(-10).replace('.', '\\.')})\\), and the template writes ${says}: move the link away, or choose another directory\\.$`,
    ),
  })),
  {
    name: 'a target that is a file',
    args: ['app', ...FLAGS],
    setup: () => writeFileSync(path.join(work, 'app'), 'a file'),
    error: /^app exists and is not a directory: choose another project directory\.$/,
  },
  {
    name: 'a target below a file',
    args: ['notes.txt/app', ...FLAGS],
    setup: () => writeFileSync(path.join(work, 'notes.txt'), 'a file'),
    error: /notes\.txt is a file, not a directory: choose another project directory\.$/,
  },
  {
    name: 'a read-only parent directory',
    args: ['app', ...FLAGS],
    setup: () => mkdirMode(path.join(work, 'ro'), 0o555),
    cwd: 'ro',
    unprivileged: true,
    error: /^Cannot write to .*\/work\/ro \(permission denied\): choose a directory you can write to\.$/,
  },
  {
    name: 'a read-only parent two levels up',
    args: ['a/b/app', ...FLAGS],
    setup: () => mkdirMode(path.join(work, 'ro'), 0o555),
    cwd: 'ro',
    unprivileged: true,
    error: /^Cannot write to .*\/work\/ro \(permission denied\)/,
  },
  {
    name: '"." in a read-only empty directory',
    args: ['.', ...FLAGS],
    setup: () => mkdirMode(path.join(work, 'ro'), 0o555),
    cwd: 'ro',
    unprivileged: true,
    error: /^Cannot write to .*\/work\/ro \(permission denied\): choose a directory you can write to\.$/,
  },
  {
    name: 'a parent that can be written but not entered',
    args: ['noexec/app', ...FLAGS],
    setup: () => mkdirMode(path.join(work, 'noexec'), 0o666),
    unprivileged: true,
    error: /^Cannot write to .*\/work\/noexec \(permission denied\)/,
  },
  {
    name: 'an existing directory that cannot be read',
    args: ['locked', ...FLAGS],
    setup: () => mkdirMode(path.join(work, 'locked'), 0o333),
    unprivileged: true,
    error: /^Cannot read locked \(permission denied\): choose a directory you can write to\.$/,
  },

  // No terminal, no flags
  {
    name: 'no terminal and no arguments',
    args: [],
    error: /^No terminal to ask "In which directory should the project be created\?": pass the project directory as the first argument \(or --yes\)\.$/,
  },
  { name: 'no terminal and no template', args: ['app'], error: /^No terminal to ask "Which template\?": pass --template <name> \(or --yes\)\.$/ },
];

describe('bad input fails with one line naming the fix, and the disk as it was', () => {
  for (const c of failing) {
    it(c.name, async () => {
      freshRoot();
      try {
        c.setup?.();
        const before = snapshot(root);
        const cwd = path.join(work, c.cwd ?? '');
        const result = c.unprivileged ? await runAsNobody(c.args, cwd) : await runCli(c.args, { cwd, env: c.env ?? cleanEnv() });
        expect(result.code, result.output).not.toBe(0);
        expect(result.code, result.output).not.toBeNull();
        const lines = result.stderr.split('\n').filter((line) => line !== '');
        expect(lines, result.stderr).toHaveLength(1);
        expect(lines[0]).toMatch(/^✖ /);
        expect(lines[0].slice(2)).toMatch(c.error);
        expect(result.output).not.toContain(SECRET);
        expect(result.output).not.toMatch(/\n\s+at .*:\d+:\d+/); // no stack trace anywhere
        expect(snapshot(root)).toEqual(before);
      } finally {
        cleanup();
      }
    });
  }
});

describe('a failure after writing began restores a pre-existing folder byte for byte', () => {
  it('--force, the template overwrites files, the install fails: everything it had is back', async () => {
    freshRoot();
    try {
      const app = path.join(work, 'app');
      existingFolder(app);
      const bin = path.join(root, 'bin');
      mkdirSync(bin);
      writeFileSync(path.join(bin, 'npm'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
      const before = snapshot(root);
      const result = await runCli(['app', '-t', 'worker-raw', '--force', '--no-git'], { cwd: work, env: cleanEnv({ PATH: `${bin}:${cleanEnv().PATH}` }) });
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe('✖ npm install failed (exit 1): fix the problem shown above, or pass --no-install and install later.');
      expect(result.stdout).toMatch(/Rolled back: removed what was written to .*app and restored the 4 file\(s\) it overwrote/);
      expect(snapshot(root)).toEqual(before);
    } finally {
      cleanup();
    }
  });

  it('--force into a folder with a read-only subfolder: one line, and what was copied is undone', async () => {
    freshRoot();
    try {
      const app = path.join(work, 'app');
      existingFolder(app);
      // The folder is the user's; src/ inside it is not writable by them.
      const own = (p: string) => asRoot && chownSync(p, idOf('-u'), idOf('-g'));
      for (const entry of ['', 'README.md', 'package.json', '.gitignore', 'data.bin', 'run.sh']) own(path.join(app, entry));
      chmodSync(path.join(app, 'src'), 0o555);
      const before = snapshot(root);
      const result = await runAsNobody(['app', ...FLAGS, '--force'], work);
      expect(result.code, result.output).toBe(1);
      expect(result.stderr.trim()).toMatch(/^✖ Cannot write .*\/app\/src\/\S+ \(permission denied\): choose a directory you can write to\.$/);
      expect(snapshot(root)).toEqual(before);
    } finally {
      cleanup();
    }
  });
});

interface Succeeding {
  name: string;
  dir: (root: string) => string;
  /** Where the project lands, relative to root. */
  at: string;
  packageName: string | RegExp;
}

const succeeding: Succeeding[] = [
  { name: 'spaces', dir: () => 'my app', at: 'work/my app', packageName: 'my-app' },
  { name: 'uppercase', dir: () => 'MyApp', at: 'work/MyApp', packageName: 'myapp' },
  { name: 'accents', dir: () => 'Ünïcödé Café', at: 'work/Ünïcödé Café', packageName: 'unicode-cafe' },
  { name: 'no Latin letters', dir: () => '日本語', at: 'work/日本語', packageName: 'neon-edge-app' },
  { name: 'emoji and punctuation', dir: () => '🚀 Rocket!!', at: 'work/🚀 Rocket!!', packageName: 'rocket' },
  { name: 'a leading dot', dir: () => '.hidden', at: 'work/.hidden', packageName: 'hidden' },
  { name: 'the reserved name node_modules', dir: () => 'node_modules', at: 'work/node_modules', packageName: 'node_modules-app' },
  { name: 'the reserved name favicon.ico', dir: () => 'favicon.ico', at: 'work/favicon.ico', packageName: 'favicon.ico-app' },
  { name: 'a Node built-in module name', dir: () => 'http', at: 'work/http', packageName: 'http-app' },
  { name: '"../x" (next to the cwd)', dir: () => '../x', at: 'x', packageName: 'x' },
  { name: 'an absolute path', dir: (r) => path.join(r, 'abs', 'place'), at: 'abs/place', packageName: 'place' },
  { name: 'nested new folders', dir: () => 'a/b/c', at: 'work/a/b/c', packageName: 'c' },
  { name: 'a 250-character name (package name cut to npm’s limit)', dir: () => 'L'.repeat(250), at: `work/${'L'.repeat(250)}`, packageName: /^l{210}$/ },
];

describe('names that derive a valid package name and succeed', () => {
  for (const c of succeeding) {
    it(c.name, async () => {
      freshRoot();
      try {
        const result = await runCli([c.dir(root), ...FLAGS], { cwd: work });
        expect(result.code, result.output).toBe(0);
        expect(result.stderr).toBe('');
        const project = path.join(root, c.at);
        const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')) as { name: string };
        expect(pkg.name).toMatch(typeof c.packageName === 'string' ? new RegExp(`^${c.packageName.replace(/\./g, '\\.')}$`) : c.packageName);
        expect(isValidPackageName(pkg.name)).toBe(true);
        const worker = /^\s*"name"\s*:\s*"([^"]*)"/m.exec(readFileSync(path.join(project, 'wrangler.jsonc'), 'utf8'))?.[1];
        expect(worker).toMatch(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/);
        expect(result.stdout).toContain(`Done: ${pkg.name} is ready.`);
      } finally {
        cleanup();
      }
    });
  }
});

describe('connection strings that are valid', () => {
  for (const value of [
    'postgres://u:p@[::1]:5432/db',
    `postgresql://alice:${SECRET}@ep-x-1.eu-central-1.aws.neon.tech/neondb?sslmode=require`,
    'postgres://alice:p%40ss%23w%2Ford@host/db',
  ]) {
    it(value, async () => {
      freshRoot();
      try {
        const result = await runCli(url(value), { cwd: work });
        expect(result.code, result.output).toBe(0);
        expect(result.stderr).toBe('');
        expect(readFileSync(path.join(work, 'app', '.dev.vars'), 'utf8')).toBe(`DATABASE_URL=${value}\n`);
        expect(result.output).not.toContain(SECRET);
        expect(existsSync(path.join(work, 'app', 'src', 'index.ts'))).toBe(true);
      } finally {
        cleanup();
      }
    });
  }
});
