// The generated projects need Node.js 22.12 or newer (type stripping, the
// Workers tooling). Older Nodes fail far from the cause (`node: bad option:
// --experimental-strip-types`, an error from inside vitest): imported first by
// the CLI and by the vitest config, this says so in one line instead.

export const MINIMUM_NODE = '22.12.0';

/** One line saying which Node is needed, or undefined when `version` is new enough. */
export function nodeVersionProblem(version: string = process.versions.node): string | undefined {
  const [major, minor] = version.split('.').map(Number);
  const [needMajor, needMinor] = MINIMUM_NODE.split('.').map(Number);
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
  return `✖ This project needs Node.js ${needMajor}.${needMinor} or newer; this is Node.js ${version}. Install a current Node.js (https://nodejs.org, or \`nvm install 22\`) and run the command again.`;
}

const problem = nodeVersionProblem();
if (problem) {
  console.error(problem);
  process.exit(1);
}
