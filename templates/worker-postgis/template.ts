// What the scaffolder needs to know about this template (see src/scaffold/template-config.ts).
// Not copied into the project.
import { DRIZZLE, type TemplateConfig } from '../../src/scaffold/template-config.ts';

export default {
  order: 3,
  description: 'Cloudflare Worker: the 10 nearest places with PostGIS KNN, cached per ~1 km cell at the edge',
  platform: 'cloudflare',
  scripts: {
    start: 'local dev: wrangler dev (with the local proxy for a local database)',
    test: 'the tests, inside workerd, against your database',
    deploy: 'wrangler deploy',
  },
  // PostGIS too: neon-on-localhost loads @electric-sql/pglite-postgis (its README, "Which PGlite").
  database: { embedded: true },
  dbSetup: true,
  production: { kind: 'secret' },
  ci: {
    database: { kind: 'embedded' },
    neonBranchPerPullRequest: true,
    before: ['db:setup'],
  },
  allowBuilds: ['esbuild', 'workerd'],
  orm: { drizzle: DRIZZLE },
} satisfies TemplateConfig;
