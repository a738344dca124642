// The one definition of the CLI's options: it drives argument parsing, the
// --help text, and which flag each prompt names when it cannot be asked.

import { parseArgs } from 'node:util';
import { CliError } from './errors.ts';
import { ORMS, type Orm } from './orm.ts';
import { PACKAGE_MANAGERS, type PackageManager } from './package-manager.ts';

interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Shown in --help as `--flag <value>`. */
  value?: string;
  /** Booleans that also take `--no-<flag>`. */
  negatable?: boolean;
  description: string;
}

export const OPTIONS = {
  template: { type: 'string', short: 't', value: 'name', description: 'Template to use (see Templates below)' },
  'database-url': {
    type: 'string',
    value: 'url',
    description: 'Postgres connection string, written to .dev.vars / .env.local (default: $DATABASE_URL; empty = set later)',
  },
  orm: { type: 'string', value: 'drizzle|none', description: 'Add Drizzle ORM (schema in TypeScript, drizzle-kit migrations) (default: none)' },
  install: { type: 'boolean', negatable: true, description: 'Install dependencies (default: yes)' },
  'package-manager': {
    type: 'string',
    value: PACKAGE_MANAGERS.join('|'),
    description: 'Package manager to install with (default: the one running this command)',
  },
  'db-setup': {
    type: 'boolean',
    negatable: true,
    description: 'Run `npm run db:setup` (schema and data) after install, for templates that have it (default: yes)',
  },
  git: { type: 'boolean', negatable: true, description: 'Initialise a git repository with a first commit (default: yes)' },
  secret: {
    type: 'boolean',
    negatable: true,
    description:
      'Store DATABASE_URL as a production secret (wrangler secret put / vercel env add; stopped after 60 s, or $CREATE_NEON_EDGE_SECRET_TIMEOUT seconds) (default: no)',
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
  orm?: Orm;
  install?: boolean;
  packageManager?: PackageManager;
  dbSetup?: boolean;
  git?: boolean;
  secret?: boolean;
  yes: boolean;
  force: boolean;
  help: boolean;
  version: boolean;
}

/** Parses argv (without `node script`). Throws CliError with a one-line message. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; allowNegative: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, allowNegative: true, strict: true });
  } catch (err) {
    throw new CliError(`${oneLine(err)}. Run create-neon-edge --help for the options.`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    // Not echoed: a stray argument may be a connection string with its password.
    throw new CliError(
      `Expected one project directory, got ${positionals.length} arguments: quote a name with spaces, and pass a URL with --database-url.`,
    );
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
    orm: orm as Orm | undefined,
    install: values.install,
    packageManager: pm as PackageManager | undefined,
    dbSetup: values['db-setup'],
    git: values.git,
    secret: values.secret,
    yes: values.yes ?? false,
    force: values.force ?? false,
    help: values.help ?? false,
    version: values.version ?? false,
  };
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0].replace(/\.$/, '');
}

/** The --help text, built from OPTIONS and the template list. */
export function helpText(templates: readonly { name: string; description: string }[]): string {
  const rows = Object.entries(OPTIONS).map(([name, spec]: [string, OptionSpec]) => {
    let flag = spec.short ? `-${spec.short}, --${name}` : `    --${name}`;
    if (spec.negatable) flag += `, --no-${name}`;
    if (spec.value) flag += ` <${spec.value}>`;
    return [flag, spec.description] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  const templateWidth = Math.max(...templates.map((t) => t.name.length)) + 2;
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
    ...templates.map((t) => `  ${t.name.padEnd(templateWidth)}${t.description}`),
    '',
    'Without a terminal (CI), pass the directory and --template (or --yes); nothing is asked.',
    '',
  ].join('\n');
}
