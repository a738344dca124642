// `npm install` in a test run (through test/support/bin/npm): the first
// install of a package.json in the run is real npm, through the test registry,
// and is kept; a later `npm install` of the same package.json (its name aside:
// every test names its project) into a project without node_modules takes
// that install (node_modules hard-linked, package-lock.json copied) instead
// of repeating it.
// Installs are the gate's largest cost, and most e2e files install a template
// another file installs too. A second install of a package.json being
// installed waits for the first, then takes it. Tests of installing itself
// turn the cache off (CREATE_NEON_EDGE_INSTALL_CACHE=''): package-managers,
// published, and the bench's `npm create`.

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lock } from 'proper-lockfile';

const cache = process.env.CREATE_NEON_EDGE_INSTALL_CACHE!;
const realNpm = process.env.CREATE_NEON_EDGE_REAL_NPM!;

type PackageJson = { name?: string } & Record<string, unknown>;
type Lockfile = { name?: string; packages?: Record<string, { name?: string }> };

function keyOf(pkg: PackageJson): string {
  const { name: _name, ...rest } = pkg;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 24);
}

/** npm writes the project's name into its lockfiles; a copy gets this project's. */
function renameLockfile(file: string, name: string | undefined): void {
  if (!existsSync(file)) return;
  const lockfile = JSON.parse(readFileSync(file, 'utf8')) as Lockfile;
  lockfile.name = name;
  if (lockfile.packages?.['']) lockfile.packages[''].name = name;
  // A new file renamed over it: the old one may be a hard link into the cache.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(lockfile, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/**
 * Hard links, as pnpm's store gives: a copy of 700 MB takes 5 s of disk, linking it a quarter of one.
 * Folders are the project's own, so what tools add (node_modules/.vite, .mf) stays in it; npm and the
 * tools replace files rather than write into them, and the cache's own copy was made apart from the
 * project that installed it.
 */
function copyFromCache(entry: string, name: string | undefined): void {
  try {
    execFileSync('cp', ['-al', path.join(entry, 'node_modules'), '.'], { stdio: 'ignore' });
  } catch {
    rmSync('node_modules', { recursive: true, force: true }); // another file system: links cannot cross it
    execFileSync('cp', ['-a', path.join(entry, 'node_modules'), '.']);
  }
  execFileSync('cp', [path.join(entry, 'package-lock.json'), '.']);
  renameLockfile('package-lock.json', name);
  renameLockfile(path.join('node_modules', '.package-lock.json'), name);
}

/** Kept whole or not at all: copied aside, then renamed into place. */
function store(entry: string): void {
  const staging = mkdtempSync(path.join(cache, '.staging-'));
  try {
    execFileSync('cp', ['-a', 'node_modules', 'package-lock.json', staging]);
    renameSync(staging, entry);
  } catch {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Real npm; asynchronous, so that the lock's heartbeat goes on meanwhile. */
function npmInstall(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(realNpm, ['install'], { stdio: 'inherit' });
    child.once('error', () => resolve(1));
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as PackageJson;
const entry = path.join(cache, keyOf(pkg));
if (existsSync('node_modules')) process.exit(await npmInstall());
// Held while installing: a twin waits (up to 10 minutes), then copies.
const release = await lock(entry, { realpath: false, stale: 30_000, retries: { retries: 600, factor: 1, minTimeout: 1_000, maxTimeout: 1_000 } });
let code = 0;
try {
  if (existsSync(entry)) {
    copyFromCache(entry, pkg.name);
    console.log(`copied the install of the same package.json made earlier in this test run (${path.basename(entry)})`);
  } else {
    code = await npmInstall();
    if (code === 0) store(entry);
  }
} finally {
  await release();
}
process.exit(code);
