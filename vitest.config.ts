import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Organised as the code is: `vitest run --project unit` takes seconds.
//   unit      the scaffolder's steps, no processes
//   toolkit   neon-on-localhost: the proxy, auth, faults, embedded database
//   cli       the built CLI as a process, installs from a throwaway registry,
//             and end-to-end runs of the generated projects
export default defineConfig({
  // The scaffolder imports neon-on-localhost by its package exports; in this
  // repository they resolve to its sources (as in tsconfig.json and the build).
  ssr: { resolve: { conditions: ['neon-on-localhost-source', ...defaultServerConditions] } },
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    // The end-to-end files install packages and start Postgres clusters; on
    // two cores they are faster one after another than all at once.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'toolkit', include: ['packages/neon-on-localhost/test/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'cli', include: ['test/*.test.ts'], globalSetup: ['test/support/build.ts'] },
      },
    ],
  },
});
