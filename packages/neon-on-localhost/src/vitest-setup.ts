// vitest globalSetup, `globalSetup: ['neon-on-localhost/vitest']` (runs in
// Node, before the tests run inside the edge runtime): finds DATABASE_URL,
// starts the local proxy when the database is on this machine, and hands both
// to the tests and the config through `inject('databaseUrl')` and
// `inject('neonLocalhostProxy')`. It also sets Hyperdrive's local connection
// (see hyperdriveLocalConnection in run.ts) for Workers with a HYPERDRIVE binding.

import './node-version.ts';
import type {} from 'vitest';
import { setHyperdriveLocalConnection } from './hyperdrive-local.ts';
import { ConnectionFailed, connectionFailedLine } from './connection-problem.ts';
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

/** vitest's globalSetup: on failure, the one line saying why and what to fix is all the run prints (endTestRun). */
export default async function setup(project: SetupProject): Promise<() => Promise<void>> {
  try {
    return await setupOrThrow(project);
  } catch (err) {
    return endTestRun((err as Error).message);
  }
}

/** The set-up itself; a failure throws an Error whose message is the one line to print. */
export async function setupOrThrow(project: SetupProject): Promise<() => Promise<void>> {
  try {
    return await start(project);
  } catch (err) {
    const message =
      err instanceof SetupError
        ? `✖ ${err.message}`
        : `✖ neon-on-localhost could not start for the tests: ${(err as Error).message.split('\n')[0]}. Set DATABASE_URL in ${envFileOf(process.cwd())} to test against Neon or a local Postgres instead.`;
    throw Object.assign(new Error(message), { stack: message });
  }
}

/**
 * Ends the test run with `line` as the only thing it says after vitest's
 * banner. An error thrown by a globalSetup is printed by vitest last: after
 * "No test files found, exiting with code 1" and the include and exclude
 * lists, with its stack and, for a driver's error, a "Serialized Error" dump
 * of its fields. So a set-up that cannot go on prints its reason here and
 * exits, having stopped what it started. Also for a project's own globalSetup.
 */
export async function endTestRun(line: string): Promise<never> {
  await new Promise<void>((resolve) => process.stderr.write(`${line}\n`, () => resolve()));
  process.exit(1);
}

/** For a project's own globalSetup: why `url` could not be connected to, and the fix, as one line. */
export function connectionFailureLine(url: string, err: unknown): string {
  return `✖ ${connectionFailedLine(new ConnectionFailed(url, err), process.cwd(), 'then run the tests again')}`;
}

/** A problem in the project itself, said as it is. */
class SetupError extends Error {}

/** The tests see the current schema: pending migrations are applied to their database first (migrate.ts). */
async function migrateFirst(url: string, stop: () => Promise<void>): Promise<void> {
  await applyPendingMigrations(process.cwd(), url).catch(async (err: Error) => {
    await stop();
    throw new SetupError(
      connectionFailedLine(err, process.cwd(), 'then run the tests again') ??
        `${maskDatabaseUrl(err.message.split('\n')[0])}. Fix it (or add a migration that does), then run the tests again.`,
    );
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
