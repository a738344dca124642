// vitest globalSetup for test/from-clone.test.ts: dist/ built from the sources
// as they are, as `npm run create` expects to find it. In a whole run the cli
// project's setup (build.ts) has built it already, so this builds nothing.
import { builtFromCurrentInputs } from '../../scripts/build-inputs.ts';
import { buildBothPackages } from './build.ts';
import { REPO_ROOT } from './cli.ts';

export default function setup(): void {
  if (!builtFromCurrentInputs(REPO_ROOT)) buildBothPackages();
}
