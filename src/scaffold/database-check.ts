// The connection string given at create time, tried once, with a short
// timeout, before anything is written: a mistyped password or a stopped
// server is said while the questions are still open (the prompt offers to
// paste it again), or, given as a flag, in one line, and at the end of the
// run with what to fix. A failed check never stops the run: the database may
// simply not be up yet, and the project is written as asked.

import { type ConnectionProblem, connectionProblem } from 'neon-on-localhost/connection-problem';
import type { Connect, Context } from './context.ts';

/** Long enough for Neon to wake a suspended compute, short enough to wait for. */
export const CHECK_TIMEOUT_MS = 5_000;

/** pg, from a bundle of its own loaded on first use (scripts/build.ts). */
export const connectWithPg: Connect = async (url, timeoutMs) => (await import('./pg-connect.ts')).tryConnect(url, timeoutMs);

/** Tries `url` (not with --no-check); the problem, naming `where` the URL will be (e.g. `DATABASE_URL in my-app/.dev.vars`), or undefined. */
export async function checkConnection(ctx: Pick<Context, 'args' | 'log' | 'connect'>, url: string, where: string): Promise<ConnectionProblem | undefined> {
  if (ctx.args.check === false) return undefined;
  const err = await ctx.log.task('Checking the connection', () => ctx.connect(url, CHECK_TIMEOUT_MS));
  return err === undefined ? undefined : connectionProblem(err, url, where);
}
