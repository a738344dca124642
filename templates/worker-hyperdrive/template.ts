// What the scaffolder needs to know about this template (see src/scaffold/template-config.ts).
// Not copied into the project.
import { DRIZZLE, type TemplateConfig } from '../../src/scaffold/template-config.ts';

export default {
  order: 1,
  description: 'Cloudflare Worker: pg through a Hyperdrive binding (pooled TCP near the database, cached reads)',
  recommended: 'Cloudflare Workers',
  platform: 'cloudflare',
  scripts: {
    start: "local dev: wrangler dev, Hyperdrive's local connection straight to your database over TCP",
    test: 'the tests, inside workerd, through the Hyperdrive binding to your database',
    deploy: 'wrangler deploy (after wrangler hyperdrive create: see README)',
  },
  database: { embedded: true },
  production: { kind: 'hyperdrive', binding: 'HYPERDRIVE' },
  ci: { database: { kind: 'embedded' } },
  allowBuilds: ['esbuild', 'workerd'],
  orm: { drizzle: DRIZZLE },
} satisfies TemplateConfig;
