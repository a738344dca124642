// `npm install` in a test run (through test/support/bin/npm): the first
// install of a package.json in the run is real npm, through the test registry,
// and is kept; a later `npm install` of the same package.json (its name aside:
// every test names its project) into a project without node_modules takes
// that install (node_modules hard-linked, package-lock.json copied) instead
// of repeating it. A package.json that keeps every dependency of one
// installed earlier, spec for spec, and adds some (a Drizzle variant over its
// template) starts from that install, and real npm installs what it adds.
// Installs are the gate's largest cost, and most e2e files install a template
// another file installs too. A second install of a package.json being
// installed waits for the first, then takes it. Tests of installing itself
// turn the cache off (CREATE_NEON_EDGE_INSTALL_CACHE=''): package-managers and
// published.

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lock } from 'proper-lockfile';

const cache = process.env.CREATE_NEON_EDGE_INSTALL_CACHE!;
const DEPENDENCY_KINDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;
const realNpm = process.env.CREATE_NEON_EDGE_REAL_NPM!;

type PackageJson = { name?: string; overrides?: unknown } & Partial<Record<(typeof DEPENDENCY_KINDS)[number], Record<string, string>>>;
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
 * `from`'s node_modules as `into`/node_modules, by hard links as pnpm's store gives: a copy of 700 MB
 * takes 5 s of disk (and up to 11 s of processor time), linking it a quarter of one. Folders are new,
 * so what tools add (node_modules/.vite, .mf) stays in the project that added it; npm and the tools
 * replace files rather than write into them, except npm's own record of the install
 * (node_modules/.package-lock.json), which each side makes its own: a copy from the cache renames
 * it anew (renameLockfile), and the cache copies its own (store).
 */
function linkNodeModules(from: string, into: string): void {
  try {
    execFileSync('cp', ['-al', path.join(from, 'node_modules'), into], { stdio: 'ignore' });
  } catch {
    rmSync(path.join(into, 'node_modules'), { recursive: true, force: true }); // another file system: links cannot cross it
    execFileSync('cp', ['-a', path.join(from, 'node_modules'), into]);
  }
}

function copyFromCache(entry: string, name: string | undefined): void {
  linkNodeModules(entry, '.');
  execFileSync('cp', [path.join(entry, 'package-lock.json'), '.']);
  renameLockfile('package-lock.json', name);
  renameLockfile(path.join('node_modules', '.package-lock.json'), name);
}

/** How many dependencies `base` has if `pkg` keeps them all, spec for spec, with the same overrides; else 0. */
function keptFrom(base: PackageJson, pkg: PackageJson): number {
  if (JSON.stringify(base.overrides) !== JSON.stringify(pkg.overrides)) return 0;
  let kept = 0;
  for (const kind of DEPENDENCY_KINDS) {
    for (const [name, spec] of Object.entries(base[kind] ?? {})) {
      if (pkg[kind]?.[name] !== spec) return 0;
      kept++;
    }
  }
  return kept;
}

/** The earlier install of the run that `pkg` keeps the most dependencies of, if any. */
function baseFor(pkg: PackageJson): string | undefined {
  let best: { entry: string; kept: number } | undefined;
  for (const name of readdirSync(cache)) {
    const manifest = path.join(cache, name, 'package.json');
    if (name.startsWith('.') || !existsSync(manifest)) continue;
    const kept = keptFrom(JSON.parse(readFileSync(manifest, 'utf8')) as PackageJson, pkg);
    if (kept > (best?.kept ?? 0)) best = { entry: path.join(cache, name), kept };
  }
  return best?.entry;
}

/** Kept whole or not at all (with the package.json it installs): linked aside, then renamed into place. */
function store(entry: string): void {
  const staging = mkdtempSync(path.join(cache, '.staging-'));
  try {
    linkNodeModules('.', staging);
    const record = path.join('node_modules', '.package-lock.json');
    if (existsSync(record)) execFileSync('cp', ['--remove-destination', record, path.join(staging, record)]);
    execFileSync('cp', ['package-lock.json', 'package.json', staging]);
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
    const base = baseFor(pkg);
    if (base) {
      // npm then adds what this package.json adds; the lockfiles it rewrites are the project's own files (renameLockfile).
      copyFromCache(base, pkg.name);
      console.log(`started from the install of a package.json whose dependencies this one keeps (${path.basename(base)}); npm installs the rest`);
    }
    code = await npmInstall();
    if (code === 0) store(entry);
  }
} finally {
  await release();
}
process.exit(code);
