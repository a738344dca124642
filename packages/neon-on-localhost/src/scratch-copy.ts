// In-memory databases started from a project's prepared tarball (a test
// run's, and one per test file) open in about half the time from a folder:
// PGlite loading the tarball into memory takes about 2.2 s, opening the same
// data from a folder about 1.05 s. Unpacking takes about 1 s itself, so the
// tarball is unpacked once, beside it, into a folder named for its version
// (`prepared.tar.gz.d/<version>`, a new one when the tarball changes), and
// each database opens a throwaway copy of that folder in the temp dir
// (0.04–0.12 s), removed when it closes. Several processes may want it at
// once (a test run's proxy and a `db:setup`): a version's folder only ever
// appears whole, by a rename, and is never replaced, so no process copies
// from a folder another one is rewriting. What a process killed outright
// left is removed by the next one. A new embedded folder (embedded.ts) is
// unpacked the same way, by unpackInto.

import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { extract } from 'tar';
import { processStart } from './lock.ts';
import { ownerPid, processTempDir } from './process-temp-dir.ts';

const SCRATCH_PREFIX = 'neon-edge-pgdata-';

/** Only a project's prepared database is kept unpacked (not the engine's tarball, inside node_modules). */
export function keptUnpacked(tarball: string): boolean {
  return path.basename(path.dirname(path.resolve(tarball))) === '.neon-localhost';
}

/** The tarball's version: its size and modification time, which every rewrite of it changes. */
const versionOf = (tarball: string) => {
  const { mtimeMs, size } = statSync(tarball);
  return `${Math.round(mtimeMs * 1000)}-${size}`;
};

/** Unpacks a data directory tarball into the empty folder `dataDir`, whole or not at all. */
export async function unpackInto(tarball: string, dataDir: string): Promise<void> {
  const unpacking = await extracted(tarball, `${dataDir}.unpacking-${process.pid}`);
  try {
    rmSync(dataDir, { recursive: true, force: true });
    renameSync(unpacking, dataDir);
  } finally {
    rmSync(unpacking, { recursive: true, force: true });
  }
}

/** The tarball extracted into the new folder `into` (0700), which is removed if that fails. */
async function extracted(tarball: string, into: string): Promise<string> {
  rmSync(into, { recursive: true, force: true });
  mkdirSync(into, { mode: 0o700 });
  try {
    // tar takes the tarball's absolute member names (/PG_VERSION…) as relative to the folder.
    await extract({ file: tarball, cwd: into });
    return into;
  } catch (err) {
    rmSync(into, { recursive: true, force: true });
    throw err;
  }
}

const UNPACKING = '.unpacking-';

/** The tarball's version unpacked beside it: whole, by one process or another, and never rewritten. */
async function unpack(tarball: string, version: string): Promise<string> {
  const parent = `${tarball}.d`;
  const dir = path.join(parent, version);
  if (existsSync(dir)) return dir;
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const unpacking = await extracted(tarball, path.join(parent, `${UNPACKING}${process.pid}-${randomUUID()}`));
  try {
    renameSync(unpacking, dir);
  } catch (err) {
    // Another process put this version there first (a directory is not renamed over a full one): use it.
    if (!existsSync(dir)) throw err;
  } finally {
    rmSync(unpacking, { recursive: true, force: true });
  }
  removeOtherVersions(parent, version);
  return dir;
}

/** Earlier versions, what the layout before versions left (its files and stamp), and unpackings of processes that are gone. */
function removeOtherVersions(parent: string, version: string): void {
  rmSync(`${parent}.stamp`, { force: true });
  for (const name of readdirSync(parent)) {
    const pid = ownerPid(name, UNPACKING);
    if (name === version || (pid !== undefined && processStart(pid) !== undefined)) continue;
    rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

// Once per tarball version in a process: a run opens several copies at once.
const unpacking = new Map<string, Promise<string>>();
function unpacked(tarball: string): Promise<string> {
  const version = versionOf(tarball);
  const key = `${path.resolve(tarball)} ${version}`;
  let dir = unpacking.get(key);
  if (!dir) {
    dir = unpack(tarball, version);
    unpacking.set(key, dir);
    dir.catch(() => unpacking.delete(key));
  }
  return dir;
}

/** A private throwaway copy of the tarball's data directory, for one database; `remove` deletes it. */
export async function scratchCopy(tarball: string): Promise<{ dir: string; remove(): void }> {
  const source = await unpacked(tarball);
  const dir = processTempDir(SCRATCH_PREFIX);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    cpSync(source, dir, { recursive: true });
  } catch (err) {
    remove();
    throw err;
  }
  return { dir, remove };
}
