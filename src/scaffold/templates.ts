// The templates on offer. Each is a folder under templates/ that is a real
// project; the published package carries them in dist/templates.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TemplateInfo } from './validate.ts';

export interface Template extends TemplateInfo {
  /** Where the project is deployed; decides the secret command and env file. */
  platform: 'cloudflare';
  /** Has `npm run db:setup` (schema and data), offered after install. */
  dbSetup: boolean;
}

export const TEMPLATES: readonly Template[] = [
  {
    name: 'worker-raw',
    description: 'Cloudflare Worker: raw SQL with Client/Pool over WebSockets and neon() over HTTP',
    platform: 'cloudflare',
    dbSetup: false,
  },
  {
    name: 'worker-postgis',
    description: 'Cloudflare Worker: the 10 nearest places with PostGIS KNN, cached per ~1 km cell at the edge',
    platform: 'cloudflare',
    dbSetup: true,
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
