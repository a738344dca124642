// `wrangler dev` (Miniflare) fetches the object a Worker sees as `request.cf`
// from workers.cloudflare.com at each start, unless it has a copy under 30
// days old (node_modules/.mf/cf.json, .wrangler/cache/cf.json, or
// $MINIFLARE_CACHE_DIR/cf.json). Offline, the fetch fails: it prints "Unable
// to fetch the `Request.cf` object" with a stack, twice, and uses a
// placeholder that puts every request in Austin, Texas. Miniflare reads
// CLOUDFLARE_CF_FETCH_ENABLED=false as "use the placeholder, quietly"; `run`
// sets it only when the fetch would fail, and says once which place that is.

import { lookup } from 'node:dns/promises';
import { statSync } from 'node:fs';
import path from 'node:path';

/** Where Miniflare fetches `request.cf` from. */
const CF_HOST = 'workers.cloudflare.com';
/** Miniflare's switch (read by wrangler 4 through Miniflare 4 and 5). */
export const CF_FETCH_VARIABLE = 'CLOUDFLARE_CF_FETCH_ENABLED';
/** How long Miniflare uses a fetched copy. */
const CACHE_DAYS = 30;
/** A name lookup that takes longer than this counts as offline. */
const LOOKUP_TIMEOUT_MS = 2_000;

/** Miniflare's placeholder, as the Worker sees it: detect it with these (the coordinates are strings). */
export const CF_PLACEHOLDER = { city: 'Austin', region: 'Texas', country: 'US', latitude: '30.27130', longitude: '-97.74260', asn: 395747 } as const;

function freshCache(projectDir: string, env: NodeJS.ProcessEnv): boolean {
  const candidates = [
    ...(env.MINIFLARE_CACHE_DIR ? [path.resolve(projectDir, env.MINIFLARE_CACHE_DIR, 'cf.json')] : []),
    path.join(projectDir, 'node_modules', '.mf', 'cf.json'),
    path.join(projectDir, '.wrangler', 'cache', 'cf.json'),
  ];
  return candidates.some((file) => {
    try {
      return Date.now() - statSync(file).mtimeMs <= CACHE_DAYS * 86_400_000;
    } catch {
      return false;
    }
  });
}

async function reachable(host: string): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), LOOKUP_TIMEOUT_MS)));
  try {
    return await Promise.race([
      lookup(host).then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * For the environment of `wrangler dev`: when Miniflare could not fetch
 * `request.cf` (no fresh copy, and its host has no address from here), turns
 * the fetch off and returns the line to print; else changes nothing. A value
 * the user set is left as it is.
 */
export async function quietOfflineCf(env: NodeJS.ProcessEnv, projectDir: string, host = CF_HOST): Promise<string | undefined> {
  if (env[CF_FETCH_VARIABLE] !== undefined || env.CLOUDFLARE_CF_FETCH_PATH !== undefined) return undefined;
  if (freshCache(projectDir, env) || (await reachable(host))) return undefined;
  env[CF_FETCH_VARIABLE] = 'false';
  const { city, region, country, latitude, longitude } = CF_PLACEHOLDER;
  return `offline: wrangler dev gives request.cf its placeholder (${city}, ${region}, ${country}; ${latitude}, ${longitude}), not your location`;
}
