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
