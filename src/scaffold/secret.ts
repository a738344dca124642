// DATABASE_URL as a production secret (`wrangler secret put DATABASE_URL`,
// `vercel env add DATABASE_URL production`), with the value on stdin only:
// never in argv (visible to every user of the machine) and never echoed.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { redact } from 'neon-on-localhost/redact';
import type { Answers, Context } from './context.ts';
import { runCommand } from './exec.ts';
import { secondsFromEnv } from './settings.ts';

/** The project's own CLI when installed, else one on PATH. */
function cliBin(dir: string, cli: string): string {
  const local = path.join(dir, 'node_modules', '.bin', process.platform === 'win32' ? `${cli}.cmd` : cli);
  return existsSync(local) ? local : cli;
}

/** How long `wrangler secret put` / `vercel env add` may take (it can wait forever on a login or a question). */
export const SECRET_TIMEOUT_ENV = 'CREATE_NEON_EDGE_SECRET_TIMEOUT';
const DEFAULT_SECRET_TIMEOUT_S = 60;

/** Seconds from CREATE_NEON_EDGE_SECRET_TIMEOUT, else 60. Throws CliError for a value that is not a positive number. */
export function secretTimeoutSeconds(env: NodeJS.ProcessEnv): number {
  return secondsFromEnv(env, SECRET_TIMEOUT_ENV, DEFAULT_SECRET_TIMEOUT_S);
}

/** Returns true when the secret was stored. A failure is reported, never thrown. */
export async function putSecret(
  ctx: Pick<Context, 'env' | 'log'>,
  answers: Pick<Answers, 'template' | 'targetDir' | 'displayDir'>,
  databaseUrl: string,
): Promise<boolean> {
  const platform = answers.template.platform;
  const later = `run \`${platform.secretCommand}\` in ${answers.displayDir}`;
  const seconds = secretTimeoutSeconds(ctx.env);
  const result = await ctx.log.task(`Storing DATABASE_URL as a ${platform.label} secret`, () =>
    runCommand(cliBin(answers.targetDir, platform.cli), platform.secretArgs, {
      cwd: answers.targetDir,
      input: `${databaseUrl}\n`,
      timeoutMs: seconds * 1000,
    }),
  );
  const output = redact(result.output, databaseUrl).trim();
  if (result.timedOut) {
    ctx.log.warn(`${platform.cli} did not finish within ${seconds} s (${SECRET_TIMEOUT_ENV}), so it was stopped and the secret was not set: ${later}.`);
    return false;
  }
  if (result.missing) {
    ctx.log.warn(`${platform.cli} is not installed here, so the secret was not set: ${platform.installHint}, then ${later}.`);
    return false;
  }
  if (result.code === 0) {
    ctx.log.success(`Stored DATABASE_URL as a ${platform.label} secret.`);
    return true;
  }
  if (platform.notLoggedIn.test(output)) {
    ctx.log.warn(`${platform.cli} is not logged in to ${platform.label}, so the secret was not set: run \`${platform.loginCommand}\`, then ${later}.`);
    return false;
  }
  if (platform.notLinked?.pattern.test(output)) {
    ctx.log.warn(
      `This directory is not linked to a ${platform.label} project yet, so the secret was not set: run \`${platform.notLinked.command}\`, then ${later}.`,
    );
    return false;
  }
  const lastLine = output.split('\n').filter(Boolean).pop() ?? '';
  ctx.log.warn(`${platform.cli} ${platform.secretArgs.slice(0, 2).join(' ')} failed (exit ${result.code}${lastLine ? `: ${lastLine}` : ''}): ${later}.`);
  return false;
}
