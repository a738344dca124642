// vitest globalSetup, `globalSetup: ['neon-on-localhost/vitest']` (runs in
// Node, before the tests run inside the edge runtime): finds DATABASE_URL,
// starts the local proxy when the database is on this machine, and hands both
// to the tests and the config through `inject('databaseUrl')` and
// `inject('neonLocalhostProxy')`. It also sets Hyperdrive's local connection
// (see hyperdriveLocalConnection in run.ts) for Workers with a HYPERDRIVE binding.

import './node-version.ts';
import type {} from 'vitest';
import { setHyperdriveLocalConnection } from './hyperdrive-local.ts';
import { checkedDatabaseUrl, envFileOf, isLocalDatabaseUrl, maskDatabaseUrl } from './database-url.ts';
import { spawnProxy } from './spawn-proxy.ts';
import { applyPendingMigrations } from './migrate.ts';
import { targetOf } from './targets.ts';

declare module 'vitest' {
  interface ProvidedContext {
    /** The database the tests use (an embedded one when there is no DATABASE_URL). */
    databaseUrl: string;
    /** host:port of the local proxy, or '' when the database is not on this machine. */
    neonLocalhostProxy: string;
  }
}

interface SetupProject {
  provide<K extends 'databaseUrl' | 'neonLocalhostProxy'>(key: K, value: string): void;
}

export default async function setup(project: SetupProject): Promise<() => Promise<void>> {
  try {
    return await start(project);
  } catch (err) {
    // One line that says what to do, rather than a stack trace from inside vitest.
    const message =
      err instanceof SetupError || (err as { migration?: boolean }).migration
        ? `✖ ${(err as Error).message}`
        : `✖ neon-on-localhost could not start for the tests: ${(err as Error).message.split('\n')[0]}. Set DATABASE_URL in ${envFileOf(process.cwd())} to test against Neon or a local Postgres instead.`;
    console.error(message);
    throw Object.assign(new Error(message), { stack: message });
  }
}

/** A problem in the project itself, said as it is. */
class SetupError extends Error {}

/** The tests see the current schema: pending migrations are applied to their database first (migrate.ts). */
async function migrateFirst(url: string, stop: () => Promise<void>): Promise<void> {
  await applyPendingMigrations(process.cwd(), url).catch(async (err: Error) => {
    await stop();
    const message = `${maskDatabaseUrl(err.message.split('\n')[0])}. Fix it (or add a migration that does), then run the tests again.`;
    throw Object.assign(new Error(message), { migration: true });
  });
}

async function start(project: SetupProject): Promise<() => Promise<void>> {
  const checked = checkedDatabaseUrl(process.cwd());
  if (checked.problem) throw new SetupError(checked.problem);
  const databaseUrl = checked.url;
  if (!databaseUrl) {
    const embedded = await spawnProxy({ embedded: 'memory', project: process.cwd() });
    await migrateFirst(embedded.databaseUrl ?? '', () => embedded.stop());
    console.log(
      `[neon-on-localhost] No DATABASE_URL: testing against an embedded Postgres (PGlite, in memory) — set DATABASE_URL in ${envFileOf(process.cwd())} to test against Neon`,
    );
    project.provide('databaseUrl', embedded.databaseUrl ?? '');
    setHyperdriveLocalConnection(process.env, embedded.databaseUrl ?? '');
    // The Workers plugin reads wrangler.jsonc's required secrets from here: without it, it
    // warns that DATABASE_URL is missing although the tests get it as a binding.
    process.env.DATABASE_URL = embedded.databaseUrl;
    project.provide('neonLocalhostProxy', embedded.address);
    return () => embedded.stop();
  }
  await migrateFirst(checked.migrationUrl ?? databaseUrl, async () => {});
  project.provide('databaseUrl', databaseUrl);
  setHyperdriveLocalConnection(process.env, databaseUrl);
  if (!isLocalDatabaseUrl(databaseUrl)) {
    console.log(`[neon-on-localhost] testing against ${maskDatabaseUrl(databaseUrl)}`);
    project.provide('neonLocalhostProxy', '');
    return async () => {};
  }
  const proxy = await spawnProxy([targetOf(databaseUrl)]);
  console.log(`[neon-on-localhost] proxy on ${proxy.address} → ${maskDatabaseUrl(databaseUrl)}`);
  project.provide('neonLocalhostProxy', proxy.address);
  return () => proxy.stop();
}
