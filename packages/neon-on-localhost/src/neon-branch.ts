// A Neon branch of its own for a test run against Neon, through Neon's API
// (NEON_API_KEY, NEON_PROJECT_ID): a child of the branch DATABASE_URL's
// endpoint serves, with a read-write endpoint, removed when the run ends. Its
// roles and databases, passwords included, are the parent's, so its URL is
// DATABASE_URL with the new endpoint's host. A run killed outright leaves its
// branch; the next run on this machine removes it (its name holds the host
// name, process id and start), and any of ours older than a day.
//
// Written against Neon's API reference and tried against a stand-in server
// (test/neon-branch.test.ts), not against Neon itself.

import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { processStart } from './lock.ts';

export const TEST_BRANCH_PREFIX = 'neon-localhost-test-';
const DEFAULT_API_URL = 'https://console.neon.tech/api/v2';
const OPERATION_WAIT_MS = 120_000;
const STALE_MS = 24 * 60 * 60_000;

export interface NeonApi {
  apiKey: string;
  projectId: string;
  /** https://console.neon.tech/api/v2, or NEON_API_URL (a stand-in). */
  apiUrl: string;
}

/** NEON_API_KEY and NEON_PROJECT_ID (and NEON_API_URL), or undefined when either is missing. */
export function neonApiFromEnv(env: NodeJS.ProcessEnv): NeonApi | undefined {
  const apiKey = env.NEON_API_KEY?.trim();
  const projectId = env.NEON_PROJECT_ID?.trim();
  if (!apiKey || !projectId) return undefined;
  return { apiKey, projectId, apiUrl: (env.NEON_API_URL?.trim() || DEFAULT_API_URL).replace(/\/+$/, '') };
}

export interface TestBranch {
  name: string;
  /** DATABASE_URL on the branch (pooled when DATABASE_URL was). */
  url: string;
  /** Its direct URL (for migrations and Hyperdrive). */
  directUrl: string;
  remove(): Promise<void>;
}

interface Operation {
  id: string;
  status: string;
}

class NeonApiError extends Error {}

async function call<T>(api: NeonApi, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${api.apiUrl}/projects/${encodeURIComponent(api.projectId)}${path}`, {
    method,
    headers: { Authorization: `Bearer ${api.apiKey}`, Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  }).catch((err: Error) => {
    throw new NeonApiError(`Neon's API did not answer (${err.message})`);
  });
  const text = await response.text();
  if (!response.ok) {
    const message = (() => {
      try {
        return (JSON.parse(text) as { message?: string }).message;
      } catch {
        return undefined;
      }
    })();
    throw new NeonApiError(`Neon's API refused ${method} ${path.split('?')[0]}: ${response.status}${message ? ` ${message}` : ''}`);
  }
  return (text ? JSON.parse(text) : {}) as T;
}

/** The endpoint id in a Neon host: ep-cool-name-123456(-pooler).region.aws.neon.tech → ep-cool-name-123456. */
export function endpointIdOf(url: string): string | undefined {
  const first = new URL(url).hostname.split('.')[0];
  return first.startsWith('ep-') ? first.replace(/-pooler$/, '') : undefined;
}

/** `url` on the endpoint at `host` (its pooler when `url` used one). */
function onEndpoint(url: string, host: string, pooled: boolean): string {
  const copy = new URL(url);
  const [first, ...rest] = host.split('.');
  copy.hostname = pooled && rest.length ? [`${first}-pooler`, ...rest].join('.') : host;
  return copy.href;
}

/** `neon-localhost-test-<host>-<pid>-<start>`: a run on this machine tells a leftover from a live run by it. */
function branchName(pid = process.pid): string {
  const started = processStart(pid);
  const token = started ? createHash('sha256').update(started).digest('hex').slice(0, 8) : 'x';
  return `${TEST_BRANCH_PREFIX}${hostname()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 40)}-${pid}-${token}`;
}

/** True for a branch this toolkit made for a run that is over: on this machine, its process gone; anywhere, older than a day. */
function isLeftoverBranch(branch: { name: string; created_at?: string }, now = Date.now()): boolean {
  if (!branch.name.startsWith(TEST_BRANCH_PREFIX)) return false;
  if (branch.created_at && now - Date.parse(branch.created_at) > STALE_MS) return true;
  const m = /-(\d+)-([0-9a-fx]+)$/.exec(branch.name);
  if (!m || !branch.name.startsWith(branchName(Number(m[1])).replace(/-\d+-[0-9a-fx]+$/, ''))) return false;
  return branchName(Number(m[1])) !== branch.name;
}

async function waitFor(api: NeonApi, operations: Operation[]): Promise<void> {
  const until = Date.now() + OPERATION_WAIT_MS;
  for (const operation of operations) {
    let status = operation.status;
    while (status !== 'finished' && status !== 'skipped' && status !== 'cancelled') {
      if (status === 'failed' || status === 'error') throw new NeonApiError(`Neon's operation ${operation.id} failed`);
      if (Date.now() > until) throw new NeonApiError(`Neon's operation ${operation.id} did not finish within ${OPERATION_WAIT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      status = (await call<{ operation: Operation }>(api, 'GET', `/operations/${encodeURIComponent(operation.id)}`)).operation.status;
    }
  }
}

/** Removes the branches runs that are over left behind. */
async function sweepBranches(api: NeonApi, log: (line: string) => void): Promise<void> {
  const { branches } = await call<{ branches: Array<{ id: string; name: string; created_at?: string }> }>(api, 'GET', '/branches');
  const leftovers = branches.filter((branch) => isLeftoverBranch(branch));
  for (const branch of leftovers) await call(api, 'DELETE', `/branches/${encodeURIComponent(branch.id)}`);
  if (leftovers.length) log(`removed ${leftovers.length} Neon branch${leftovers.length === 1 ? '' : 'es'} left by test runs that ended without cleaning up`);
}

/** A branch of the one `databaseUrl`'s endpoint serves, for this run; throws a NeonApiError (one line) when Neon refuses. */
export async function createTestBranch(api: NeonApi, databaseUrl: string, log: (line: string) => void): Promise<TestBranch> {
  const endpointId = endpointIdOf(databaseUrl);
  if (!endpointId) throw new NeonApiError(`DATABASE_URL's host is not a Neon endpoint (ep-…), so no branch of it can be made`);
  await sweepBranches(api, log);
  const { endpoint } = await call<{ endpoint: { branch_id: string } }>(api, 'GET', `/endpoints/${encodeURIComponent(endpointId)}`);
  const name = branchName();
  const created = await call<{ branch: { id: string }; endpoints: Array<{ host: string }>; operations?: Operation[] }>(api, 'POST', '/branches', {
    branch: { parent_id: endpoint.branch_id, name },
    endpoints: [{ type: 'read_write' }],
  });
  const remove = async () => {
    await call(api, 'DELETE', `/branches/${encodeURIComponent(created.branch.id)}`).catch((err: Error) =>
      log(`could not remove the Neon branch ${name}: ${err.message}`),
    );
  };
  try {
    await waitFor(api, created.operations ?? []);
    const host = created.endpoints[0]?.host;
    if (!host) throw new NeonApiError("Neon's API made the branch without an endpoint");
    const pooled = /-pooler$/.test(new URL(databaseUrl).hostname.split('.')[0]);
    return { name, url: onEndpoint(databaseUrl, host, pooled), directUrl: onEndpoint(databaseUrl, host, false), remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
