import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/scaffold/errors.ts';
import { helpText, OPTIONS, parseCliArgs } from '../../src/scaffold/options.ts';
import { PACKAGE_MANAGERS } from '../../src/scaffold/package-manager.ts';
import { TEMPLATES } from '../../src/scaffold/templates.ts';

/** The CliError thrown by `fn`, failing the test when it throws nothing or something else. */
function cliError(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return err as CliError;
  }
  throw new Error('expected a CliError, but nothing was thrown');
}

function expectOneLine(message: string): void {
  expect(message).not.toBe('');
  expect(message).not.toMatch(/[\r\n]/);
}

describe('parseCliArgs', () => {
  it('returns the defaults for no arguments', () => {
    expect(parseCliArgs([])).toEqual({
      dir: undefined,
      template: undefined,
      databaseUrl: undefined,
      install: undefined,
      packageManager: undefined,
      git: undefined,
      secret: undefined,
      yes: false,
      force: false,
      help: false,
      version: false,
    });
  });

  it('takes the project directory as the positional argument', () => {
    expect(parseCliArgs(['my-app']).dir).toBe('my-app');
    expect(parseCliArgs(['.']).dir).toBe('.');
    expect(parseCliArgs(['My App']).dir).toBe('My App');
    // Options may come before or after it.
    expect(parseCliArgs(['--yes', 'after-flag']).dir).toBe('after-flag');
  });

  it('ignores the `--` that pnpm, yarn and bun pass on (npm drops it)', () => {
    // `pnpm run create -- app --template worker-raw` and `pnpm create neon-edge app -- --template worker-raw`.
    const args = parseCliArgs(['--', 'app', '--template', 'worker-raw']);
    expect(args.dir).toBe('app');
    expect(args.template).toBe('worker-raw');
    expect(parseCliArgs(['app', '--', '--yes']).yes).toBe(true);
    expect(parseCliArgs(['--', 'app', '-t', 'worker-raw', '--no-git']).git).toBe(false);
  });

  it('keeps `--` as the end of the options when none of ours follows it', () => {
    expect(parseCliArgs(['--', '-rf']).dir).toBe('-rf');
    expect(parseCliArgs(['--yes', '--', '--frobnicate']).dir).toBe('--frobnicate');
  });

  it('reads -t and --template', () => {
    expect(parseCliArgs(['-t', 'worker-raw']).template).toBe('worker-raw');
    expect(parseCliArgs(['--template', 'worker-raw']).template).toBe('worker-raw');
    expect(parseCliArgs(['--template=other']).template).toBe('other');
  });

  it('reads --database-url in both spellings', () => {
    const url = 'postgres://alice:s3cret@ep-x.neon.tech/neondb?sslmode=require';
    expect(parseCliArgs(['--database-url', url]).databaseUrl).toBe(url);
    expect(parseCliArgs([`--database-url=${url}`]).databaseUrl).toBe(url);
    // Empty means "set it later" and must survive parsing as ''.
    expect(parseCliArgs(['--database-url=']).databaseUrl).toBe('');
  });

  it.each([
    ['install', 'install'],
    ['git', 'git'],
    ['secret', 'secret'],
  ] as const)('reads --%s and --no-%s', (flag, key) => {
    expect(parseCliArgs([`--${flag}`])[key]).toBe(true);
    expect(parseCliArgs([`--no-${flag}`])[key]).toBe(false);
    expect(parseCliArgs([])[key]).toBeUndefined();
  });

  it.each(PACKAGE_MANAGERS)('accepts --package-manager %s', (pm) => {
    expect(parseCliArgs(['--package-manager', pm]).packageManager).toBe(pm);
  });

  it('rejects an unknown package manager with one line naming the valid ones', () => {
    const err = cliError(() => parseCliArgs(['--package-manager', 'deno']));
    expectOneLine(err.message);
    expect(err.message).toContain('deno');
    for (const pm of PACKAGE_MANAGERS) expect(err.message).toContain(pm);
    expect(err.exitCode).toBe(1);
  });

  it('reads -y/--yes, --force, -h and -v', () => {
    expect(parseCliArgs(['-y']).yes).toBe(true);
    expect(parseCliArgs(['--yes']).yes).toBe(true);
    expect(parseCliArgs(['--force']).force).toBe(true);
    expect(parseCliArgs(['-h']).help).toBe(true);
    expect(parseCliArgs(['--help']).help).toBe(true);
    expect(parseCliArgs(['-v']).version).toBe(true);
    expect(parseCliArgs(['--version']).version).toBe(true);
  });

  it('reads short flags grouped together', () => {
    const args = parseCliArgs(['-yt', 'worker-raw', 'dir']);
    expect(args.yes).toBe(true);
    expect(args.template).toBe('worker-raw');
    expect(args.dir).toBe('dir');
  });

  it('reads every flag in one command line', () => {
    const args = parseCliArgs([
      'proj',
      '-t',
      'worker-raw',
      '--database-url',
      'postgres://u:p@h/d',
      '--no-install',
      '--package-manager',
      'pnpm',
      '--no-git',
      '--secret',
      '--yes',
      '--force',
    ]);
    expect(args).toEqual({
      dir: 'proj',
      template: 'worker-raw',
      databaseUrl: 'postgres://u:p@h/d',
      install: false,
      packageManager: 'pnpm',
      git: false,
      secret: true,
      yes: true,
      force: true,
      help: false,
      version: false,
    });
  });

  it.each([['--foo'], ['-x'], ['--database_url=postgres://u:p@h/d'], ['--no-template'], ['--install=yes']])(
    'rejects %s with one line that points to --help',
    (arg) => {
      const err = cliError(() => parseCliArgs([arg]));
      expectOneLine(err.message);
      expect(err.message).toContain('--help');
    },
  );

  it('rejects a string option without its value', () => {
    const err = cliError(() => parseCliArgs(['--template']));
    expectOneLine(err.message);
    expect(err.message).toContain('--template');
    expect(err.message).toContain('--help');
  });

  it('rejects two positionals without echoing them (one may be a URL with its password)', () => {
    const err = cliError(() => parseCliArgs(['my-app', 'postgres://alice:S3cretPw@host/db']));
    expectOneLine(err.message);
    expect(err.message).toContain('got 2');
    expect(err.message).toContain('--database-url');
    expect(err.message).not.toContain('S3cretPw');
  });

  it.each(['force', 'yes', 'help', 'version'])('rejects --no-%s (not negatable)', (flag) => {
    const err = cliError(() => parseCliArgs([`--no-${flag}`]));
    expectOneLine(err.message);
    expect(err.message).toContain(`--no-${flag}`);
    expect(err.message).toContain('--help');
  });

  it('accepts --no-<flag> for every negatable option and rejects it for every other boolean', () => {
    for (const [name, spec] of Object.entries(OPTIONS)) {
      if (spec.type !== 'boolean') continue;
      if ('negatable' in spec && spec.negatable) {
        expect(() => parseCliArgs([`--no-${name}`]), name).not.toThrow();
      } else {
        expect(() => parseCliArgs([`--no-${name}`]), name).toThrow(CliError);
      }
    }
  });
});

describe('helpText', () => {
  const help = helpText(TEMPLATES);

  it('lists every option with its short form, negation and value', () => {
    const keys = Object.keys(OPTIONS) as (keyof typeof OPTIONS)[];
    expect(keys.length).toBeGreaterThan(0);
    for (const name of keys) {
      const spec: { short?: string; negatable?: boolean; value?: string; description: string } = OPTIONS[name];
      expect(help, name).toContain(`--${name}`);
      expect(help, name).toContain(spec.description);
      if (spec.short) expect(help, name).toContain(`-${spec.short}, --${name}`);
      if (spec.negatable) expect(help, name).toContain(`--no-${name}`);
      else expect(help, name).not.toContain(`--no-${name}`);
      if (spec.value) expect(help, name).toContain(`<${spec.value}>`);
    }
  });

  it('puts each option on its own line', () => {
    const optionLines = help.split('\n').filter((line) => /^\s+(-\w, )?--[a-z]/.test(line));
    expect(optionLines).toHaveLength(Object.keys(OPTIONS).length);
  });

  it('lists every template with its description', () => {
    expect(TEMPLATES.length).toBeGreaterThan(0);
    for (const t of TEMPLATES) {
      expect(help).toMatch(new RegExp(`^  ${t.name}\\s+(\\([^)]*\\) )?${t.description.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    }
  });

  it('lists templates it is given', () => {
    const text = helpText([
      { name: 'alpha', description: 'first one' },
      { name: 'beta-long-name', description: 'second one' },
    ]);
    expect(text).toMatch(/^ {2}alpha\s+\(default\) first one$/m);
    expect(text).toMatch(/^ {2}beta-long-name {2}second one$/m);
  });
});
