import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.ts';
import { LONGEST_FILES } from '../support/longest-first-sequencer.ts';

describe("the gate's schedule (longest-first-sequencer.ts)", () => {
  it('names test files that exist, each once', () => {
    expect(LONGEST_FILES.filter((file) => !existsSync(path.join(REPO_ROOT, file)))).toEqual([]);
    expect(new Set(LONGEST_FILES).size).toBe(LONGEST_FILES.length);
  });
});
