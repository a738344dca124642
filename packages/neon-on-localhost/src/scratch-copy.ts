// In-memory databases started from a project's prepared tarball (a test
// run's, and one per test file) open in about half the time from a folder:
// PGlite loading the tarball into memory takes about 2.2 s, opening the same
// data from a folder about 1.05 s. Unpacking takes about 1 s itself, so the
// tarball is unpacked once, beside it (`prepared.tar.gz.d`, made again when
// the tarball changes), and each database opens a throwaway copy of that
// folder in the temp dir (0.04–0.12 s), removed when it closes. What a
// process killed outright left there is removed by the next one. A new
// embedded folder (embedded.ts) is unpacked the same way, by unpackInto.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extract } from 'tar';
import { processStart } from './lock.ts';

const SCRATCH_PREFIX = 'neon-edge-pgdata-';

/** Only a project's prepared database is kept unpacked (not the engine's tarball, inside node_modules). */
export function keptUnpacked(tarball: string): boolean {
  return path.basename(path.dirname(path.resolve(tarball))) === '.neon-localhost';
}

const stampOf = (tarball: string) => {
  const { mtimeMs, size } = statSync(tarball);
  return `${mtimeMs} ${size}`;
};

/** Unpacks a data directory tarball into the empty folder `dataDir`, whole or not at all. */
export async function unpackInto(tarball: string, dataDir: string): Promise<void> {
  const unpacking = `${dataDir}.unpacking-${process.pid}`;
  rmSync(unpacking, { recursive: true, force: true });
  mkdirSync(unpacking, { mode: 0o700 });
  try {
    // tar takes the tarball's absolute member names (/PG_VERSION…) as relative to the folder.
    await extract({ file: tarball, cwd: unpacking });
    rmSync(dataDir, { recursive: true, force: true });
    renameSync(unpacking, dataDir);
  } finally {
    rmSync(unpacking, { recursive: true, force: true });
  }
}

/** The tarball unpacked beside it: made whole (or again when the tarball changed), then stamped. */
async function unpack(tarball: string, stamp: string): Promise<string> {
  const dir = `${tarball}.d`;
  const stampFile = `${dir}.stamp`;
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return dir;
  rmSync(stampFile, { force: true });
  await unpackInto(tarball, dir);
  writeFileSync(stampFile, stamp, { mode: 0o600 });
  return dir;
}

// Once per tarball version in a process: a run opens several copies at once.
const unpacking = new Map<string, Promise<string>>();
function unpacked(tarball: string): Promise<string> {
  const stamp = stampOf(tarball);
  const key = `${path.resolve(tarball)} ${stamp}`;
  let dir = unpacking.get(key);
  if (!dir) {
    dir = unpack(tarball, stamp);
    unpacking.set(key, dir);
    dir.catch(() => unpacking.delete(key));
  }
  return dir;
}

let swept = false;
/** Removes the copies of processes that are gone (killed outright: their close never ran). */
function sweep(): void {
  if (swept) return;
  swept = true;
  for (const name of readdirSync(tmpdir())) {
    const pid = new RegExp(`^${SCRATCH_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (pid && processStart(Number(pid)) === undefined) rmSync(path.join(tmpdir(), name), { recursive: true, force: true });
  }
}

/** A private throwaway copy of the tarball's data directory, for one database; `remove` deletes it. */
export async function scratchCopy(tarball: string): Promise<{ dir: string; remove(): void }> {
  sweep();
  const source = await unpacked(tarball);
  const dir = mkdtempSync(path.join(tmpdir(), `${SCRATCH_PREFIX}${process.pid}-`)); // 0700
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    cpSync(source, dir, { recursive: true });
  } catch (err) {
    remove();
    throw err;
  }
  return { dir, remove };
}
