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
  database: { embedded: false, needs: 'PostGIS' },
  dbSetup: true,
  production: { kind: 'secret' },
  ci: {
    database: { kind: 'service', image: 'postgis/postgis:17-3.5', label: 'PostGIS' },
    neonBranchPerPullRequest: true,
    before: ['db:setup'],
  },
  allowBuilds: ['esbuild', 'workerd'],
  orm: { drizzle: DRIZZLE },
} satisfies TemplateConfig;
