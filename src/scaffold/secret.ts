// `wrangler secret put DATABASE_URL`, with the value on stdin only: never in
// argv (visible to every user of the machine) and never echoed.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Context } from './context.ts';
import { runCommand } from './exec.ts';
import { redact } from './redact.ts';

const NOT_LOGGED_IN = /not (currently )?(logged|authenticated)|wrangler login|CLOUDFLARE_API_TOKEN|authentication error|\[code: 10000\]/i;

/** The project's own wrangler when installed, else one on PATH. */
function wranglerBin(dir: string): string {
  const local = path.join(dir, 'node_modules', '.bin', process.platform === 'win32' ? 'wrangler.cmd' : 'wrangler');
  return existsSync(local) ? local : 'wrangler';
}

/** Returns true when the secret was stored. A failure is reported, never thrown. */
export async function putSecret(ctx: Context, dir: string, displayDir: string, databaseUrl: string): Promise<boolean> {
  const later = `run \`npx wrangler secret put DATABASE_URL\` in ${displayDir}`;
  const result = await ctx.log.task('Storing DATABASE_URL as a Cloudflare secret', () =>
    runCommand(wranglerBin(dir), ['secret', 'put', 'DATABASE_URL'], { cwd: dir, input: `${databaseUrl}\n` }),
  );
  const output = redact(result.output, databaseUrl).trim();
  if (result.missing) {
    ctx.log.warn(`wrangler is not installed here, so the secret was not set: install dependencies, then ${later}.`);
    return false;
  }
  if (result.code === 0) {
    ctx.log.success('Stored DATABASE_URL as a Cloudflare secret.');
    return true;
  }
  if (NOT_LOGGED_IN.test(output)) {
    ctx.log.warn(`Wrangler is not logged in to Cloudflare, so the secret was not set: run \`npx wrangler login\`, then ${later}.`);
    return false;
  }
  const lastLine = output.split('\n').filter(Boolean).pop() ?? '';
  ctx.log.warn(`wrangler secret put failed (exit ${result.code}${lastLine ? `: ${lastLine}` : ''}): ${later}.`);
  return false;
}
