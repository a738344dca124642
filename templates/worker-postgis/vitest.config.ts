import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// Two kinds of tests: the Worker's, inside workerd; and the data loader's
// (scripts/), in Node. neon-on-localhost/vitest finds DATABASE_URL and starts
// the local proxy when the database is on this machine; test/places-ready.ts
// checks that `npm run db:setup` has loaded the places. Each test file, of
// either kind, gets its own database: a copy of the migrated and loaded one.
export default defineConfig({
  test: {
    globalSetup: ['./test/places-ready.ts', 'neon-on-localhost/vitest'],
    // Each test file in a fresh worker, as vitest does by default: said here so that vitest does not
    // advise sharing workers, which would carry module state (a pool, a cache) from one file's database to the next's.
    isolate: true,
    testTimeout: 30_000,
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: './wrangler.jsonc' },
            miniflare: {
              bindings: { DATABASE_URL: inject('databaseUrl'), NEON_LOCALHOST_PROXY: inject('neonLocalhostProxy') },
            },
          })),
        ],
        test: { name: 'workerd', include: ['test/*.test.ts'], setupFiles: ['neon-on-localhost/vitest/database'] },
      },
      { test: { name: 'node', include: ['test/node/*.test.ts'], environment: 'node', setupFiles: ['neon-on-localhost/vitest/database'] } },
    ],
  },
});
