// Throwaway databases from a project's prepared tarball open from a copy of
// it unpacked (src/scratch-copy.ts): unpacked once beside the tarball and
// again when it changes, whole for each of several processes unpacking it at
// once, each copy private and removed after, and what a process killed
// outright left in the temp dir removed by the next.

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { create } from 'tar';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

const root = mkdtempSync(path.join(tmpdir(), 'nol-scratch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A `.neon-localhost/prepared.tar.gz` whose one file PG_VERSION holds `text` (absolute member names, as PGlite writes them). */
async function preparedTarball(project: string, text: string): Promise<string> {
  const data = path.join(project, 'data');
  mkdirSync(data, { recursive: true });
  writeFileSync(path.join(data, 'PG_VERSION'), text);
  const tarball = path.join(project, '.neon-localhost', 'prepared.tar.gz');
  mkdirSync(path.dirname(tarball), { recursive: true });
  await create({ file: tarball, gzip: true, cwd: data, prefix: '/' }, ['PG_VERSION']);
  return tarball;
}

// A fresh module per test: it sweeps once per process.
const load = () => import('../src/scratch-copy.ts');
beforeEach(() => vi.resetModules());

describe('a throwaway copy of a prepared database', () => {
  it('is a private folder in the temp dir, from the tarball unpacked once beside it, and gone once removed', async () => {
    const tarball = await preparedTarball(path.join(root, 'once'), '17\n');
    const { scratchCopy } = await load();
    const first = await scratchCopy(tarball);
    const second = await scratchCopy(tarball);
    expect(first.dir).not.toBe(second.dir);
    for (const copy of [first, second]) {
      expect(path.dirname(copy.dir)).toBe(tmpdir());
      expect(statSync(copy.dir).mode & 0o777).toBe(0o700);
      expect(readFileSync(path.join(copy.dir, 'PG_VERSION'), 'utf8')).toBe('17\n');
    }
    const versions = readdirSync(`${tarball}.d`);
    expect(versions).toHaveLength(1);
    expect(readFileSync(path.join(`${tarball}.d`, versions[0], 'PG_VERSION'), 'utf8')).toBe('17\n');
    first.remove();
    expect(existsSync(first.dir)).toBe(false);
    expect(existsSync(second.dir)).toBe(true);
    second.remove();
  });

  it('is unpacked again when the tarball changes, and the earlier version (or the unversioned layout of 0.1) removed', async () => {
    const project = path.join(root, 'changes');
    const tarball = await preparedTarball(project, 'before\n');
    // As an earlier neon-on-localhost left it: the data directly in prepared.tar.gz.d, and a stamp beside it.
    mkdirSync(`${tarball}.d`);
    writeFileSync(path.join(`${tarball}.d`, 'PG_VERSION'), 'old layout\n');
    writeFileSync(`${tarball}.d.stamp`, '1 2');
    const { scratchCopy } = await load();
    (await scratchCopy(tarball)).remove();
    const [before, ...others] = readdirSync(`${tarball}.d`);
    expect(others).toEqual([]);
    expect(existsSync(`${tarball}.d.stamp`)).toBe(false);
    await preparedTarball(project, 'after, longer\n');
    utimesSync(tarball, new Date(), new Date(Date.now() + 5_000));
    const copy = await scratchCopy(tarball);
    expect(readFileSync(path.join(copy.dir, 'PG_VERSION'), 'utf8')).toBe('after, longer\n');
    copy.remove();
    expect(readdirSync(`${tarball}.d`)).toHaveLength(1);
    expect(readdirSync(`${tarball}.d`)).not.toContain(before);
  });

  it('is unpacked by several processes at once (a test run and a db:setup), and each one gets a whole copy', async () => {
    const project = path.join(root, 'racing');
    const data = path.join(project, 'data');
    // Enough files that unpacking and copying take a while: the processes overlap.
    for (let d = 0; d < 20; d++) {
      mkdirSync(path.join(data, 'base', String(d)), { recursive: true });
      for (let f = 0; f < 50; f++) writeFileSync(path.join(data, 'base', String(d), String(f)), `${d}/${f}\n`.repeat(200));
    }
    writeFileSync(path.join(data, 'PG_VERSION'), '17\n');
    const tarball = path.join(project, '.neon-localhost', 'prepared.tar.gz');
    mkdirSync(path.dirname(tarball), { recursive: true });
    await create({ file: tarball, gzip: true, cwd: data, prefix: '/' }, ['PG_VERSION', 'base']);
    const source = fileURLToPath(new URL('../src/scratch-copy.ts', import.meta.url));
    const script = `
      const { scratchCopy } = await import(${JSON.stringify(source)});
      const { readFileSync } = await import('node:fs');
      for (let i = 0; i < 2; i++) {
        const copy = await scratchCopy(${JSON.stringify(tarball)});
        if (readFileSync(copy.dir + '/base/19/49', 'utf8') !== '19/49\\n'.repeat(200)) throw new Error('partial copy');
        copy.remove();
      }`;
    const children = Array.from({ length: 4 }, () => {
      const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', '--input-type=module', '-e', script], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      return once(child, 'exit').then(([code]) => ({ code: code as number, stderr }));
    });
    for (const { code, stderr } of await Promise.all(children)) expect(code, stderr).toBe(0);
    expect(readdirSync(path.dirname(tarball)).sort()).toEqual(['prepared.tar.gz', 'prepared.tar.gz.d']);
  }, 60_000);

  it("removes the copies of a process that is gone, and keeps a live process's", async () => {
    const gone = spawnSync(process.execPath, ['-p', 'process.pid'], { encoding: 'utf8' }).stdout.trim();
    const left = mkdtempSync(path.join(tmpdir(), `neon-edge-pgdata-${gone}-`));
    const live = mkdtempSync(path.join(tmpdir(), `neon-edge-pgdata-${process.pid}-`));
    try {
      const tarball = await preparedTarball(path.join(root, 'sweep'), '17\n');
      const { scratchCopy } = await load();
      (await scratchCopy(tarball)).remove();
      expect(existsSync(left)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      rmSync(left, { recursive: true, force: true });
      rmSync(live, { recursive: true, force: true });
    }
  });

  it("is only for a project's prepared database: the engine's tarball, inside node_modules, is loaded into memory", async () => {
    const { keptUnpacked } = await load();
    expect(keptUnpacked('/p/.neon-localhost/prepared.tar.gz')).toBe(true);
    expect(keptUnpacked('/p/node_modules/@electric-sql/pglite-prepopulatedfs/dist/pgdata.tar.gz')).toBe(false);
  });
});
