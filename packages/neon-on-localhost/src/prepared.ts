// The prepared database: the slow part of an embedded database paid once.
// initdb, the extensions (PostGIS: about 12 s to create), the migrations and
// the project's seed (worker-postgis: 171,000 places) run once; the result is
// kept as a data directory tarball (PGlite's dumpDataDir) in
// `.neon-localhost/prepared.tar.gz`, with `prepared.json` saying what it was
// made from. Every later embedded database of the project (the tests' in-memory
// ones, a new `.neon-localhost/pgdata`) starts from a copy of it.
//
// It is made again when its fingerprint changes: the toolkit's and the
// engine's versions, the extensions, the migrations (names and contents), the
// seed script and the files it names as its inputs.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MIGRATIONS_DIR, readMigrations } from './migrate.ts';
import type { ProjectConfig, Seed } from './project-config.ts';

export const PREPARED_DIR = '.neon-localhost';
const TARBALL = 'prepared.tar.gz';
const MANIFEST = 'prepared.json';

export interface PreparedManifest {
  fingerprint: string;
  /** What made it, for people reading the file. */
  engine: string;
  extensions: string[];
  migrations: string[];
  seed: string | null;
  preparedAt: string;
}

const toolkitVersion = (): string => (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Every file under `target` (a file or a folder), in a stable order. */
function filesUnder(target: string): string[] {
  if (!existsSync(target)) return [];
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target)
    .sort()
    .flatMap((name) => filesUnder(path.join(target, name)));
}

function seedInputsHash(projectDir: string, seed: Seed): string {
  const hash = createHash('sha256');
  for (const input of seed.inputs) {
    for (const file of filesUnder(path.join(projectDir, input))) {
      hash
        .update(`${path.relative(projectDir, file)}\0`)
        .update(readFileSync(file))
        .update('\0');
    }
  }
  return hash.digest('hex');
}

/** What the prepared database is made of, as one hash. */
export function fingerprintOf(
  projectDir: string,
  config: ProjectConfig,
  engine: string,
): { fingerprint: string; manifest: Omit<PreparedManifest, 'preparedAt'> } {
  const migrations = readMigrations(path.join(projectDir, MIGRATIONS_DIR));
  const parts = {
    toolkit: toolkitVersion(),
    engine,
    extensions: config.extensions,
    migrations: migrations.map((m) => `${m.name} ${m.checksum}`),
    seed: config.seed ? { script: config.seed.script, command: config.seed.command, inputs: seedInputsHash(projectDir, config.seed) } : null,
  };
  const fingerprint = createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  return {
    fingerprint,
    manifest: { fingerprint, engine, extensions: config.extensions, migrations: migrations.map((m) => m.name), seed: config.seed?.script ?? null },
  };
}

const paths = (projectDir: string) => ({
  tarball: path.join(projectDir, PREPARED_DIR, TARBALL),
  manifest: path.join(projectDir, PREPARED_DIR, MANIFEST),
  lock: path.join(projectDir, PREPARED_DIR, 'prepared.lock'),
});

export const preparedLockFile = (projectDir: string) => paths(projectDir).lock;

/** The prepared tarball's path when it matches `fingerprint`, else undefined. */
export function freshPrepared(projectDir: string, fingerprint: string): string | undefined {
  const { tarball, manifest } = paths(projectDir);
  if (!existsSync(tarball) || !existsSync(manifest)) return undefined;
  try {
    if ((JSON.parse(readFileSync(manifest, 'utf8')) as PreparedManifest).fingerprint !== fingerprint) return undefined;
  } catch {
    return undefined;
  }
  return tarball;
}

/** Keeps `db`'s data directory as the prepared one: the tarball first, then the manifest that vouches for it. Returns the tarball's path. */
export async function savePrepared(db: { dump(): Promise<Blob> }, projectDir: string, manifest: Omit<PreparedManifest, 'preparedAt'>): Promise<string> {
  const { tarball, manifest: manifestFile } = paths(projectDir);
  mkdirSync(path.dirname(tarball), { recursive: true, mode: 0o700 });
  const data = Buffer.from(await (await db.dump()).arrayBuffer());
  writeFileSync(`${tarball}.tmp`, data, { mode: 0o600 });
  renameSync(`${tarball}.tmp`, tarball);
  writeFileSync(`${manifestFile}.tmp`, `${JSON.stringify({ ...manifest, preparedAt: new Date().toISOString() }, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${manifestFile}.tmp`, manifestFile);
  return tarball;
}

/**
 * Runs the project's seed script against `databaseUrl`, as the package
 * manager would run it (a shell, node_modules/.bin on PATH), with its output
 * passed to `log` line by line. Throws one line when it fails.
 */
export function runSeed(projectDir: string, seed: Seed, databaseUrl: string, log: (line: string) => void): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PATH: `${path.join(projectDir, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
  };
  delete env.DATABASE_URL_UNPOOLED; // it would win over DATABASE_URL
  const child = spawn(seed.command, { cwd: projectDir, env, shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const take = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split(/\r?\n|\r/)) {
      if (!line.trim()) continue;
      lines.push(line);
      log(`  ${line}`);
    }
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`the seed script "${seed.script}" did not start: ${err.message}`)));
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`the seed script "${seed.script}" failed (exit code ${code}): ${lines.at(-1) ?? 'no output'}`));
    });
  });
}
