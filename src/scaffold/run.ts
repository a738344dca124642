// The whole run: parse flags, ask everything, then write, install, store the
// secret and commit, undoing the writes if anything fails or is interrupted.

import path from 'node:path';
import { isatty } from 'node:tty';
import pkg from '../../package.json' with { type: 'json' };
import type { Answers, Connect, Context } from './context.ts';
import { connectWithPg } from './database-check.ts';
import { runDbSetup } from './db-setup.ts';
import { CancelledError, CliError } from './errors.ts';
import { stopChildren } from './exec.ts';
import { initGit } from './git.ts';
import { generateTypes, installDependencies } from './install.ts';
import { claimOutro } from './neon-new.ts';
import { nextSteps, type Outcome } from './next-steps.ts';
import { projectNodeProblem } from './node-check.ts';
import { helpText, parseCliArgs } from './options.ts';
import { addOrmToPackage } from './orm.ts';
import { GENERATED_PATHS } from './project-files.ts';
import { clackLogger, clackPrompter, type Logger, type Prompter } from './prompter.ts';
import { askAll } from './questions.ts';
import { notReady, outroMessage } from './readiness.ts';
import { putSecret } from './secret.ts';
import { refuseSymlinks, shownName } from './target-dir.ts';
import { TEMPLATES, templatesRoot } from './templates.ts';
import { escapeControlCharacters, oneLine } from './text.ts';
import { Workspace } from './workspace.ts';
import { projectEntries, writeProject } from './write-project.ts';

// What an install may write next to package.json.
const LOCKFILES = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb'];

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  interactive?: boolean;
  prompt?: Prompter;
  log?: Logger;
  connect?: Connect;
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

export async function scaffold(ctx: Context, answers: Answers): Promise<Outcome> {
  const workspace = new Workspace(answers.targetDir);
  const signals = rollbackOnSignal(workspace);
  try {
    const root = templatesRoot();
    const entries = projectEntries(path.join(root, answers.template.name), answers);
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
    const dataProblem = answers.dbSetup ? await runDbSetup(ctx, answers) : undefined;
    const dataLoaded = answers.dbSetup && dataProblem === undefined;
    const secretStored = answers.secret && answers.databaseUrl ? await putSecret(ctx, answers, answers.databaseUrl) : false;
    if (answers.git) await initGit(ctx, answers.targetDir);
    workspace.commit();
    return { secretStored, dataLoaded, ...(dataProblem ? { dataProblem } : {}) };
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
      connect: options.connect ?? connectWithPg,
    };
    ctx.log.intro(`create-neon-edge ${version()}`);
    const answers = await askAll(ctx);
    const outcome = await scaffold(ctx, answers);
    ctx.log.step(`Next steps:\n${nextSteps(answers, outcome)}`);
    const unready = notReady(answers, outcome, projectNodeProblem(env, answers.packageManager));
    if (unready.length > 1) for (const line of unready) ctx.log.warn(line);
    ctx.log.outro(`${outroMessage(answers.projectName, unready)}${answers.neonNew ? ` ${claimOutro(answers.neonNew)}` : ''}`);
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

/** Error messages may quote what the user typed: keep them on one line. */
const printable = escapeControlCharacters;

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
