// The gate's throwaway files in RAM. A run creates and removes files by the
// hundred thousand (installs, node_modules linked from the install cache,
// database clusters); on an ext4 without a journal, as on the CI machine, each
// new file searches the inode bitmaps past recently deleted inodes
// (find_inode_bit, recently_deleted: 5% of the run's processor time, sampled
// with perf). In tmpfs that search does not exist: the run took 496 s of
// vitest where it took 541 s on disk, measured back to back.
//
// Only where there is room (a tmpfs at /dev/shm with 8 GiB free and 12 GiB
// of memory available: a run keeps up to about 5.2 GiB there), and never
// over a TMPDIR the developer set. Called from vitest.config.ts, before any
// worker starts, so that every test and every process it spawns inherits it.

import { chmodSync, mkdirSync, rmSync, statfsSync, symlinkSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';
import path from 'node:path';
import { processTempDir } from '../../packages/neon-on-localhost/src/process-temp-dir.ts';

const RAM = '/dev/shm';
const TMPFS_MAGIC = 0x01021994;
const GiB = 2 ** 30;

function roomInRam(): boolean {
  try {
    const fs = statfsSync(RAM);
    return fs.type === TMPFS_MAGIC && fs.bavail * fs.bsize >= 8 * GiB && freemem() >= 12 * GiB;
  } catch {
    return false;
  }
}

/** Points TMPDIR at a folder of this run's in RAM, removed when the run exits (or by the next run, if this one is killed). */
export function useRamTempDir(): void {
  if (process.env.TMPDIR || !roomInRam()) return;
  const disk = tmpdir();
  const dir = processTempDir('neon-edge-gate-', RAM);
  chmodSync(dir, 0o1777); // as /tmp: Postgres runs as its own user, and some tests run the CLI as nobody
  // npm, tsc and vite keep a compile cache in the temp dir: they keep using the one on disk (a run with a new one took about 2 minutes longer).
  const compileCache = path.join(disk, 'node-compile-cache');
  mkdirSync(compileCache, { recursive: true });
  symlinkSync(compileCache, path.join(dir, 'node-compile-cache'));
  process.env.TMPDIR = dir;
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
}
