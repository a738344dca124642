// The generated projects need Node.js 22.12 or newer (type stripping, the
// Workers tooling). Older Nodes fail far from the cause (`node: bad option:
// --experimental-strip-types`, an error from inside vitest): imported first by
// the CLI and by the vitest config, this says so in one line instead.

import { nodeVersionProblem } from './node-requirement.ts';

const problem = nodeVersionProblem();
if (problem) {
  console.error(problem);
  process.exit(1);
}
