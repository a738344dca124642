import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/scaffold/workspace.ts';

let tmp: string;

beforeEach(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'neon-workspace-')));
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Writes what a scaffold would: files and a nested folder. */
function writeSome(dir: string): void {
  writeFileSync(path.join(dir, 'package.json'), '{}');
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'src', 'index.ts'), 'export {};');
  writeFileSync(path.join(dir, '.gitignore'), 'node_modules\n');
}

describe('Workspace on a missing directory', () => {
  it('creates it with its missing parents, and rollback removes the top-most one it created', () => {
    const dir = path.join(tmp, 'a', 'b', 'c');
    const ws = new Workspace(dir);
    expect(existsSync(path.join(tmp, 'a'))).toBe(false);
    ws.begin();
    expect(existsSync(dir)).toBe(true);
    writeSome(dir);
    expect(ws.rollback()).toBe(`removed ${path.join(tmp, 'a')}`);
    expect(existsSync(path.join(tmp, 'a'))).toBe(false);
    expect(existsSync(tmp)).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('removes only what it created when a parent already existed', () => {
    mkdirSync(path.join(tmp, 'a'));
    writeFileSync(path.join(tmp, 'a', 'keep.txt'), 'keep');
    const dir = path.join(tmp, 'a', 'b', 'c');
    const ws = new Workspace(dir);
    ws.begin();
    writeSome(dir);
    expect(ws.rollback()).toBe(`removed ${path.join(tmp, 'a', 'b')}`);
    expect(readdirSync(path.join(tmp, 'a'))).toEqual(['keep.txt']);
    expect(readFileSync(path.join(tmp, 'a', 'keep.txt'), 'utf8')).toBe('keep');
  });

  it('removes a single missing directory', () => {
    const dir = path.join(tmp, 'proj');
    const ws = new Workspace(dir);
    ws.begin();
    writeSome(dir);
    expect(ws.rollback()).toBe(`removed ${dir}`);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('Workspace on an existing directory', () => {
  it('removes only the new entries and keeps the old ones intact', () => {
    const dir = path.join(tmp, 'proj');
    mkdirSync(path.join(dir, '.git'), { recursive: true });
    writeFileSync(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(path.join(dir, 'README.md'), 'my readme');
    mkdirSync(path.join(dir, 'docs'));
    writeFileSync(path.join(dir, 'docs', 'notes.md'), 'notes');

    const ws = new Workspace(dir);
    ws.begin();
    writeSome(dir);
    mkdirSync(path.join(dir, 'neon-on-localhost'));
    writeFileSync(path.join(dir, 'neon-on-localhost', 'proxy.ts'), '');

    expect(ws.rollback()).toBe(`removed what was written to ${dir}`);
    expect(readdirSync(dir).sort()).toEqual(['.git', 'README.md', 'docs']);
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('my readme');
    expect(readFileSync(path.join(dir, 'docs', 'notes.md'), 'utf8')).toBe('notes');
    expect(readFileSync(path.join(dir, '.git', 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
  });

  it('restores files it overwrote and removes what it added inside folders that already existed', () => {
    const dir = path.join(tmp, 'proj');
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    writeFileSync(path.join(dir, 'README.md'), 'my readme', { mode: 0o640 });
    writeFileSync(path.join(dir, 'src', 'mine.ts'), 'mine');
    writeFileSync(path.join(dir, 'src', 'index.ts'), 'my index');

    const ws = new Workspace(dir);
    ws.begin();
    ws.preserve(['README.md', 'package.json', 'src/index.ts', 'src/lib/util.ts', '.dev.vars']);
    writeFileSync(path.join(dir, 'README.md'), 'template readme');
    writeFileSync(path.join(dir, 'package.json'), '{}');
    writeFileSync(path.join(dir, '.dev.vars'), 'DATABASE_URL=x');
    writeFileSync(path.join(dir, 'src', 'index.ts'), 'export {};');
    mkdirSync(path.join(dir, 'src', 'lib'));
    writeFileSync(path.join(dir, 'src', 'lib', 'util.ts'), '');

    expect(ws.rollback()).toBe(`removed what was written to ${dir} and restored the 2 file(s) it overwrote`);
    expect(readdirSync(dir).sort()).toEqual(['README.md', 'src']);
    expect(readdirSync(path.join(dir, 'src')).sort()).toEqual(['index.ts', 'mine.ts']);
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('my readme');
    expect(statSync(path.join(dir, 'README.md')).mode & 0o777).toBe(0o640);
    expect(readFileSync(path.join(dir, 'src', 'index.ts'), 'utf8')).toBe('my index');
    expect(readFileSync(path.join(dir, 'src', 'mine.ts'), 'utf8')).toBe('mine');
  });

  it('keeps an existing empty directory', () => {
    const dir = path.join(tmp, 'empty');
    mkdirSync(dir);
    const ws = new Workspace(dir);
    ws.begin();
    writeSome(dir);
    ws.rollback();
    expect(existsSync(dir)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('Workspace lifecycle', () => {
  it('does nothing on rollback after commit()', () => {
    const dir = path.join(tmp, 'a', 'proj');
    const ws = new Workspace(dir);
    ws.begin();
    writeSome(dir);
    ws.commit();
    expect(ws.rollback()).toBeUndefined();
    expect(readdirSync(dir).sort()).toEqual(['.gitignore', 'package.json', 'src']);
  });

  it('is safe to roll back twice', () => {
    const dir = path.join(tmp, 'proj');
    const ws = new Workspace(dir);
    ws.begin();
    writeSome(dir);
    expect(ws.rollback()).toBe(`removed ${dir}`);
    expect(existsSync(dir)).toBe(false);
    // The second call undoes nothing more; it repeats what the first one undid.
    expect(ws.rollback()).toBe(`removed ${dir}`);
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('removes nothing on a second rollback, even files that appeared since', () => {
    const dir = path.join(tmp, 'proj');
    mkdirSync(dir);
    const ws = new Workspace(dir);
    ws.begin();
    writeFileSync(path.join(dir, 'first.txt'), '');
    const first = ws.rollback();
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(path.join(dir, 'later.txt'), 'by someone else');
    expect(ws.rollback()).toBe(first);
    expect(readdirSync(dir)).toEqual(['later.txt']);
    expect(readFileSync(path.join(dir, 'later.txt'), 'utf8')).toBe('by someone else');
  });

  it('does nothing on rollback before begin()', () => {
    const dir = path.join(tmp, 'proj');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'x'), '');
    const ws = new Workspace(dir);
    writeFileSync(path.join(dir, 'y'), '');
    expect(ws.rollback()).toBeUndefined();
    expect(readdirSync(dir).sort()).toEqual(['x', 'y']);
  });
});
