// The package manager that runs `npm create` / `pnpm create` / `yarn create` /
// `bun create` says who it is in npm_config_user_agent ("pnpm/9.1.0 npm/? node/v22…").

export const PACKAGE_MANAGERS = ['npm', 'pnpm', 'yarn', 'bun'] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

export function detectPackageManager(userAgent: string | undefined): PackageManager {
  const name = userAgent?.split(' ')[0]?.split('/')[0];
  return (PACKAGE_MANAGERS as readonly string[]).includes(name ?? '') ? (name as PackageManager) : 'npm';
}

export function installCommand(pm: PackageManager): [string, string[]] {
  return [pm, pm === 'yarn' ? [] : ['install']];
}

/** How a user runs a package.json script with this package manager. */
export function runScript(pm: PackageManager, script: string): string {
  const shorthand = ['start', 'test'].includes(script);
  if (pm === 'npm') return shorthand ? `npm ${script}` : `npm run ${script}`;
  // `pnpm deploy` is a built-in command of pnpm's, not the script.
  if (pm === 'pnpm') return shorthand ? `pnpm ${script}` : `pnpm run ${script}`;
  if (pm === 'bun') return `bun run ${script}`;
  return `yarn ${script}`;
}

/** How a user runs a binary of the project's dependencies (`npx wrangler …`). */
export function execCommand(pm: PackageManager, command: string): string {
  if (pm === 'npm') return `npx ${command}`;
  if (pm === 'pnpm') return `pnpm exec ${command}`;
  if (pm === 'bun') return `bunx ${command}`;
  return `yarn ${command}`;
}

/** A command as the platform docs write it (`npx wrangler …`), rewritten for this package manager. */
export function forPackageManager(pm: PackageManager, command: string): string {
  return command.startsWith('npx ') ? execCommand(pm, command.slice(4)) : command;
}

/** The install that CI runs: exactly the lockfile, failing when it is out of date. */
export function frozenInstallCommand(pm: PackageManager): string {
  if (pm === 'npm') return 'npm ci';
  // yarn 1 and yarn berry both accept --frozen-lockfile (berry as an alias of --immutable).
  return `${pm} install --frozen-lockfile`;
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
