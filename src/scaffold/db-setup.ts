// `npm run db:setup` in the new project: the template's own loader creates
// the schema and loads the data into DATABASE_URL (which it reads from
// .dev.vars). A failure is reported with the command to run later; the
// project itself is complete by then.

import { redact } from 'neon-on-localhost/redact';
import type { Answers, Context } from './context.ts';
import { runCommand } from './exec.ts';
import { runScript } from './package-manager.ts';

/** Runs it; resolves to why the data was not loaded (one line), or undefined when it was. */
export async function runDbSetup(
  ctx: Pick<Context, 'log'>,
  answers: Pick<Answers, 'packageManager' | 'targetDir' | 'displayDir' | 'databaseUrl'>,
): Promise<string | undefined> {
  const command = runScript(answers.packageManager, 'db:setup');
  const [bin, ...args] = command.split(' ');
  const result = await ctx.log.task(`Loading the data (${command})`, () => runCommand(bin, args, { cwd: answers.targetDir }));
  const output = redact(result.output, answers.databaseUrl).trim();
  if (result.code === 0) {
    const summary = output
      .split('\n')
      .filter((line) => line.startsWith('✔'))
      .pop();
    ctx.log.success(summary?.replace(/^✔\s*/, '') ?? 'Loaded the data.');
    return undefined;
  }
  const reason =
    output
      .split('\n')
      .filter((line) => line.startsWith('✖'))
      .pop()
      ?.replace(/^✖\s*/, '') ?? `${command} exited with code ${result.code}`;
  ctx.log.warn(`The data was not loaded: ${reason}`);
  return reason;
}
