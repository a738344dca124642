// What the scaffolder needs to know about this template (see src/scaffold/template-config.ts).
// Not copied into the project.
import { DRIZZLE, type TemplateConfig } from '../../src/scaffold/template-config.ts';

export default {
  order: 5,
  description: 'Vercel Edge Functions: neon() over HTTP, a Pool transaction, nearest places; tested in edge-runtime and workerd',
  platform: 'vercel',
  scripts: {
    start: 'local: the api/ functions in the edge-runtime sandbox on :3000 (no Vercel account needed)',
    test: "the tests, in Vercel's edge-runtime emulation and in workerd, against your database",
    deploy: 'vercel deploy --prod',
  },
  database: { embedded: true },
  production: { kind: 'secret' },
  ci: { database: { kind: 'embedded' } },
  allowBuilds: ['esbuild', 'workerd'],
  orm: { drizzle: DRIZZLE },
} satisfies TemplateConfig;
