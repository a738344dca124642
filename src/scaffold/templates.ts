// The templates on offer. Each is a folder under templates/ that is a real
// project; the published package carries them in dist/templates.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PLATFORMS, type Platform } from './platforms.ts';
import type { TemplateInfo } from './validate.ts';

export interface Template extends TemplateInfo {
  /** Where the project is deployed; decides the secret command and env file. */
  platform: Platform;
  /** How `npm start`, `npm test` and `npm run deploy` work there, for the next steps. */
  scripts: { start: string; test: string; deploy: string };
  /** Has `npm run db:setup` (schema and data), offered after install. */
  dbSetup: boolean;
  /** Runs on the embedded database (PGlite) when there is no DATABASE_URL. */
  embeddedDatabase: boolean;
}

const WORKER_SCRIPTS = {
  start: 'local dev: wrangler dev (with the local proxy for a local database)',
  test: 'the tests, inside workerd, against your database',
  deploy: 'wrangler deploy',
};

export const TEMPLATES: readonly Template[] = [
  {
    name: 'worker-raw',
    description: 'Cloudflare Worker: raw SQL with Client/Pool over WebSockets and neon() over HTTP',
    platform: PLATFORMS.cloudflare,
    scripts: WORKER_SCRIPTS,
    dbSetup: false,
    embeddedDatabase: true,
  },
  {
    name: 'worker-postgis',
    description: 'Cloudflare Worker: the 10 nearest places with PostGIS KNN, cached per ~1 km cell at the edge',
    platform: PLATFORMS.cloudflare,
    scripts: WORKER_SCRIPTS,
    dbSetup: true,
    // PGlite has no PostGIS.
    embeddedDatabase: false,
  },
  {
    name: 'vercel-edge',
    description: 'Vercel Edge Functions: neon() over HTTP, a Pool transaction, nearest places; tested in edge-runtime and workerd',
    platform: PLATFORMS.vercel,
    scripts: {
      start: 'local: the api/ functions in the edge-runtime sandbox on :3000 (no Vercel account needed)',
      test: 'the tests, in Vercel\'s edge-runtime emulation and in workerd, against your database',
      deploy: 'vercel deploy --prod (needs the Vercel CLI: npm i -g vercel)',
    },
    dbSetup: false,
    embeddedDatabase: true,
  },
];

export const DEFAULT_TEMPLATE = 'worker-raw';

/** dist/templates next to the bundled CLI, or templates/ at the repository root. */
export function templatesRoot(): string {
  for (const candidate of ['./templates', '../../templates']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new Error('create-neon-edge: templates folder not found next to the CLI');
}
