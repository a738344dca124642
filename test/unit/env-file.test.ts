// .dev.vars / .env.local as wrangler reads them (dotenv.parse, the version
// wrangler bundles) and as the generated project's proxy and loader read them
// (parseEnvFile): the two must agree on every file, and what the scaffolder
// writes must read back as exactly the URL it was given, whatever the password.

import dotenv from 'dotenv';
import { describe, expect, it } from 'vitest';
import { parseEnvFile } from 'neon-on-localhost/database-url';
import { envLine, mergeGitignore, setEnvVar } from '../../src/scaffold/write-project.ts';

/** A small deterministic generator, so a failure names a reproducible case. */
function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

const NASTY = ["'", '"', '`', '\\', '\\n', '\\r', '$', '${X}', '#', '=', ':', ' ', '%27', 'é', "\\'", '\\"', 'export ', 'p'];

function nastyPasswords(count: number): string[] {
  const rnd = random(42);
  const out = ["pa'ss\\nword", "'\\n'", '"\\n"', '`\'"\\n', 'x\'y"z`w\\n\\r$HOME', 'ends-with\\', "'", '\\', "a\\'b"];
  while (out.length < count) {
    let p = '';
    const len = 1 + Math.floor(rnd() * 10);
    for (let i = 0; i < len; i++) p += NASTY[Math.floor(rnd() * NASTY.length)];
    out.push(p);
  }
  return out;
}

describe('envLine writes DATABASE_URL so that wrangler and the proxy read back exactly the URL', () => {
  // The scaffolder accepts any URL without whitespace, control characters or '#'
  // (validateDatabaseUrl); users paste passwords with quotes and backslashes unencoded.
  const urls = nastyPasswords(2000)
    .map((p) => p.replace(/[\s#]/g, ''))
    .flatMap((p) => [`postgres://alice:${p}@host/db`, `postgresql://u:${p}@ep-x.neon.tech/neondb?sslmode=require&x=${p}`]);

  it.each(["postgres://alice:pa'ss\\nword@host/db", 'postgres://alice:pa"ss\\nword@host/db', 'postgres://a:\'`"\\n\\r$X@h/db'])('%s', (url) => {
    const line = envLine('DATABASE_URL', url);
    expect(dotenv.parse(line).DATABASE_URL).toBe(url);
    expect(parseEnvFile(line).DATABASE_URL).toBe(url);
  });

  it(`round-trips ${urls.length} URLs with nasty passwords through both readers`, () => {
    for (const url of urls) {
      const line = envLine('DATABASE_URL', url);
      expect(dotenv.parse(line), line).toEqual({ DATABASE_URL: url });
      expect(parseEnvFile(line), line).toEqual({ DATABASE_URL: url });
    }
  });

  it('also round-trips values with spaces and line breaks that a URL cannot have', () => {
    for (const value of [...nastyPasswords(500), ' lead', 'trail ', 'a b', 'line\nbreak', "it's a\nvalue"]) {
      let line: string;
      try {
        line = envLine('K', value);
      } catch {
        continue; // some values have no dotenv spelling at all: refused, never written wrong
      }
      expect(dotenv.parse(line).K, JSON.stringify(value)).toBe(value);
      expect(parseEnvFile(line).K, JSON.stringify(value)).toBe(value);
    }
  });
});

describe('parseEnvFile reads every file exactly as dotenv does', () => {
  const PIECES = [
    'A',
    'B',
    'KEY',
    '=',
    ' = ',
    ':',
    ': ',
    "'",
    '"',
    '`',
    '\\',
    'n',
    '\\n',
    '\\r',
    '#',
    ' # c',
    ' ',
    '\t',
    '\n',
    '\r\n',
    '\r',
    'x',
    'export ',
    '.',
    '-',
    '$',
    'é',
    '\u00a0',
  ];
  it('on 50,000 random files built from the characters that matter', () => {
    const rnd = random(7);
    for (let n = 0; n < 50_000; n++) {
      let text = '';
      const len = 1 + Math.floor(rnd() * 30);
      for (let i = 0; i < len; i++) text += PIECES[Math.floor(rnd() * PIECES.length)];
      expect(parseEnvFile(text), JSON.stringify(text)).toEqual(dotenv.parse(text));
    }
  });

  it.each([
    'A=1\nB="two\nlines"\nC=3',
    "A='x'y\nB='a\\'b'",
    'export A=1 # comment\n# B=2\n  C = " spaced "  ',
    'A="unterminated\\n\nB=2',
    'A=`back\'"tick`',
    "A=\n'quoted on the next line'",
    'KEY\n=split',
  ])('%j', (text) => {
    expect(parseEnvFile(text)).toEqual(dotenv.parse(text));
  });
});

describe('setEnvVar keeps the other secrets of an existing file', () => {
  const url = "postgres://alice:pa'ss\\nword@host/db";

  it('replaces only DATABASE_URL, in place, and keeps every other line', () => {
    const before = '# mine\nSTRIPE_KEY=sk_live_123\nDATABASE_URL=postgres://old@host/db\nAPI_TOKEN="multi\nline"\n';
    const after = setEnvVar(before, 'DATABASE_URL', url, '.dev.vars');
    expect(dotenv.parse(after)).toEqual({ STRIPE_KEY: 'sk_live_123', DATABASE_URL: url, API_TOKEN: 'multi\nline' });
    expect(after.startsWith('# mine\nSTRIPE_KEY=sk_live_123\n')).toBe(true);
    expect(after.endsWith('API_TOKEN="multi\nline"\n')).toBe(true);
  });

  it('adds DATABASE_URL when the file has none, and drops duplicate definitions', () => {
    expect(dotenv.parse(setEnvVar('A=1', 'DATABASE_URL', url, '.dev.vars'))).toEqual({ A: '1', DATABASE_URL: url });
    const twice = setEnvVar('DATABASE_URL=a\nB=2\nexport DATABASE_URL="b\nc"\n', 'DATABASE_URL', url, '.dev.vars');
    expect(dotenv.parse(twice)).toEqual({ DATABASE_URL: url, B: '2' });
    expect(twice.match(/DATABASE_URL/g)).toHaveLength(1);
  });

  it('writes only the line for a missing or empty file', () => {
    expect(setEnvVar(undefined, 'DATABASE_URL', 'postgres://a:b@h/d', '.dev.vars')).toBe('DATABASE_URL=postgres://a:b@h/d\n');
    expect(setEnvVar('\n', 'DATABASE_URL', 'postgres://a:b@h/d', '.dev.vars')).toBe('DATABASE_URL=postgres://a:b@h/d\n');
  });
});

describe('mergeGitignore', () => {
  it("keeps the user's rules and puts the template's after them", () => {
    const merged = mergeGitignore('id_rsa\n!.dev.vars\n', '.dev.vars*\n!.dev.vars.example\n');
    expect(merged).toBe('id_rsa\n!.dev.vars\n\n# create-neon-edge\n.dev.vars*\n!.dev.vars.example\n');
    expect(mergeGitignore(merged, '.dev.vars*\n!.dev.vars.example\n')).toBe(merged);
    expect(mergeGitignore('secret', 'x\n')).toBe('secret\n\n# create-neon-edge\nx\n');
  });
});
