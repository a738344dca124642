import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// The tests run inside workerd. neon-on-localhost/vitest (Node) finds
// DATABASE_URL and starts the local proxy when the database is on this machine.
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: './wrangler.jsonc' },
      miniflare: {
        bindings: { DATABASE_URL: inject('databaseUrl'), NEON_LOCALHOST_PROXY: inject('neonLocalhostProxy') },
      },
    })),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['neon-on-localhost/vitest'],
    // Each test file its own database, a copy of the migrated one (neon-on-localhost/vitest/database).
    setupFiles: ['neon-on-localhost/vitest/database'],
    // Each test file in a fresh worker, as vitest does by default: said here so that vitest does not
    // advise sharing workers, which would carry module state (a pool, a cache) from one file's database to the next's.
    isolate: true,
    testTimeout: 20_000,
  },
});
