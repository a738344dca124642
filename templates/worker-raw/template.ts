// What the scaffolder needs to know about this template (see src/scaffold/template-config.ts).
// Not copied into the project.
import { DRIZZLE, type TemplateConfig } from '../../src/scaffold/template-config.ts';

export default {
  order: 2,
  description: 'Cloudflare Worker: raw SQL with Client/Pool over WebSockets and neon() over HTTP',
  platform: 'cloudflare',
  scripts: {
    start: 'local dev: wrangler dev (with the local proxy for a local database)',
    test: 'the tests, inside workerd, against your database',
    deploy: 'wrangler deploy',
  },
  database: { embedded: true },
  production: { kind: 'secret' },
  ci: { database: { kind: 'embedded' } },
  allowBuilds: ['esbuild', 'workerd'],
  orm: { drizzle: DRIZZLE },
} satisfies TemplateConfig;
