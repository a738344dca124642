import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/support/longest-first-sequencer.ts';
import { useRamTempDir } from './test/support/ram-temp-dir.ts';

useRamTempDir();

// Organised as the code is: `vitest run --project unit` takes seconds.
//   unit      the scaffolder's steps, no processes
//   toolkit   neon-on-localhost: the proxy, auth, faults, embedded database
//   cli       the built CLI as a process, installs from a throwaway registry,
//             and end-to-end runs of the generated projects
//   clone     `npm run create` from this clone (test/from-clone.test.ts)
export default defineConfig({
  // The scaffolder imports neon-on-localhost by its package exports; in this
  // repository they resolve to its sources (as in tsconfig.json and the build).
  ssr: { resolve: { conditions: ['neon-on-localhost-source', ...defaultServerConditions] } },
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Three files at a time, on two cores too: the end-to-end files spend much
    // of their time waiting (installs, servers starting, timeouts they
    // provoke), and every file takes its own free ports, temp dirs and
    // Postgres cluster (no test needs 3000, 4444 or 8787 free:
    // test/support/local-only.ts holds 3000 itself). On the 2-core CI machine
    // `npm test` took 454 s with three and 503-510 s with two
    // (docs/contributing.md). `--maxWorkers=1` runs them one after another.
    maxWorkers: 3,
    // The files measured longest start first, across projects (test/support/longest-first-sequencer.ts).
    sequence: { sequencer: LongestFirstSequencer },
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'toolkit', include: ['packages/neon-on-localhost/test/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'cli', include: ['test/*.test.ts'], exclude: ['test/from-clone.test.ts'], globalSetup: ['test/support/build.ts'] },
      },
      // `npm run create` from the clone removes and rebuilds dist/, which the
      // cli files run: alone, once everything else has finished.
      {
        extends: true,
        test: {
          name: 'clone',
          include: ['test/from-clone.test.ts'],
          globalSetup: ['test/support/build-if-changed.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
