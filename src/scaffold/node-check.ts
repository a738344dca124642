// The Node.js that will run the project: the `node` a user's shell finds, which
// need not be the one running the scaffolder (`npm run create` from a clone
// runs under the clone's own Node 22 while the shell's may be 20, and a
// project started there fails at once). Said at the end, with a command that
// works with only the npm registry.

import { accessSync, constants, realpathSync } from 'node:fs';
import path from 'node:path';
import { isNodeRecentEnough, MINIMUM_NODE, withRegistryNode } from 'neon-on-localhost/node-requirement';
import type { PackageManager } from './package-manager.ts';

/**
 * Folders a package manager puts in front of PATH for the scripts it runs
 * (the bin folders of the package and its parents, node-gyp's, yarn's and
 * bun's temporary `node` shims). Only that leading run is skipped, and only
 * when a package manager started us: the same folder later on PATH is the
 * user's own.
 */
const ADDED_BY_PACKAGE_MANAGER = /[/\\]node_modules[/\\]\.bin$|node-gyp-bin$|[/\\]yarn--\d+|[/\\]bun-node-/;

/** The `node` the user's shell would run: the first on PATH, less what a package manager put in front. */
export function shellNode(env: NodeJS.ProcessEnv): string | undefined {
  const dirs = (env.PATH ?? '').split(path.delimiter);
  const byPackageManager = env.npm_lifecycle_event !== undefined || env.npm_config_user_agent !== undefined;
  const added = byPackageManager ? dirs.findIndex((dir) => !ADDED_BY_PACKAGE_MANAGER.test(dir)) : 0;
  for (const dir of dirs.slice(added === -1 ? dirs.length : added)) {
    if (!dir) continue;
    const node = path.join(dir, process.platform === 'win32' ? 'node.exe' : 'node');
    try {
      accessSync(node, constants.X_OK);
      return node;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Its version; the running Node's when it is the same file (no child process then). */
function versionOf(node: string): string | undefined {
  if (realpathSync(node) === realpathSync(process.execPath)) return process.versions.node;
  // Loaded on first use: most runs never need it.
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  const ran = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 5_000 });
  return ran.status === 0 ? ran.stdout.trim() : undefined;
}

/** One line when the shell's Node is too old for the project, naming the command that runs it anyway; else undefined. */
export function projectNodeProblem(env: NodeJS.ProcessEnv, pm: PackageManager): string | undefined {
  const node = shellNode(env);
  const version = node && versionOf(node);
  if (!version || isNodeRecentEnough(version)) return undefined;
  const major = MINIMUM_NODE.split('.')[0];
  return `The project needs Node.js ${MINIMUM_NODE.replace(/\.0$/, '')} or newer, and \`node\` here is ${version}: run its commands with Node.js ${major} from the npm registry, as in ${withRegistryNode('start', `${pm}/`)} (or install Node.js ${major}).`;
}
