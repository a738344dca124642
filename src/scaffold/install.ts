import type { Answers, Context } from './context.ts';
import { CliError } from './errors.ts';
import { runCommand } from './exec.ts';
import { installCommand } from './package-manager.ts';
import { redact } from './redact.ts';

const TAIL_LINES = 15;

export async function installDependencies(ctx: Context, answers: Answers): Promise<void> {
  const [command, args] = installCommand(answers.packageManager);
  const shown = [command, ...args].join(' ');
  const result = await ctx.log.task(`Installing dependencies (${shown})`, () =>
    runCommand(command, args, { cwd: answers.targetDir }),
  );
  if (result.missing) {
    throw new CliError(`${command} is not installed: install it, or pass --package-manager npm (or --no-install).`);
  }
  if (result.code !== 0) {
    const tail = redact(result.output, answers.databaseUrl).trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
    if (tail) process.stderr.write(`${tail}\n`);
    throw new CliError(`${shown} failed (exit ${result.code}): fix the problem shown above, or pass --no-install and install later.`);
  }
}
