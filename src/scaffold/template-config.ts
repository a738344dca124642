// What a template says about itself to the scaffolder: each
// templates/<name>/template.ts exports a `TemplateConfig` (checked by tsc with
// `satisfies`), and the core reads only these facts, never a template's name.
// A leaf module: types and constants, no imports but the platforms' types.

import type { Platform, PlatformName } from './platforms.ts';

/** The ORMs a template can offer (`--orm`); `none` is plain SQL. */
export const ORMS = ['none', 'drizzle'] as const;
export type Orm = (typeof ORMS)[number];

/** One ORM variant: an overlay folder written over the template's files, and what it adds to package.json. */
export interface OrmVariant {
  /** The overlay folder, relative to the template. */
  files: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
}

/**
 * The Drizzle variant as every template has it today: its files in
 * orm/drizzle/, drizzle-orm at run time, drizzle-kit to generate migrations.
 * A template with other needs declares its own.
 */
export const DRIZZLE: OrmVariant = {
  files: 'orm/drizzle',
  dependencies: { 'drizzle-orm': '^0.45.4' },
  devDependencies: { 'drizzle-kit': '^0.31.11' },
  scripts: { 'db:generate': 'drizzle-kit generate' },
};

/** How production gets its database, once before the first deploy. */
export type ProductionSetup =
  /** DATABASE_URL as the platform's secret (`wrangler secret put` / `vercel env add`, or `--secret`). */
  | { kind: 'secret' }
  /** A Cloudflare Hyperdrive binding holds the connection string: no secret (see hyperdrive.ts). */
  | { kind: 'hyperdrive'; binding: string };

/**
 * The database the tests run on in the generated CI workflow:
 * - `embedded`: the embedded database (PGlite) of `npm test`; no service, no DATABASE_URL.
 * - `service`: a Postgres service container (e.g. PostGIS), DATABASE_URL pointing at it.
 */
export type CiDatabase = { kind: 'embedded' } | { kind: 'service'; image: string; label: string };

export interface CiNeeds {
  database: CiDatabase;
  /**
   * When the repository has the secret NEON_API_KEY and the variable
   * NEON_PROJECT_ID: a Neon branch per pull request for the tests (deleted
   * when it closes) instead of `database`. Forks get no secrets: theirs use `database`.
   */
  neonBranchPerPullRequest?: boolean;
  /**
   * package.json scripts to run before `test`, in order, against DATABASE_URL
   * (e.g. `db:setup`). With the embedded database they run only when a Neon
   * branch gives a DATABASE_URL: the embedded database prepares itself.
   */
  before?: readonly string[];
}

export interface TemplateConfig {
  /** Where it comes in the list (the first is --yes's default). */
  order: number;
  /** One line, shown in the template question and --help. */
  description: string;
  /**
   * Where it is the platforms' recommended start (the README's "Which one
   * should I pick?"), shown on its row in the picker and in --help: e.g.
   * 'Cloudflare Workers'. The first template offered should be one.
   */
  recommended?: string;
  platform: PlatformName;
  /** What `npm start`, `npm test` and `npm run deploy` do there, for the next steps. */
  scripts: { start: string; test: string; deploy: string };
  /** Runs on the embedded database (PGlite) when there is no DATABASE_URL; else what its database must have. */
  database: { embedded: true } | { embedded: false; needs: string };
  /** Has `npm run db:setup` (schema and data), offered after install. */
  dbSetup?: boolean;
  production: ProductionSetup;
  ci: CiNeeds;
  /** Dependencies whose install scripts must run (pnpm asks for approval: esbuild, workerd). */
  allowBuilds?: readonly string[];
  /** The ORM variants it offers (`--orm`), by name. */
  orm?: Partial<Record<Exclude<Orm, 'none'>, OrmVariant>>;
}

/** A template as the scaffolder uses it: its folder name and its facts, resolved. */
export interface Template {
  name: string;
  description: string;
  recommended?: string;
  /** Where the project is deployed; decides the secret command and env file. */
  platform: Platform;
  scripts: TemplateConfig['scripts'];
  dbSetup: boolean;
  /** Runs on the embedded database (PGlite) when there is no DATABASE_URL. */
  embeddedDatabase: boolean;
  /** Without the embedded database: what the database must have (e.g. PostGIS). */
  databaseNeeds?: string;
  production: ProductionSetup;
  ci: CiNeeds;
  allowBuilds: readonly string[];
  orms: Readonly<Partial<Record<Orm, OrmVariant>>>;
}

/** `recommended for Cloudflare Workers`, as the picker and --help note it beside the template's name. */
export function recommendation(template: Pick<Template, 'recommended'>): string | undefined {
  return template.recommended && `recommended for ${template.recommended}`;
}

/** The file beside each template that holds its TemplateConfig; never copied into a project. */
export const TEMPLATE_CONFIG_FILE = 'template.ts';
