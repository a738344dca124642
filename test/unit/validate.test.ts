import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TEMPLATES } from '../../src/scaffold/templates.ts';
import {
  isLocalDatabaseUrl,
  isValidPackageName,
  maskDatabaseUrl,
  projectNameFor,
  toValidPackageName,
  toWorkerName,
  validateDatabaseUrl,
  validateTemplateName,
} from '../../src/scaffold/validate.ts';

describe('isValidPackageName', () => {
  it.each([
    ['my-app', true],
    ['a', true],
    ['a.b_c~d', true],
    ['@scope/x', true],
    ['@scope/my-app', true],
    ['x'.repeat(214), true],
    ['x'.repeat(215), false],
    ['', false],
    ['My App', false],
    ['UPPER', false],
    ['café', false],
    [' spaced', false],
    ['.hidden', false],
    ['_x', false],
    ['a/b', false],
    ['@scope/', false],
    ['node_modules', false],
    ['favicon.ico', false],
    ['http', false],
    ['fs', false],
    ['日本語', false],
  ])('%j → %s', (name, valid) => {
    expect(isValidPackageName(name)).toBe(valid);
  });
});

describe('toValidPackageName', () => {
  it.each([
    ['My App', 'my-app'],
    ['My App!', 'my-app'],
    ['  spaced  ', 'spaced'],
    ['UPPER', 'upper'],
    ['café', 'cafe'],
    ['Crème Brûlée', 'creme-brulee'],
    ['.hidden', 'hidden'],
    ['_x', 'x'],
    ['a/b', 'a-b'],
    ['@scope/x', 'scope-x'],
    ['node_modules', 'node_modules-app'],
    ['http', 'http-app'],
    ['fs', 'fs-app'],
    ['', 'neon-edge-app'],
    ['---', 'neon-edge-app'],
    ['my-app', 'my-app'],
    ['a--b', 'a-b'],
  ])('%j → %j', (raw, expected) => {
    expect(toValidPackageName(raw)).toBe(expected);
  });

  it('falls back to a valid name for non-Latin input', () => {
    const name = toValidPackageName('日本語');
    expect(isValidPackageName(name)).toBe(true);
    expect(name).toBe('neon-edge-app');
  });

  it('shortens a very long name to a valid one', () => {
    const name = toValidPackageName('x'.repeat(300));
    expect(name.length).toBeLessThanOrEqual(214);
    expect(name).toMatch(/^x+$/);
    expect(isValidPackageName(name)).toBe(true);
  });

  it('always returns a valid package name', () => {
    // A small deterministic PRNG so a failure reproduces.
    let seed = 0x2f6b1a3d;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const alphabet = [...'abcXYZ019 -_.~!@#$%^&*()+=/\\:;"\'<>,?|`{}[]\t\néüÅøßİıﬁⅫ日本語ÀÉ😀\u0301'];
    const inputs: string[] = [
      ...builtinModules,
      ...builtinModules.map((m) => m.toUpperCase()),
      ...builtinModules.map((m) => `_${m}`),
      ...builtinModules.map((m) => `.${m}`),
      ...builtinModules.map((m) => `node:${m}`),
      'node_modules',
      'favicon.ico',
      'Node_Modules',
      '.',
      '..',
      '~',
      '-~-',
      '@',
      '@/',
      '   ',
      'x'.repeat(210) + '-',
      'x'.repeat(209) + '.-.-',
      'x'.repeat(1000),
      '-'.repeat(300) + 'a',
    ];
    for (let i = 0; i < 2000; i++) {
      const length = Math.floor(rand() * 24);
      let s = '';
      for (let j = 0; j < length; j++) s += alphabet[Math.floor(rand() * alphabet.length)];
      inputs.push(s);
    }
    for (const raw of inputs) {
      const name = toValidPackageName(raw);
      expect(isValidPackageName(name), `${JSON.stringify(raw)} → ${JSON.stringify(name)}`).toBe(true);
    }
  });
});

describe('toWorkerName', () => {
  it.each([
    ['my-app', 'my-app'],
    ['@scope/my-app', 'my-app'],
    ['my.app', 'my-app'],
    ['my_app', 'my-app'],
    ['a~b', 'a-b'],
    ['node_modules-app', 'node-modules-app'],
    ['~~~', 'neon-edge-app'],
    ['', 'neon-edge-app'],
    ['_leading.and.trailing_', 'leading-and-trailing'],
  ])('%j → %j', (pkg, expected) => {
    expect(toWorkerName(pkg)).toBe(expected);
  });

  it('keeps at most 63 characters and never ends with a dash', () => {
    expect(toWorkerName('a'.repeat(100))).toBe('a'.repeat(63));
    expect(toWorkerName(`${'a'.repeat(62)}-b`)).toBe('a'.repeat(62));
  });

  it('gives a valid Worker name for every package name toValidPackageName makes', () => {
    const inputs = ['My App', 'x'.repeat(300), 'node_modules', 'a.b.c', '~tilde~', 'under_score', '日本語', '@scope/x', ...builtinModules];
    for (const raw of inputs) {
      const worker = toWorkerName(toValidPackageName(raw));
      expect(worker, raw).toMatch(/^[a-z\d](?:[a-z\d-]*[a-z\d])?$/);
      expect(worker.length, raw).toBeLessThanOrEqual(63);
    }
  });
});

describe('projectNameFor', () => {
  let tmp: string | undefined;
  const originalCwd = process.cwd();

  afterEach(() => {
    process.chdir(originalCwd);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    tmp = undefined;
  });

  it("uses the basename of the resolved path for '.'", () => {
    tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'neon-validate-')));
    const dir = path.join(tmp, 'Dot Project');
    mkdirSync(dir);
    process.chdir(dir);
    expect(projectNameFor('.')).toBe('dot-project');
    expect(projectNameFor('./')).toBe('dot-project');
  });

  it('uses the last segment of a path', () => {
    expect(projectNameFor('/some/where/My App')).toBe('my-app');
    expect(projectNameFor('/some/where/My App/')).toBe('my-app');
    expect(projectNameFor('/some/where/sub/..')).toBe('where');
    expect(projectNameFor('relative/Café')).toBe('cafe');
  });
});

describe('validateTemplateName', () => {
  it('accepts every known template', () => {
    for (const t of TEMPLATES) expect(validateTemplateName(t.name, TEMPLATES)).toBeUndefined();
  });

  it('rejects an unknown one with one line listing the choices', () => {
    const message = validateTemplateName('nope', [
      { name: 'alpha', description: '' },
      { name: 'beta', description: '' },
    ]);
    expect(message).toBe('Unknown template "nope": use --template alpha|beta.');
  });

  it('is exact (no case folding, no prefixes)', () => {
    expect(validateTemplateName('Worker-Raw', TEMPLATES)).toMatch(/^Unknown template/);
    expect(validateTemplateName('worker', TEMPLATES)).toMatch(/^Unknown template/);
    expect(validateTemplateName('', TEMPLATES)).toMatch(/^Unknown template/);
  });

  it.each([
    ['worker-rwa', 'worker-raw'],
    ['Worker-Raw', 'worker-raw'],
    ['vercel_node', 'vercel-node'],
    ['worker-hyperdirve', 'worker-hyperdrive'],
    ['postgis', 'worker-postgis'],
    ['hyperdrive', 'worker-hyperdrive'],
  ])('suggests the template a typo meant: %s → %s', (typed, meant) => {
    expect(validateTemplateName(typed, TEMPLATES)).toBe(
      `Unknown template "${typed}": did you mean --template ${meant}? (the templates: ${TEMPLATES.map((t) => t.name).join('|')})`,
    );
  });

  it.each(['worker', 'vercel', 'nope', 'x', '../../etc'])('suggests nothing when no template stands out: %s', (typed) => {
    expect(validateTemplateName(typed, TEMPLATES)).toMatch(/^Unknown template "[^"]*": use --template /);
  });
});

const PASSWORD = 'Sup3rS3cretPw';

describe('validateDatabaseUrl', () => {
  it.each([
    `postgres://alice:${PASSWORD}@ep-cool-123.us-east-2.aws.neon.tech/neondb`,
    `postgresql://alice:${PASSWORD}@ep-cool-123.us-east-2.aws.neon.tech/neondb`,
    `POSTGRES://alice:${PASSWORD}@host/db`,
    `postgres://alice:${PASSWORD}@127.0.0.1:5432/app`,
    `postgres://alice:${PASSWORD}@ep-cool-123.neon.tech/neondb?sslmode=require`,
    `postgresql://alice:${PASSWORD}@ep-cool-123.neon.tech:5432/neondb?sslmode=require&channel_binding=require`,
    `postgres://alice:${PASSWORD}@[::1]:5432/app`,
    `postgres://alice:${PASSWORD}@[::1]/app`,
    'postgres://alice@localhost/app',
    'postgres://alice:p%40ss%23w0rd@host/db',
  ])('accepts %s', (url) => {
    expect(validateDatabaseUrl(url)).toBeUndefined();
  });

  // [label, url, what the message says, secrets it must never contain]
  const invalid: [string, string, RegExp, string[]][] = [
    ['no scheme', `alice:${PASSWORD}@host/db`, /postgres:\/\//, [PASSWORD]],
    ['no scheme at all', PASSWORD, /no scheme/, [PASSWORD]],
    ['host/db only', 'host/db', /no scheme/, []],
    ['mysql://', `mysql://alice:${PASSWORD}@host/db`, /postgres:\/\/ or postgresql:\/\/, not mysql:\/\//, [PASSWORD]],
    ['http://', `http://alice:${PASSWORD}@host/db`, /not http:\/\//, [PASSWORD]],
    ['missing host', `postgres://alice:${PASSWORD}@/db`, /could not be parsed|no host/, [PASSWORD]],
    ['missing host and user', 'postgres:///db', /no host/, []],
    ['missing user', `postgres://:${PASSWORD}@host/db`, /no user/, [PASSWORD]],
    ['missing database', `postgres://alice:${PASSWORD}@host`, /no database name/, [PASSWORD]],
    ['missing database after slash', `postgres://alice:${PASSWORD}@host:5432/`, /no database name/, [PASSWORD]],
    ["'#' unencoded in the password", 'postgres://alice:Sup3r#S3cretPw@host/db', /percent-encode/, ['Sup3r#S3cretPw', 'Sup3r', 'S3cretPw']],
    [
      "'#' unencoded in a numeric password",
      'postgres://alice:1234#5678@host/db',
      /percent-encode it in the password \(# as %23\)/,
      ['1234#5678', '1234', '5678'],
    ],
    ['newline inside the password', 'postgres://alice:S3c\nret@host/db', /spaces or control characters/, ['S3c', 'ret']],
    ['tab inside the URL', 'postgres://alice:pw@ho\tst/db', /spaces or control characters/, ['pw@']],
    ['malformed %-escape in the password', 'postgres://alice:Sup3r%zzS3cret@host/db', /malformed %-escape/, ['Sup3r%zzS3cret', 'Sup3r']],
    ['port out of range', `postgres://alice:${PASSWORD}@host:99999/db`, /invalid port: use a number from 1 to 65535/, [PASSWORD]],
    ['port not a number', `postgres://alice:${PASSWORD}@host:pg/db`, /invalid port/, [PASSWORD]],
    // Unencoded delimiters in the password: '@' would even parse, to the wrong user:password split.
    ["'@' unencoded in the password", 'postgres://alice:Sup3r@S3cret@host/db', /contains '@': percent-encode it \(@ as %40\)/, ['Sup3r@S3cret', 'S3cret']],
    [
      "'/' unencoded in the password",
      'postgres://alice:Sup3r/S3cret@host/db',
      /password contains '\/': percent-encode it \(\/ as %2F\)/,
      ['Sup3r/S3cret', 'S3cret'],
    ],
    [
      "'?' unencoded in the password",
      'postgres://alice:Sup3r?S3cret@host/db',
      /password contains '\?': percent-encode it \(\? as %3F\)/,
      ['Sup3r?S3cret', 'S3cret'],
    ],
    ['leading space', ` postgres://alice:${PASSWORD}@host/db`, /spaces or control characters/, [PASSWORD]],
    ['trailing newline', `postgres://alice:${PASSWORD}@host/db\n`, /spaces or control characters/, [PASSWORD]],
    ['empty', '', /no scheme/, []],
  ];

  it.each(invalid)('rejects %s in one line without the password', (_label, url, pattern, secrets) => {
    const message = validateDatabaseUrl(url);
    expect(message).toBeDefined();
    expect(message).toMatch(pattern);
    expect(message).not.toMatch(/[\r\n]/);
    expect(message).toMatch(/\.$/);
    for (const secret of secrets) expect(message).not.toContain(secret);
  });
});

describe('maskDatabaseUrl', () => {
  it.each([
    [`postgres://alice:${PASSWORD}@ep-cool-123.us-east-2.aws.neon.tech/neondb?sslmode=require`, 'ep-cool-123.us-east-2.aws.neon.tech', 'neondb'],
    [`postgresql://alice:${PASSWORD}@127.0.0.1:5432/app`, '127.0.0.1:5432', 'app'],
    [`postgres://alice:${PASSWORD}@[::1]:5432/app`, '[::1]:5432', 'app'],
    ['postgres://alice:p%40ss%2Fw0rd@host/db', 'host', 'db'],
  ])('masks %s', (url, host, db) => {
    const masked = maskDatabaseUrl(url);
    expect(masked).not.toContain(PASSWORD);
    expect(masked).not.toContain('p%40ss');
    expect(masked).not.toContain('p@ss');
    expect(masked).toContain('alice:****@');
    expect(masked).toContain(`@${host}/${db}`);
  });

  it('leaves a URL without a password as it is', () => {
    expect(maskDatabaseUrl('postgres://alice@host/db')).toBe('postgres://alice@host/db');
  });

  it.each([
    'ENOENT: no such file or directory, open .dev.vars',
    'Error: connect ECONNREFUSED 127.0.0.1:5432',
    'password authentication failed for user "alice"',
  ])('leaves a message with no URL as it is: %s', (text) => {
    expect(maskDatabaseUrl(text)).toBe(text);
  });

  it('masks a URL inside a message and leaves the rest of the message as it is', () => {
    expect(maskDatabaseUrl('Error: cannot reach postgres://alice:S3cretPw@host/db now')).toBe('Error: cannot reach postgres://alice:****@host/db now');
  });

  it('masks the credentials of an unparseable URL', () => {
    expect(maskDatabaseUrl(`postgres://alice:Sup3r#S3cretPw@host/db`)).toBe('postgres://alice:****@host/db');
  });

  it.each([
    ['a password in the query string', 'postgres://alice@ep-x.neon.tech/neondb?sslmode=require&password=S3cretPw', 'password=****'],
    ['a single slash after the scheme', 'postgres:/alice:S3cretPw@host/db', 'alice:****@host'],
    ['no scheme at all', 'alice:S3cretPw@host/db', 'alice:****@host'],
  ])('masks %s', (_name, url, expected) => {
    const masked = maskDatabaseUrl(url);
    expect(masked).not.toContain('S3cretPw');
    expect(masked).toContain(expected);
  });
});

describe('isLocalDatabaseUrl', () => {
  it.each([
    ['postgres://u:p@127.0.0.1:5432/app', true],
    ['postgres://u:p@127.1.2.3/app', true],
    ['postgres://u:p@localhost/app', true],
    ['postgres://u:p@LOCALHOST/app', true],
    ['postgres://u:p@[::1]:5432/app', true],
    ['postgres://u:p@ep-cool-123.us-east-2.aws.neon.tech/neondb', false],
    ['postgres://u:p@10.0.0.1/app', false],
    ['postgres://u:p@128.0.0.1/app', false],
    ['not a url', false],
  ])('%s → %s', (url, local) => {
    expect(isLocalDatabaseUrl(url)).toBe(local);
  });
});
