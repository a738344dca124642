// What every step receives: the parsed flags, the environment, and the
// injected prompt/log, so steps run in tests without a terminal.

import type { ClaimableDatabase } from './neon-new.ts';
import type { CliArgs } from './options.ts';
import type { Orm } from './orm.ts';
import type { PackageManager } from './package-manager.ts';
import type { Logger, Prompter } from './prompter.ts';
import type { Template } from './templates.ts';

export interface Context {
  args: CliArgs;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** False without a TTY: nothing may be asked. */
  interactive: boolean;
  prompt: Prompter;
  log: Logger;
}

export interface Answers {
  /** Absolute path of the project. */
  targetDir: string;
  /** The directory as the user should type it in `cd`. */
  displayDir: string;
  projectName: string;
  template: Template;
  databaseUrl?: string;
  /** Set when databaseUrl is a new Neon claimable database (--neon-new). */
  neonNew?: ClaimableDatabase;
  /** `--orm`: the template's ORM variant; none when absent. */
  orm?: Orm;
  install: boolean;
  packageManager: PackageManager;
  /** Run the template's `db:setup` script after install. */
  dbSetup: boolean;
  /** Write AGENTS.md. */
  agents: boolean;
  /** Write the GitHub Actions workflow. */
  ci: boolean;
  git: boolean;
  secret: boolean;
}
