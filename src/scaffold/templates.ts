// The templates on offer, discovered from the folders: each folder under
// templates/ (dist/templates when published) with a `template.json` is a real
// project, and that file, which is not copied, holds the facts the scaffolder
// needs about it. Adding a template is adding a folder.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OrmVariant } from './orm.ts';
import { PLATFORMS, type Platform } from './platforms.ts';
import type { TemplateInfo } from './validate.ts';

/** The file beside each template that describes it. */
export const TEMPLATE_META = 'template.json';

export interface Template extends TemplateInfo {
  /** Where the project is deployed; decides the secret command and env file. */
  platform: Platform;
  /** How `npm start`, `npm test` and `npm run deploy` work there, for the next steps. */
  scripts: { start: string; test: string; deploy: string };
  /** Has `npm run db:setup` (schema and data), offered after install. */
  dbSetup: boolean;
  /** What the database must have, e.g. 'postgis'. */
  requires: readonly string[];
  /** Runs on the embedded database (PGlite) when there is no DATABASE_URL: every template does, PostGIS included. */
  embeddedDatabase: boolean;
  /** The Hyperdrive binding the Worker reads instead of a DATABASE_URL secret (see hyperdrive.ts). */
  hyperdrive?: string;
  /** Dependencies whose install scripts must run (pnpm asks for approval: esbuild, workerd). */
  allowBuilds: readonly string[];
  /** The ORM variants it offers (`--orm`), by name: see orm.ts. */
  orms: Readonly<Record<string, OrmVariant>>;
}

interface TemplateMeta {
  order: number;
  description: string;
  platform: keyof typeof PLATFORMS;
  requires: string[];
  dbSetup: boolean;
  allowBuilds?: string[];
  scripts: Template['scripts'];
  hyperdrive?: string;
  orm?: Record<string, OrmVariant>;
}

/** dist/templates next to the bundled CLI, or templates/ at the repository root. */
export function templatesRoot(): string {
  for (const candidate of ['./templates', '../../templates']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new Error('create-neon-edge: templates folder not found next to the CLI');
}

function readTemplate(root: string, name: string): (Template & { order: number }) | undefined {
  const file = path.join(root, name, TEMPLATE_META);
  if (!existsSync(file)) return undefined;
  const meta = JSON.parse(readFileSync(file, 'utf8')) as TemplateMeta;
  const platform = PLATFORMS[meta.platform];
  if (!platform) throw new Error(`create-neon-edge: ${file} names an unknown platform "${meta.platform}"`);
  return {
    name,
    order: meta.order,
    description: meta.description,
    platform,
    scripts: meta.scripts,
    dbSetup: meta.dbSetup,
    requires: meta.requires,
    // PostGIS too, since neon-on-localhost loads @electric-sql/pglite-postgis (its README, "Which PGlite").
    embeddedDatabase: true,
    orms: meta.orm ?? {},
    ...(meta.hyperdrive ? { hyperdrive: meta.hyperdrive } : {}),
    allowBuilds: meta.allowBuilds ?? [],
  };
}

/** Every template under `root`, in the order they are offered. */
export function discoverTemplates(root: string = templatesRoot()): Template[] {
  return readdirSync(root)
    .map((name) => readTemplate(root, name))
    .filter((t) => t !== undefined)
    .sort((a, b) => a.order - b.order)
    .map(({ order: _order, ...template }) => template);
}

export const TEMPLATES: readonly Template[] = discoverTemplates();

/** The first template offered, chosen by --yes. */
export const DEFAULT_TEMPLATE = TEMPLATES[0]?.name ?? 'worker-raw';
