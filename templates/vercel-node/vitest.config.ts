import { defineConfig } from 'vitest/config';

// The functions run in Node, as on Vercel's Node.js runtime, against the real
// database: DATABASE_URL from .env.local, or an embedded one that
// neon-on-localhost/vitest starts when there is none (it listens on TCP too).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['neon-on-localhost/vitest'],
    // Each test file its own database, a copy of the migrated one (neon-on-localhost/vitest/database).
    setupFiles: ['neon-on-localhost/vitest/database'],
    // Each test file in a fresh worker, as vitest does by default: said here so that vitest does not
    // advise sharing workers, which would carry module state (a pool, a cache) from one file's database to the next's.
    isolate: true,
    testTimeout: 20_000,
  },
});
