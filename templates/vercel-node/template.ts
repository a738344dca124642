// What the scaffolder needs to know about this template (see src/scaffold/template-config.ts).
// Not copied into the project.
import { DRIZZLE, type TemplateConfig } from '../../src/scaffold/template-config.ts';

export default {
  order: 4,
  description: 'Vercel Node.js functions (Fluid compute): a pg Pool per instance, registered with attachDatabasePool',
  recommended: 'Vercel',
  platform: 'vercel',
  scripts: {
    start: 'local: the api/ functions in Node on :3000, by file, reloaded on change (no Vercel account needed)',
    test: 'the functions in Node against your database, including an outage and recovery',
    deploy: 'vercel deploy --prod',
  },
  database: { embedded: true },
  production: { kind: 'secret' },
  ci: { database: { kind: 'embedded' } },
  allowBuilds: ['esbuild'],
  orm: { drizzle: DRIZZLE },
} satisfies TemplateConfig;
