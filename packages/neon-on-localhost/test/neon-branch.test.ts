// A Neon branch per test run (neon-branch.ts), against a stand-in for Neon's
// API written here that records every call: it has not been tried against
// Neon itself. The stand-in answers as Neon's API reference describes.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestBranch, endpointIdOf, neonApiFromEnv, TEST_BRANCH_PREFIX } from '../src/neon-branch.ts';

interface Call {
  method: string;
  path: string;
  auth: string | undefined;
  body: unknown;
}

/** Neon's API, for project `proj`: one endpoint of branch br-main, and the branches `existing`. */
async function standIn(existing: Array<{ id: string; name: string; created_at?: string }> = [], options: { refuseCreate?: boolean } = {}) {
  const calls: Call[] = [];
  let polls = 0;
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c));
    req.on('end', () => {
      const path = req.url ?? '';
      calls.push({ method: req.method ?? '', path, auth: req.headers.authorization, body: text ? JSON.parse(text) : undefined });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== 'Bearer key-123') return send(401, { message: 'authentication failed' });
      if (req.method === 'GET' && path === '/api/v2/projects/proj/branches') return send(200, { branches: existing });
      if (req.method === 'GET' && path === '/api/v2/projects/proj/endpoints/ep-cool-grass-123456')
        return send(200, { endpoint: { id: 'ep-cool-grass-123456', branch_id: 'br-main' } });
      if (req.method === 'POST' && path === '/api/v2/projects/proj/branches') {
        if (options.refuseCreate) return send(422, { message: 'branches limit exceeded' });
        return send(201, {
          branch: { id: 'br-test', name: (JSON.parse(text) as { branch: { name: string } }).branch.name },
          endpoints: [{ host: 'ep-new-branch-654321.us-east-2.aws.neon.tech' }],
          operations: [{ id: 'op-1', status: 'running' }],
        });
      }
      if (req.method === 'GET' && path === '/api/v2/projects/proj/operations/op-1')
        return send(200, { operation: { id: 'op-1', status: ++polls < 2 ? 'running' : 'finished' } });
      if (req.method === 'DELETE' && path.startsWith('/api/v2/projects/proj/branches/')) return send(200, { branch: {} });
      send(404, { message: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2`;
  servers.push(server);
  return { calls, api: neonApiFromEnv({ NEON_API_KEY: 'key-123', NEON_PROJECT_ID: 'proj', NEON_API_URL: apiUrl })! };
}

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

const DATABASE_URL = 'postgresql://app:s3cret@ep-cool-grass-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require';

describe('a Neon branch per test run', () => {
  it('is asked for only when NEON_API_KEY and NEON_PROJECT_ID are both set', () => {
    expect(neonApiFromEnv({ NEON_API_KEY: 'k' })).toBeUndefined();
    expect(neonApiFromEnv({ NEON_PROJECT_ID: 'p' })).toBeUndefined();
    expect(neonApiFromEnv({ NEON_API_KEY: 'k', NEON_PROJECT_ID: 'p' })).toEqual({ apiKey: 'k', projectId: 'p', apiUrl: 'https://console.neon.tech/api/v2' });
    expect(endpointIdOf(DATABASE_URL)).toBe('ep-cool-grass-123456');
    expect(endpointIdOf('postgres://u:p@127.0.0.1:5432/db')).toBeUndefined();
  });

  it("branches from DATABASE_URL's branch with an endpoint of its own, waits for it, hands over its URLs, and removes it after", async () => {
    const { calls, api } = await standIn();
    const branch = await createTestBranch(api, DATABASE_URL, () => {});
    expect(branch.name.startsWith(TEST_BRANCH_PREFIX)).toBe(true);
    expect(branch.url).toBe('postgresql://app:s3cret@ep-new-branch-654321-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require');
    expect(branch.directUrl).toBe('postgresql://app:s3cret@ep-new-branch-654321.us-east-2.aws.neon.tech/neondb?sslmode=require');
    const create = calls.find((c) => c.method === 'POST')!;
    expect(create.body).toEqual({ branch: { parent_id: 'br-main', name: branch.name }, endpoints: [{ type: 'read_write' }] });
    expect(calls.filter((c) => c.path.endsWith('/operations/op-1')).length).toBe(2);
    expect(calls.every((c) => c.auth === 'Bearer key-123')).toBe(true);
    expect(JSON.stringify(calls)).not.toContain('s3cret');
    await branch.remove();
    expect(calls.at(-1)).toMatchObject({ method: 'DELETE', path: '/api/v2/projects/proj/branches/br-test' });
  });

  it('removes branches of runs that are over (older than a day, or a process gone on this machine) and no others', async () => {
    const old = { id: 'br-old', name: `${TEST_BRANCH_PREFIX}elsewhere-1-abcdef12`, created_at: new Date(Date.now() - 2 * 86_400_000).toISOString() };
    const mine = { id: 'br-main', name: 'main', created_at: new Date(0).toISOString() };
    const recentElsewhere = { id: 'br-recent', name: `${TEST_BRANCH_PREFIX}elsewhere-1-abcdef12`, created_at: new Date().toISOString() };
    const lines: string[] = [];
    const { calls, api } = await standIn([old, mine, recentElsewhere]);
    const branch = await createTestBranch(api, DATABASE_URL, (line) => lines.push(line));
    const deleted = calls.filter((c) => c.method === 'DELETE').map((c) => c.path.split('/').pop());
    expect(deleted).toEqual(['br-old']);
    expect(lines).toEqual(['removed 1 Neon branch left by test runs that ended without cleaning up']);
    await branch.remove();
  });

  it('says in one line why, when Neon refuses the branch', async () => {
    const { api } = await standIn([], { refuseCreate: true });
    await expect(createTestBranch(api, DATABASE_URL, () => {})).rejects.toThrow("Neon's API refused POST /branches: 422 branches limit exceeded");
    const wrongKey = { ...api, apiKey: 'nope' };
    await expect(createTestBranch(wrongKey, DATABASE_URL, () => {})).rejects.toThrow("Neon's API refused GET /branches: 401 authentication failed");
    await expect(createTestBranch(api, 'postgres://u:p@db.example.com/app', () => {})).rejects.toThrow('not a Neon endpoint');
  });
});
