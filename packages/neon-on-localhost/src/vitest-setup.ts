// vitest globalSetup, `globalSetup: ['neon-on-localhost/vitest']` (runs in
// Node, before the tests run inside the edge runtime): finds DATABASE_URL,
// starts the local proxy when the database is on this machine, and hands both
// to the tests and the config through `inject('databaseUrl')` and
// `inject('neonLocalhostProxy')`. It also sets Hyperdrive's local connection
// (see hyperdriveLocalConnection in run.ts) for Workers with a HYPERDRIVE binding.
//
// Each test file can have a database of its own (test-databases.ts): the
// setup file neon-on-localhost/vitest/database asks for one through the
// proxy with the run's secret, handed over as inject('neonLocalhostTestDatabases').
// Against a database elsewhere (Neon), the run gets a Neon branch of its own
// when NEON_API_KEY and NEON_PROJECT_ID are set (neon-branch.ts); otherwise the
// files share the database, and a line says so.
//
// The embedded database listens at once and opens while vitest starts its
// workers; a test's first login waits for it.

import './node-version.ts';
import { randomBytes } from 'node:crypto';
import type { ProvidedContext } from 'vitest';
import { setHyperdriveLocalConnection } from './hyperdrive-local.ts';
import { ConnectionFailed, connectionFailedLine } from './connection-problem.ts';
import { checkedDatabaseUrl, envFileOf, isLocalDatabaseUrl, maskDatabaseUrl } from './database-url.ts';
import { listenProxyProcess, type ListeningProxy } from './spawn-proxy.ts';
import { createTestBranch, neonApiFromEnv } from './neon-branch.ts';
import { readProjectConfig } from './project-config.ts';
import { applyPendingMigrations } from './migrate.ts';
import { targetOf } from './targets.ts';

/** How test files get their databases: through the proxy's endpoint with the run's secret, or one shared database and why. */
export type TestDatabasesInfo = { control: string; token: string } | { shared: string };

declare module 'vitest' {
  interface ProvidedContext {
    /** The database the tests use (an embedded one when there is no DATABASE_URL). */
    databaseUrl: string;
    /** host:port of the local proxy, or '' when the database is not on this machine. */
    neonLocalhostProxy: string;
    /** For neon-on-localhost/vitest/database: where a test file gets a database of its own, or why the files share one. */
    neonLocalhostTestDatabases: TestDatabasesInfo;
  }
}

/** What the setup uses of vitest's TestProject. */
interface SetupProject {
  provide<K extends 'databaseUrl' | 'neonLocalhostProxy' | 'neonLocalhostTestDatabases'>(key: K, value: ProvidedContext[K]): void;
  vitest?: {
    /** The files named on the command line (vitest's, internal: without it every file counts). */
    filenamePattern?: string[];
    projects: Array<{ config: { setupFiles?: string[] }; globTestFiles(filters?: string[]): Promise<{ testFiles: string[] }> }>;
  };
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

const say = (line: string) => console.log(`[neon-on-localhost] ${line}`);

/** The setup file that asks for a database per test file (vitest-database.ts), compiled or from source. */
const PER_FILE_SETUP = /neon-on-localhost[\\/](dist|src)[\\/]vitest-database\.(js|ts)$/;

/**
 * How many test files will ask for a database of their own: those of projects
 * that list the setup file, and of those the ones named on the command line
 * (`vitest run test/one.test.ts`). Copies are opened ahead for that many: one
 * for a file that does not run costs CPU the run needs.
 */
export async function filesAsking(project: Pick<SetupProject, 'vitest'>): Promise<number> {
  const filters = (project.vitest?.filenamePattern ?? []).map((filter) => filter.replace(/:\d+$/, '')); // file:line
  let count = 0;
  for (const p of project.vitest?.projects ?? []) {
    if (!(p.config.setupFiles ?? []).some((file) => PER_FILE_SETUP.test(file))) continue;
    count += (await p.globTestFiles(filters)).testFiles.length;
  }
  return count;
}

/** The line when the files share one database. */
const sharedLine = (reason: string) => `the test files share one database: ${reason}`;

/** The shared mode's reason when the project asked for it (package.json), else undefined. */
function optedOut(): string | undefined {
  const config = readProjectConfig(process.cwd());
  return config.testDatabase === 'shared' ? `"neon-on-localhost": { "testDatabase": "shared" } in package.json` : undefined;
}

/** Hands the per-file endpoint (or the reason there is none) to the tests. */
async function provideTestDatabases(project: SetupProject, proxy: ListeningProxy | undefined, token: string, optOut: string | undefined): Promise<void> {
  const mode = optOut ? { perFile: false as const, reason: optOut } : proxy ? await proxy.testDatabases : { perFile: false as const, reason: 'no local proxy' };
  if (mode.perFile) return project.provide('neonLocalhostTestDatabases', { control: proxy!.address, token });
  say(sharedLine(mode.reason));
  project.provide('neonLocalhostTestDatabases', { shared: mode.reason });
}

async function start(project: SetupProject): Promise<() => Promise<void>> {
  const checked = checkedDatabaseUrl(process.cwd());
  if (checked.problem) throw new SetupError(checked.problem);
  const optOut = optedOut();
  const token = randomBytes(24).toString('base64url');
  const perFile = optOut
    ? {}
    : { args: ['--test-databases'], env: { NEON_LOCALHOST_TESTS_TOKEN: token, NEON_LOCALHOST_TESTS_FILES: String(await filesAsking(project)) } };
  const databaseUrl = checked.url;
  if (!databaseUrl) {
    // It listens at once; the database opens (prepared, migrated) while vitest starts its workers,
    // and a test's first login waits for it. If it cannot, the run ends with its reason.
    const embedded = await listenProxyProcess({ embedded: 'memory', project: process.cwd() }, perFile);
    embedded.ready.catch(async (err: Error) => {
      await embedded.stop();
      await endTestRun(
        `✖ neon-on-localhost could not start for the tests: ${err.message.split('\n')[0]}. Set DATABASE_URL in ${envFileOf(process.cwd())} to test against Neon or a local Postgres instead.`,
      );
    });
    say(`No DATABASE_URL: testing against an embedded Postgres (PGlite, in memory) — set DATABASE_URL in ${envFileOf(process.cwd())} to test against Neon`);
    project.provide('databaseUrl', embedded.databaseUrl ?? '');
    setHyperdriveLocalConnection(process.env, embedded.databaseUrl ?? '');
    // The Workers plugin reads wrangler.jsonc's required secrets from here: without it, it
    // warns that DATABASE_URL is missing although the tests get it as a binding.
    process.env.DATABASE_URL = embedded.databaseUrl;
    project.provide('neonLocalhostProxy', embedded.address);
    await provideTestDatabases(project, embedded, token, optOut);
    return () => embedded.stop();
  }
  if (!isLocalDatabaseUrl(databaseUrl)) return startRemote(project, databaseUrl, checked.migrationUrl ?? databaseUrl, optOut);
  const migrationUrl = checked.migrationUrl ?? databaseUrl;
  await migrateFirst(migrationUrl, async () => {});
  project.provide('databaseUrl', databaseUrl);
  setHyperdriveLocalConnection(process.env, databaseUrl);
  const env = optOut ? {} : { ...perFile.env, NEON_LOCALHOST_TESTS_URL: databaseUrl, NEON_LOCALHOST_TESTS_ADMIN_URL: migrationUrl };
  const proxy = await listenProxyProcess([targetOf(databaseUrl)], { ...perFile, env });
  await proxy.ready;
  say(`proxy on ${proxy.address} → ${maskDatabaseUrl(databaseUrl)}`);
  project.provide('neonLocalhostProxy', proxy.address);
  await provideTestDatabases(project, proxy, token, optOut);
  return () => proxy.stop();
}

/**
 * A database elsewhere (Neon): a branch of its own for the run when
 * NEON_API_KEY and NEON_PROJECT_ID are set, removed after; else the files
 * share the database, said in one line.
 */
async function startRemote(project: SetupProject, databaseUrl: string, migrationUrl: string, optOut: string | undefined): Promise<() => Promise<void>> {
  project.provide('neonLocalhostProxy', '');
  const api = optOut ? undefined : neonApiFromEnv(process.env);
  if (!api) {
    await migrateFirst(migrationUrl, async () => {});
    say(`testing against ${maskDatabaseUrl(databaseUrl)}`);
    const reason = optOut ?? 'it is not on this machine (set NEON_API_KEY and NEON_PROJECT_ID for a Neon branch per test run)';
    say(sharedLine(reason));
    project.provide('databaseUrl', databaseUrl);
    project.provide('neonLocalhostTestDatabases', { shared: reason });
    setHyperdriveLocalConnection(process.env, databaseUrl);
    return async () => {};
  }
  const branch = await createTestBranch(api, databaseUrl, say).catch((err: Error) => {
    throw new SetupError(
      `${err.message.split('\n')[0]}. Check NEON_API_KEY and NEON_PROJECT_ID, or unset them to test against ${maskDatabaseUrl(databaseUrl)} itself.`,
    );
  });
  await migrateFirst(branch.directUrl, () => branch.remove());
  say(`testing against a Neon branch of its own, ${branch.name} (${maskDatabaseUrl(branch.url)}), removed after the run`);
  const reason = `they share the run's Neon branch ${branch.name}`;
  project.provide('databaseUrl', branch.url);
  project.provide('neonLocalhostTestDatabases', { shared: reason });
  setHyperdriveLocalConnection(process.env, branch.directUrl);
  return () => branch.remove();
}
