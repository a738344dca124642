// The folders a process keeps in the temp dir (the embedded database's
// socket, a database's scratch copy) are removed by the next process when
// the one that made them was killed outright and never cleaned up.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const PREFIX = 'neon-edge-pglite-';
const src = (file: string) => JSON.stringify(fileURLToPath(new URL(`../src/${file}`, import.meta.url)));

/** An embedded database in a process killed outright (SIGKILL) once it is open: its close never runs. */
function socketFolderOfKilledProcess(): string {
  const script = `const { startEmbeddedPostgres } = await import(${src('embedded.ts')});
    await startEmbeddedPostgres('memory');
    process.kill(process.pid, 'SIGKILL');`;
  const child = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(child.signal, child.stderr).toBe('SIGKILL');
  const left = readdirSync(tmpdir()).filter((name) => name.startsWith(`${PREFIX}${child.pid}-`));
  expect(left).toHaveLength(1);
  return path.join(tmpdir(), left[0]);
}

// A fresh module per test: it sweeps once per process and prefix.
beforeEach(() => vi.resetModules());

describe('processTempDir', () => {
  it("makes a private folder named for this process, after removing the socket folder of an embedded database killed outright (a live process's stays)", async () => {
    const left = socketFolderOfKilledProcess();
    expect(existsSync(path.join(left, '.s.PGSQL'))).toBe(true);
    const { processTempDir } = await import('../src/process-temp-dir.ts');
    const mine = processTempDir(PREFIX);
    try {
      expect(existsSync(left)).toBe(false);
      expect(path.dirname(mine)).toBe(tmpdir());
      expect(path.basename(mine)).toMatch(new RegExp(`^${PREFIX}${process.pid}-`));
      expect(statSync(mine).mode & 0o777).toBe(0o700);
      // Another process of ours sweeping now keeps this one: its process is alive.
      vi.resetModules();
      const again = await import('../src/process-temp-dir.ts');
      rmSync(again.processTempDir(PREFIX), { recursive: true });
      expect(existsSync(mine)).toBe(true);
    } finally {
      rmSync(mine, { recursive: true, force: true });
      rmSync(left, { recursive: true, force: true });
    }
  });
});
