// The one definition of the CLI's options: it drives argument parsing, the
// --help text, the label of the question each one answers (the same whether
// it is asked or answered by the flag), and which flag a question names when
// it cannot be asked.

import { parseArgs } from 'node:util';
import { CliError } from './errors.ts';
import { PACKAGE_MANAGERS, type PackageManager } from './package-manager.ts';
import { ORMS, type Orm, recommendation, type Template } from './template-config.ts';
import { oneLine } from './text.ts';

interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Shown in --help as `--flag <value>`. */
  value?: string;
  /** Booleans that also take `--no-<flag>`. */
  negatable?: boolean;
  description: string;
  /** The question this flag answers, as the prompt and the flag's echo both show it. */
  question?: string;
}

/** The project directory is the positional argument, not an option; its question lives here with the others. */
export const DIR_QUESTION = 'In which directory should the project be created?';

export const OPTIONS = {
  template: { type: 'string', short: 't', value: 'name', description: 'Template to use (see Templates below)', question: 'Which template?' },
  'database-url': {
    type: 'string',
    value: 'url',
    description: 'Postgres connection string, written to .dev.vars / .env.local (default: $DATABASE_URL; empty = set later)',
    question: 'Which database for local development?',
  },
  'neon-new': {
    type: 'boolean',
    description: `Create a new Neon database, free and with no sign-up (claim it within 72 hours, or it is deleted), at $NEON_NEW_BASE_URL or https://neon.new`,
    question: 'Which database for local development?',
  },
  install: { type: 'boolean', negatable: true, description: 'Install dependencies (default: yes)', question: 'Install dependencies?' },
  orm: {
    type: 'string',
    value: 'drizzle|none',
    description: 'Add Drizzle ORM (schema in TypeScript, drizzle-kit migrations) (default: none)',
    question: 'Add an ORM?',
  },
  'package-manager': {
    type: 'string',
    value: PACKAGE_MANAGERS.join('|'),
    description: 'Package manager to install with (default: the one running this command)',
  },
  check: {
    type: 'boolean',
    negatable: true,
    description: 'Try the connection string before writing anything, and say what to fix when it fails (default: yes)',
  },
  'db-setup': {
    type: 'boolean',
    negatable: true,
    description: 'Run `npm run db:setup` (schema and data) after install, for templates that have it (default: yes)',
    question: 'Create the schema and load the places into the database now (db:setup)?',
  },
  agents: {
    type: 'boolean',
    negatable: true,
    description: 'Write AGENTS.md: how the project runs, tests and deploys, and its database rules, for coding agents (default: yes)',
    question: 'Add an AGENTS.md for coding agents?',
  },
  ci: {
    type: 'boolean',
    negatable: true,
    description: 'Write a GitHub Actions workflow that installs and runs the tests on every push and pull request (default: yes)',
    question: 'Add a CI workflow (GitHub Actions: the tests on every push and pull request)?',
  },
  git: {
    type: 'boolean',
    negatable: true,
    description: 'Initialise a git repository with a first commit (default: yes)',
    question: 'Initialise a git repository?',
  },
  secret: {
    type: 'boolean',
    negatable: true,
    description:
      'Store DATABASE_URL as a production secret (wrangler secret put / vercel env add; stopped after 60 s, or $CREATE_NEON_EDGE_SECRET_TIMEOUT seconds) (default: no)',
    question: 'Store DATABASE_URL as a production secret now?',
  },
  yes: { type: 'boolean', short: 'y', description: 'Accept the defaults for every question not given as a flag' },
  force: { type: 'boolean', description: 'Write into a directory that is not empty' },
  help: { type: 'boolean', short: 'h', description: 'Show this help' },
  version: { type: 'boolean', short: 'v', description: 'Show the version' },
} as const satisfies Record<string, OptionSpec>;

export interface CliArgs {
  dir?: string;
  template?: string;
  databaseUrl?: string;
  neonNew?: boolean;
  orm?: Orm;
  install?: boolean;
  packageManager?: PackageManager;
  check?: boolean;
  dbSetup?: boolean;
  agents?: boolean;
  ci?: boolean;
  git?: boolean;
  secret?: boolean;
  yes: boolean;
  force: boolean;
  help: boolean;
  version: boolean;
}

type Asked = { [K in keyof typeof OPTIONS]: (typeof OPTIONS)[K] extends { question: string } ? K : never }[keyof typeof OPTIONS];

/** The label of the question that `flag` answers. */
export function question(flag: Asked): string {
  return OPTIONS[flag].question;
}

/** `--template`, `-t`, `--no-git`, `--database-url=…`: one of our options, as typed. */
function isOurOption(arg: string): boolean {
  const long = /^--(no-)?([a-z-]+)(=|$)/.exec(arg);
  if (long) return long[2] in OPTIONS;
  return Object.values(OPTIONS).some((spec: OptionSpec) => spec.short !== undefined && arg === `-${spec.short}`);
}

/**
 * npm drops the `--` of `npm create neon-edge app -- --template x` (and of
 * `npm run create -- app`); pnpm, yarn and bun pass it on, which would make
 * the flags after it directories. When our options follow it, it was such a
 * separator and is dropped; otherwise it keeps its meaning (`-- -rf` names a
 * directory).
 */
function withoutPassedOnSeparator(argv: readonly string[]): string[] {
  const at = argv.indexOf('--');
  if (at === -1 || !argv.slice(at + 1).some(isOurOption)) return [...argv];
  return [...argv.slice(0, at), ...argv.slice(at + 1)];
}

/** Parses argv (without `node script`). Throws CliError with a one-line message. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; allowNegative: true }>>;
  const args = withoutPassedOnSeparator(argv);
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, allowNegative: true, strict: true });
  } catch (err) {
    throw new CliError(`${oneLine(err).replace(/\.$/, '')}. Run create-neon-edge --help for the options.`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    // Not echoed: a stray argument may be a connection string with its password.
    throw new CliError(`Expected one project directory, got ${positionals.length} arguments: quote a name with spaces, and pass a URL with --database-url.`);
  }
  for (const name of Object.keys(values) as (keyof typeof OPTIONS)[]) {
    const spec: OptionSpec = OPTIONS[name];
    if (spec.type === 'boolean' && values[name] === false && !spec.negatable) {
      throw new CliError(`--no-${name} is not an option. Run create-neon-edge --help for the options.`);
    }
  }
  const pm = values['package-manager'];
  if (pm !== undefined && !(PACKAGE_MANAGERS as readonly string[]).includes(pm)) {
    throw new CliError(`Unknown package manager "${pm}": use --package-manager ${PACKAGE_MANAGERS.join('|')}.`);
  }
  const orm = values.orm;
  if (orm !== undefined && !(ORMS as readonly string[]).includes(orm)) {
    throw new CliError(`Unknown ORM "${orm}": use --orm ${ORMS.join(' or --orm ')}.`);
  }
  return {
    dir: positionals[0],
    template: values.template,
    databaseUrl: values['database-url'],
    neonNew: values['neon-new'],
    orm: orm as Orm | undefined,
    install: values.install,
    packageManager: pm as PackageManager | undefined,
    check: values.check,
    dbSetup: values['db-setup'],
    agents: values.agents,
    ci: values.ci,
    git: values.git,
    secret: values.secret,
    yes: values.yes ?? false,
    force: values.force ?? false,
    help: values.help ?? false,
    version: values.version ?? false,
  };
}

/** The --help text, built from OPTIONS and the template list. */
export function helpText(templates: readonly Pick<Template, 'name' | 'description' | 'recommended'>[]): string {
  const rows = Object.entries(OPTIONS).map(([name, spec]: [string, OptionSpec]) => {
    let flag = spec.short ? `-${spec.short}, --${name}` : `    --${name}`;
    if (spec.negatable) flag += `, --no-${name}`;
    if (spec.value) flag += ` <${spec.value}>`;
    return [flag, spec.description] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  const templateWidth = Math.max(...templates.map((t) => t.name.length)) + 2;
  const templateLine = (t: Pick<Template, 'name' | 'description' | 'recommended'>, i: number) => {
    const notes = [i === 0 ? 'default' : undefined, recommendation(t)].filter(Boolean);
    return `  ${t.name.padEnd(templateWidth)}${notes.length ? `(${notes.join('; ')}) ` : ''}${t.description}`;
  };
  return [
    'Create an edge project wired to Postgres through the Neon serverless driver.',
    '',
    'Usage: npm create neon-edge@latest [dir] -- [options]',
    '       create-neon-edge [dir] [options]',
    '',
    'Options:',
    ...rows.map(([flag, description]) => `  ${flag.padEnd(width)}${description}`),
    '',
    'Templates:',
    ...templates.map(templateLine),
    '',
    'Without a terminal (CI), pass the directory and --template (or --yes); nothing is asked.',
    '',
  ].join('\n');
}
