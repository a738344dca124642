// The package manager that runs `npm create` / `pnpm create` / `yarn create` /
// `bun create` says who it is in npm_config_user_agent ("pnpm/9.1.0 npm/? node/v22…").

export const PACKAGE_MANAGERS = ['npm', 'pnpm', 'yarn', 'bun'] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

export function detectPackageManager(userAgent: string | undefined): PackageManager {
  const name = userAgent?.split(' ')[0]?.split('/')[0];
  return (PACKAGE_MANAGERS as readonly string[]).includes(name ?? '') ? (name as PackageManager) : 'npm';
}

/** The version in the user agent ("pnpm/10.1.0 npm/? node/…"), when it is `pm`'s and a plain x.y.z. */
export function packageManagerVersion(userAgent: string | undefined, pm: PackageManager): string | undefined {
  const [name, version] = userAgent?.split(' ')[0]?.split('/') ?? [];
  return name === pm && version && /^\d+\.\d+\.\d+$/.test(version) ? version : undefined;
}

export function installCommand(pm: PackageManager): [string, string[]] {
  return [pm, pm === 'yarn' ? [] : ['install']];
}

// yarn 1's own commands: `yarn check` verifies the install instead of running the script.
const YARN_COMMANDS = new Set([
  'add',
  'audit',
  'autoclean',
  'bin',
  'cache',
  'check',
  'config',
  'create',
  'dedupe',
  'global',
  'help',
  'import',
  'info',
  'init',
  'install',
  'licenses',
  'link',
  'list',
  'login',
  'logout',
  'node',
  'outdated',
  'owner',
  'pack',
  'policies',
  'publish',
  'remove',
  'run',
  'tag',
  'team',
  'unlink',
  'unplug',
  'upgrade',
  'version',
  'versions',
  'why',
  'workspace',
  'workspaces',
]);

/** How a user runs a package.json script with this package manager. */
export function runScript(pm: PackageManager, script: string): string {
  const shorthand = ['start', 'test'].includes(script);
  if (pm === 'npm') return shorthand ? `npm ${script}` : `npm run ${script}`;
  // `pnpm deploy` is a built-in command of pnpm's, not the script.
  if (pm === 'pnpm') return shorthand ? `pnpm ${script}` : `pnpm run ${script}`;
  if (pm === 'bun') return `bun run ${script}`;
  return YARN_COMMANDS.has(script) ? `yarn run ${script}` : `yarn ${script}`;
}

/** How a user runs a binary of the project's dependencies (`npx wrangler …`). */
export function execCommand(pm: PackageManager, command: string): string {
  if (pm === 'npm') return `npx ${command}`;
  if (pm === 'pnpm') return `pnpm exec ${command}`;
  if (pm === 'bun') return `bunx ${command}`;
  return `yarn ${command}`;
}

/** How a user adds packages to the project (`npm install <pkg>`). */
function addCommand(pm: PackageManager): string {
  return pm === 'npm' ? 'npm install' : `${pm} add`;
}

/**
 * Text written in npm's terms (a template's README.md and AGENTS.md, a
 * platform's `npx wrangler …`), in this package manager's: `npm run x`,
 * `npm start`, `npm test` (with `-- args`), `npm install [pkg]`, `npm ci`,
 * `npx y` and `npm create z`.
 */
export function forPackageManager(pm: PackageManager, text: string): string {
  if (pm === 'npm') return text;
  return text
    .replace(/\bnpm create ([\w@./-]+)(?: --(?= ))?/g, (_, pkg: string) => `${pm} create ${pkg}`)
    .replace(/\bnpm (?:run ([\w:.-]+)|(start|test)\b)(?: --(?= ))?/g, (_, script: string | undefined, short: string | undefined) =>
      runScript(pm, script ?? short ?? ''),
    )
    .replace(/\bnpm ci\b/g, frozenInstallCommand(pm))
    .replace(/\bnpm install((?: +-[\w-]+)*)((?: +[@\w][\w@./^~:-]*)*)/g, (_, flags: string, packages: string) =>
      packages ? `${addCommand(pm)}${flags}${packages}` : `${pm} install${flags}`,
    )
    .replace(/\bnpx (?=[\w@])/g, execCommand(pm, ''));
}

/** The versions a CI workflow installs when the scaffolder was not run by that package manager (else the version that ran it). */
export const CI_TOOL_VERSIONS = { pnpm: '12.23.0', bun: '1.4.5' } as const;

/** The install that CI runs: exactly the lockfile, failing when it is out of date. */
export function frozenInstallCommand(pm: PackageManager): string {
  if (pm === 'npm') return 'npm ci';
  // yarn 1 and yarn berry both accept --frozen-lockfile (berry as an alias of --immutable).
  return `${pm} install --frozen-lockfile`;
}

/**
 * npm 11.19 warns, after each install, about every dependency install script
 * that package.json's `allowScripts` does not approve (its documentation
 * says they are blocked by default; 11.19.1 still ran them). An npm project
 * approves the template's builds there, by name (any version), as `npm
 * install-scripts approve --no-allow-scripts-pin` writes them.
 */
export function npmAllowScripts(builds: readonly string[]): Record<string, true> {
  return Object.fromEntries([...builds].sort().map((name) => [name, true] as const));
}

/**
 * pnpm 10 and later run no dependency's install script unless the project
 * approves it, and pnpm 11 fails the install (ERR_PNPM_IGNORED_BUILDS) when
 * one is left unapproved. pnpm 11 reads the approvals from
 * pnpm-workspace.yaml's `allowBuilds`; pnpm 10 from its `onlyBuiltDependencies`.
 */
export function pnpmWorkspaceYaml(builds: readonly string[]): string {
  const names = [...builds].sort();
  return [
    '# pnpm settings for this project: the dependencies allowed to run their install scripts.',
    'allowBuilds:',
    ...names.map((name) => `  ${name}: true`),
    'onlyBuiltDependencies:',
    ...names.map((name) => `  - ${name}`),
    '',
  ].join('\n');
}
