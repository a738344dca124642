// What a generated project's `npm test` printed: all its tests passed (how
// many is the template's business, and a user's new test changes it), and a
// passing run reads clean.

import { expect } from 'vitest';

export function expectAllPassed(output: string): void {
  const m = /Tests\s+(\d+) passed \((\d+)\)/.exec(output);
  expect(m, output).not.toBeNull();
  expect(Number(m![1]), output).toBeGreaterThan(0);
  expect(m![1], output).toBe(m![2]);
}

/** Each test file ran on a database of its own (neon-on-localhost/vitest/database), the template's own-database test among them. */
export function expectOwnDatabases(output: string): void {
  expect(output).toMatch(/✓ .*test\/own-database\.test\.ts/);
  expect(output).not.toContain('the test files share one database');
}

/** No advice from vitest to share workers across files (isolate: false), which would carry one file's module state to the next file's database. */
export function expectNoSharedWorkersAdvice(output: string): void {
  expect(output).not.toContain('isolate: false');
}

/** Noise a passing run must not print: captured console output, wrangler's missing-secret warning, vitest's advice to share workers. */
export function expectQuiet(output: string): void {
  expect(output).not.toMatch(/stderr \|/);
  expect(output).not.toContain('Missing required secrets');
  expectNoSharedWorkersAdvice(output);
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * A generated project's `npm test` stopped by its set-up: after npm's header
 * (`> app@0.0.0 test`, `> vitest run`) and vitest's banner (`RUN v5.1.1 …`),
 * the one line saying why and what to fix is all it printed.
 */
export function expectStoppedWith(output: string, line: string): void {
  const said = output
    .replace(ANSI, '')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('> ') && !/^\s*RUN\s+v\d/.test(l));
  expect(said, output).toEqual([line]);
}
