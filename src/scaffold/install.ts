// Installs the project's dependencies, then generates what follows from them.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { redact } from 'neon-on-localhost/redact';
import type { Answers, Context } from './context.ts';
import { CliError } from './errors.ts';
import { runCommand } from './exec.ts';
import { installCommand, runScript } from './package-manager.ts';

const TAIL_LINES = 15;

export async function installDependencies(ctx: Pick<Context, 'log'>, answers: Pick<Answers, 'packageManager' | 'targetDir' | 'databaseUrl'>): Promise<void> {
  const [command, args] = installCommand(answers.packageManager);
  const shown = [command, ...args].join(' ');
  const result = await ctx.log.task(`Installing dependencies (${shown})`, () => runCommand(command, args, { cwd: answers.targetDir }));
  if (result.missing) {
    throw new CliError(`${command} is not installed: install it, or pass --package-manager npm (or --no-install).`);
  }
  if (result.code !== 0) {
    const tail = redact(result.output, answers.databaseUrl).trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
    if (tail) process.stderr.write(`${tail}\n`);
    throw new CliError(`${shown} failed (exit ${result.code}): fix the problem shown above, or pass --no-install and install later.`);
  }
}

/** The project's `types` script, when it has one (Workers: `wrangler types` writes worker-configuration.d.ts). */
export function typesScript(targetDir: string): string | undefined {
  const file = path.join(targetDir, 'package.json');
  if (!existsSync(file)) return undefined;
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { scripts?: Record<string, string> };
  return pkg.scripts?.types;
}

/**
 * Generated types are made after install, as create-cloudflare does, rather
 * than shipped: they follow the installed wrangler and the project's config.
 * A failure here is reported, not fatal: the project runs without them.
 */
export async function generateTypes(ctx: Pick<Context, 'log'>, answers: Pick<Answers, 'packageManager' | 'targetDir' | 'displayDir'>): Promise<void> {
  if (!typesScript(answers.targetDir)) return;
  const [command, args] = [answers.packageManager, ['run', 'types']];
  const result = await ctx.log.task('Generating types (wrangler types)', () => runCommand(command, args, { cwd: answers.targetDir }));
  if (result.code !== 0 || result.missing) {
    ctx.log.warn(`Could not generate the Workers types: run \`${runScript(answers.packageManager, 'types')}\` in ${answers.displayDir} later.`);
  }
}
