// vitest's own order runs the projects one after another (cli, then toolkit,
// then unit) and, with no cached durations as on a fresh clone, the larger
// files first. The gate is bound by the processor and three files run at a
// time, so its length is set by its end: a long file started late runs on
// with the cores half idle. The files measured longest start first, whatever
// their project; the rest keep vitest's order. A file missing from the list
// only starts later: the list is a schedule, not a set of tests.
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { REPO_ROOT } from './cli.ts';

/** Longest first, as measured on the 2-core CI machine (docs/contributing.md). */
export const LONGEST_FILES = [
  'test/e2e-embedded-places.test.ts',
  'test/bench-smoke.test.ts',
  'test/package-managers.test.ts',
  'test/e2e-migrations-geo.test.ts',
  'test/e2e-migrations-vercel-node.test.ts',
  'test/e2e-neon-new.test.ts',
  'test/e2e-migrations-workers.test.ts',
  'packages/neon-on-localhost/test/prepared.test.ts',
  'test/e2e-vercel-edge.test.ts',
  'test/e2e-vercel-node.test.ts',
  'test/e2e-embedded-worker-raw.test.ts',
  'test/e2e-worker-hyperdrive.test.ts',
  'test/published.test.ts',
  'test/e2e-worker-raw.test.ts',
  'packages/neon-on-localhost/test/embedded.test.ts',
  'packages/neon-on-localhost/test/test-databases.test.ts',
  // Short tests after a long set-up (PostGIS in PGlite): it ended the run when left to vitest's order.
  'packages/neon-on-localhost/test/postgis.test.ts',
];

function rank(spec: TestSpecification): number {
  const index = LONGEST_FILES.indexOf(spec.moduleId.slice(REPO_ROOT.length));
  return index === -1 ? LONGEST_FILES.length : index;
}

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // Array.prototype.sort is stable: equal ranks keep vitest's order, and sequence.groupOrder still comes first.
    return sorted.sort((a, b) => a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder || rank(a) - rank(b));
  }
}
