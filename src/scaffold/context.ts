// The types every step shares: what it receives (the parsed flags, the
// environment, and the injected prompt/log, so steps run in tests without a
// terminal) and the answers. A leaf: it imports only types, from modules that
// import no step. Each step takes the part it uses (`Pick<Answers, …>`).

import type { ConnectionProblem } from 'neon-on-localhost/connection-problem';
import type { CliArgs } from './options.ts';
import type { PackageManager } from './package-manager.ts';
import type { Logger, Prompter } from './prompter.ts';
import type { Orm, Template } from './template-config.ts';

/** One connection attempt (database-check.ts): what the driver threw, or undefined when it connected. */
export type Connect = (url: string, timeoutMs: number) => Promise<unknown>;

export interface Context {
  args: CliArgs;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** False without a TTY: nothing may be asked. */
  interactive: boolean;
  prompt: Prompter;
  log: Logger;
  /** How a connection string given at create time is tried (database-check.ts). */
  connect: Connect;
}

/** A new Neon database from neon.new, to be claimed (neon-new.ts). */
export interface ClaimableDatabase {
  /** The `-pooler` URL, for the app (DATABASE_URL). */
  pooledUrl: string;
  /** The direct URL, for migrations, db:setup and Hyperdrive (DATABASE_URL_UNPOOLED). */
  directUrl: string;
  claimUrl: string;
  expiresAt: Date;
}

export interface Answers {
  /** Absolute path of the project. */
  targetDir: string;
  /** The directory as the user should type it in `cd`. */
  displayDir: string;
  projectName: string;
  template: Template;
  databaseUrl?: string;
  /** Why databaseUrl could not be connected to when it was given (database-check.ts); kept as asked. */
  databaseProblem?: ConnectionProblem;
  /** Set when databaseUrl is a new Neon claimable database (--neon-new). */
  neonNew?: ClaimableDatabase;
  /** `--orm`: the template's ORM variant; none when absent. */
  orm?: Orm;
  install: boolean;
  packageManager: PackageManager;
  /** The version of the package manager that ran the scaffolder, when it is `packageManager` (CI pins it). */
  packageManagerVersion?: string;
  /** Run the template's `db:setup` script after install. */
  dbSetup: boolean;
  /** Write the template's AGENTS.md. */
  agents: boolean;
  /** Write the GitHub Actions workflow. */
  ci: boolean;
  git: boolean;
  secret: boolean;
}
