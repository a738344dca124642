import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// test/api.test.ts runs twice: in Vercel's edge-runtime emulation and inside
// workerd. neon-on-localhost/vitest (Node) finds DATABASE_URL and starts the
// local proxy when the database is on this machine.
export default defineConfig({
  test: {
    globalSetup: ['neon-on-localhost/vitest'],
    // Each test file (in each runtime) its own database, a copy of the migrated one: setupFiles below.
    // One test file per runtime: a fresh worker per file buys nothing here (and vitest says so on every run).
    isolate: false,
    testTimeout: 20_000,
    projects: [
      { test: { name: 'edge-runtime', environment: 'edge-runtime', include: ['test/*.test.ts'], setupFiles: ['neon-on-localhost/vitest/database'] } },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: './test/workerd.wrangler.jsonc' },
            miniflare: {
              bindings: { DATABASE_URL: inject('databaseUrl'), NEON_LOCALHOST_PROXY: inject('neonLocalhostProxy') },
            },
          })),
        ],
        test: { name: 'workerd', include: ['test/*.test.ts'], setupFiles: ['neon-on-localhost/vitest/database'] },
      },
    ],
  },
});
