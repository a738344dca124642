// Which Node.js the generated projects need (22.12: type stripping, the
// Workers tooling), and how to run a project's script under it with nothing
// but the npm registry. Pure; node-version.ts applies it on import, and the
// scaffolder uses it to say at the end when the Node here is too old.

export const MINIMUM_NODE = '22.12.0';

/** True when `version` (e.g. `22.12.0`) is at least MINIMUM_NODE. */
export function isNodeRecentEnough(version: string): boolean {
  const [major, minor] = version.split('.').map(Number);
  const [needMajor, needMinor] = MINIMUM_NODE.split('.').map(Number);
  return major > needMajor || (major === needMajor && minor >= needMinor);
}

/**
 * How to run a project's script under Node 22 fetched from the npm registry,
 * without installing anything system-wide: `npx -y -p node@22 -- npm start`.
 * `script` is the package.json script (npm_lifecycle_event), in the package
 * manager's own words; without one, `<command>` stands for what was run.
 */
export function withRegistryNode(script: string | undefined, userAgent: string | undefined): string {
  const pm = /^(npm|pnpm|yarn|bun)\//.exec(userAgent ?? '')?.[1] ?? 'npm';
  // `bun test` is bun's own test runner, not the script.
  const shorthand = (script === 'start' || script === 'test') && pm !== 'bun';
  const command = script ? (shorthand ? `${pm} ${script}` : `${pm} run ${script}`) : '<command>';
  return `npx -y -p node@${MINIMUM_NODE.split('.')[0]} -- ${command}`;
}

/** One line saying which Node is needed and a command that runs it here, or undefined when `version` is new enough. */
export function nodeVersionProblem(version: string = process.versions.node, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (isNodeRecentEnough(version)) return undefined;
  const [needMajor, needMinor] = MINIMUM_NODE.split('.');
  return `✖ This project needs Node.js ${needMajor}.${needMinor} or newer; this is Node.js ${version}. Run it with Node.js ${needMajor} from the npm registry: ${withRegistryNode(env.npm_lifecycle_event, env.npm_config_user_agent)} (or install Node.js ${needMajor}: https://nodejs.org, or nvm install ${needMajor}).`;
}
