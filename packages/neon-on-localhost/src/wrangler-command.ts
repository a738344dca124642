// Whether the command `run` starts is wrangler's dev server: it then gets the
// proxy's address as a --var, a Host/Origin guard in front (wrangler-front.ts)
// and, offline, no request.cf fetch (wrangler-cf.ts).

/** True for `wrangler dev …` and `npx wrangler dev …` (the command and its arguments). */
export function isWranglerDev(commandLine: readonly string[]): boolean {
  const at = commandLine.findIndex((word) => word === 'wrangler' || word.endsWith('/wrangler'));
  return at >= 0 && commandLine[at + 1] === 'dev';
}
