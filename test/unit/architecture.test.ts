// The scaffolder's shape: no import cycle in src/ (type imports count: they
// tie modules together as much as value imports do), and the toolkit used
// only through its package exports.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCircular, parseDependencyTree } from 'dpdm';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../..');

async function cycles(cwd: string, files: string): Promise<string[][]> {
  // dpdm's defaults otherwise: node_modules (the toolkit too) is not followed.
  const tree = await parseDependencyTree(files, { cwd, context: cwd, transform: false, skipDynamicImports: false });
  return parseCircular(tree);
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

describe('src/', () => {
  it('has no import cycle', async () => {
    expect(await cycles(REPO, 'src/**/*.ts')).toEqual([]);
  });

  it('the check finds a cycle, type imports included (so the test above can fail)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cycles-'));
    try {
      mkdirSync(path.join(dir, 'src'));
      writeFileSync(path.join(dir, 'src/a.ts'), "import { b } from './b.ts';\nexport interface A { b: typeof b }\n");
      writeFileSync(path.join(dir, 'src/b.ts'), "import type { A } from './a.ts';\nexport const b: A | undefined = undefined;\n");
      expect((await cycles(dir, 'src/**/*.ts')).map((cycle) => [...cycle].sort())).toEqual([['src/a.ts', 'src/b.ts']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses neon-on-localhost only through its package exports, never its sources', () => {
    const reaching = sources(path.join(REPO, 'src')).filter((file) => /from '(\.\.\/)+packages\//.test(readFileSync(file, 'utf8')));
    expect(reaching.map((file) => path.relative(REPO, file))).toEqual([]);
  });
});
