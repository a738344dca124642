// The whole run: parse flags, ask everything, then write, install, store the
// secret and commit, undoing the writes if anything fails or is interrupted.

import path from 'node:path';
import { isatty } from 'node:tty';
import pkg from '../../package.json' with { type: 'json' };
import type { Answers, Context } from './context.ts';
import { runDbSetup } from './db-setup.ts';
import { CancelledError, CliError } from './errors.ts';
import { stopChildren } from './exec.ts';
import { initGit } from './git.ts';
import { hyperdriveSteps } from './hyperdrive.ts';
import { generateTypes, installDependencies, typesScript } from './install.ts';
import { claimOutro, claimStep } from './neon-new.ts';
import { helpText, parseCliArgs } from './options.ts';
import { forPackageManager, runScript } from './package-manager.ts';
import { GENERATED_PATHS } from './project-files.ts';
import { clackLogger, clackPrompter, type Logger, type Prompter } from './prompter.ts';
import { askAll } from './questions.ts';
import { addOrmToPackage, withOrmEntries } from './orm.ts';
import { refuseSymlinks, shownName } from './target-dir.ts';
import { putSecret } from './secret.ts';
import { TEMPLATES, templatesRoot } from './templates.ts';
import { isLocalDatabaseUrl } from './validate.ts';
import { Workspace } from './workspace.ts';
import { templateEntries, writeProject } from './write-project.ts';

// What an install may write next to package.json.
const LOCKFILES = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb'];

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  interactive?: boolean;
  prompt?: Prompter;
  log?: Logger;
}

const SIGNAL_EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * While the project is being written, a signal stops the children, rolls the
 * writes back and exits. `interrupted` tells the step that was running (and
 * fails because its child was stopped) to leave the reporting to the handler.
 * The handlers stay installed until then: a second Ctrl-C (the installer slow
 * to exit) kills the children at once instead of killing us before rollback.
 */
function rollbackOnSignal(workspace: Workspace): { interrupted: () => boolean; remove: () => void } {
  let interrupted = false;
  const handlers = Object.entries(SIGNAL_EXIT_CODES).map(([signal, code]) => {
    const handler = () => {
      if (interrupted) {
        void stopChildren('SIGKILL');
        return;
      }
      interrupted = true;
      void stopChildren(signal as NodeJS.Signals).finally(() => {
        const undone = workspace.rollback();
        process.stderr.write(`\n✖ Cancelled by ${signal}${undone ? `: ${undone}` : ''}.\n`);
        process.exit(code);
      });
    };
    process.on(signal as NodeJS.Signals, handler);
    return [signal, handler] as const;
  });
  return {
    interrupted: () => interrupted,
    remove() {
      for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    },
  };
}

export interface Outcome {
  secretStored: boolean;
  dataLoaded: boolean;
}

export async function scaffold(ctx: Context, answers: Answers): Promise<Outcome> {
  const workspace = new Workspace(answers.targetDir);
  const signals = rollbackOnSignal(workspace);
  try {
    const root = templatesRoot();
    const entries = withOrmEntries(path.join(root, answers.template.name), answers.template, answers.orm, templateEntries(path.join(root, answers.template.name)));
    const written = [...entries.map((e) => e.target), ...GENERATED_PATHS, answers.template.platform.envFile, ...LOCKFILES];
    refuseSymlinks(answers.targetDir, answers.displayDir, written);
    workspace.begin();
    // In a directory that already existed (--force), what we overwrite is restored on failure.
    workspace.preserve(written);
    writeProject(root, answers, entries);
    addOrmToPackage(answers.targetDir, answers.template, answers.orm);
    ctx.log.success(`Wrote the ${answers.template.name} template to ${answers.displayDir}`);
    if (answers.install) {
      await installDependencies(ctx, answers);
      await generateTypes(ctx, answers);
    }
    // The project is complete here: data, secret and git only report their
    // problems. Until the run ends, though, an interruption (Ctrl-C at any
    // spinner) still stops the child and rolls the whole project back.
    const dataLoaded = answers.dbSetup ? await runDbSetup(ctx, answers) : false;
    const secretStored =
      answers.secret && answers.databaseUrl
        ? await putSecret(ctx, answers, answers.databaseUrl)
        : false;
    if (answers.git) await initGit(ctx, answers.targetDir);
    workspace.commit();
    return { secretStored, dataLoaded };
  } catch (err) {
    if (signals.interrupted()) await new Promise(() => {}); // the signal handler exits
    try {
      const undone = workspace.rollback();
      if (undone) ctx.log.info(`Rolled back: ${undone}.`);
    } catch (rollbackError) {
      ctx.log.warn(`Could not roll back everything: ${oneLine(rollbackError)}`);
    }
    throw err;
  } finally {
    signals.remove();
  }
}

/**
 * What to type next, for this package manager: commands with their comments
 * in one column, and lines that are only a comment.
 */
export function nextSteps(answers: Answers, { secretStored, dataLoaded }: Outcome): string {
  const pm = answers.packageManager;
  const { platform, scripts } = answers.template;
  const rows: [command: string, comment?: string][] = [];
  if (answers.displayDir !== '.') rows.push([`cd ${answers.displayDir.includes(' ') ? JSON.stringify(answers.displayDir) : answers.displayDir}`]);
  if (!answers.install) {
    rows.push([`${pm} install`]);
    if (typesScript(answers.targetDir)) rows.push([runScript(pm, 'types'), 'generates worker-configuration.d.ts (wrangler types)']);
  }
  const secretCommand = forPackageManager(pm, platform.secretCommand);
  const local = answers.databaseUrl !== undefined && isLocalDatabaseUrl(answers.databaseUrl);
  if (answers.neonNew) rows.push([claimStep(answers.neonNew)]);
  if (!answers.databaseUrl && answers.template.embeddedDatabase) {
    rows.push([`# no DATABASE_URL: ${runScript(pm, 'start')} and ${runScript(pm, 'test')} use an embedded Postgres (PGlite, kept in .neon-localhost/pgdata)`]);
    // The first start prepares it once, data included (neon-on-localhost's prepared database).
    if (answers.template.dbSetup) rows.push(['# the first start or test run prepares it once, with the data (about a minute)']);
    const production = answers.template.hyperdrive ? 'create the Hyperdrive configuration (below)' : `run ${secretCommand}`;
    rows.push([`# to switch to Neon: put DATABASE_URL=postgres://… in ${platform.envFile}, then ${production}`]);
  } else if (!answers.databaseUrl) {
    rows.push([`# put DATABASE_URL=postgres://… in ${platform.envFile}`]);
  }
  if (answers.template.dbSetup && !dataLoaded && (answers.databaseUrl || !answers.template.embeddedDatabase)) {
    rows.push([runScript(pm, 'db:setup'), 'schema and data into DATABASE_URL']);
  }
  rows.push([runScript(pm, 'start'), scripts.start]);
  rows.push([runScript(pm, 'test'), scripts.test]);
  if (answers.template.hyperdrive) {
    // Production reads the Hyperdrive binding: its set-up replaces the secret (see hyperdrive.ts).
    for (const line of hyperdriveSteps(answers)) {
      const [command, comment] = line.startsWith('#') ? [line] : line.split(/ {3}# /);
      rows.push(comment ? [command, comment] : [command]);
    }
  } else if (!secretStored) {
    rows.push([secretCommand, local ? 'once, before the first deploy: paste a Neon URL (production cannot reach a database on this machine)' : 'once, before the first deploy']);
  }
  rows.push([runScript(pm, 'deploy'), scripts.deploy]);
  const width = Math.max(...rows.filter(([, comment]) => comment).map(([command]) => command.length));
  return rows.map(([command, comment]) => (comment ? `${command.padEnd(width)}   # ${comment}` : command)).join('\n');
}

function version(): string {
  return (pkg as { version: string }).version;
}

/** Runs the CLI; returns the exit code. Errors are printed as one line. */
export async function main(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  try {
    const args = parseCliArgs(argv);
    if (args.help) {
      process.stdout.write(helpText(TEMPLATES));
      return 0;
    }
    if (args.version) {
      process.stdout.write(`${version()}\n`);
      return 0;
    }
    // stdout first: without a terminal there, node:tty (loaded on use in the build) is never loaded.
    const interactive = options.interactive ?? (Boolean(process.stdout.isTTY) && isatty(0));
    const ctx: Context = {
      args,
      // `npm run create -- dir` runs in the repository root; INIT_CWD is where the user typed it.
      cwd: options.cwd ?? (env.npm_lifecycle_event === 'create' && env.INIT_CWD ? env.INIT_CWD : process.cwd()),
      env,
      interactive,
      prompt: options.prompt ?? clackPrompter,
      log: options.log ?? clackLogger(interactive),
    };
    ctx.log.intro(`create-neon-edge ${version()}`);
    const answers = await askAll(ctx);
    const outcome = await scaffold(ctx, answers);
    ctx.log.step(`Next steps:\n${nextSteps(answers, outcome)}`);
    ctx.log.outro(`Done: ${answers.projectName} is ready.${answers.neonNew ? ` ${claimOutro(answers.neonNew)}` : ''}`);
    return 0;
  } catch (err) {
    if (err instanceof CancelledError) {
      process.stderr.write('✖ Cancelled: nothing was written.\n');
      return err.exitCode;
    }
    if (err instanceof CliError) {
      process.stderr.write(`✖ ${printable(err.message)}\n`);
      return err.exitCode;
    }
    const fileSystem = fileSystemError(err);
    if (fileSystem) {
      process.stderr.write(`✖ ${printable(fileSystem)}\n`);
      return 1;
    }
    process.stderr.write(`✖ Unexpected error: ${printable(oneLine(err))} (please report it with the command you ran).\n`);
    return 1;
  }
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

/** Error messages may quote what the user typed: keep them on one line. */
function printable(message: string): string {
  return message.replace(/[\x00-\x1f\x7f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** The environment's errors while writing (checked before, but the disk can change): one line naming the fix. */
function fileSystemError(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException & { dest?: string };
  // A failed copy names its source in `path` and what it was writing in `dest`.
  const written = e?.dest ?? e?.path;
  const where = written ? ` ${written}` : '';
  switch (e?.code) {
    case 'EACCES':
    case 'EPERM':
      return `Cannot write${where} (permission denied): choose a directory you can write to.`;
    case 'EROFS':
      return `Cannot write${where} (read-only file system): choose a directory you can write to.`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `No space left to write${where}: free some disk space, or choose a directory on another disk.`;
    case 'ENAMETOOLONG':
      return `A path is too long to write${written ? ` (${shownName(written)})` : ''}: choose a shorter directory name.`;
    default:
      return undefined;
  }
}
