// The proxy's endpoint for per-file test databases (test-databases.ts), which
// neon-on-localhost/vitest/database calls as each test file starts and ends:
//
//   POST   /_neon_localhost/test-databases         → 201 {"name", "url"}
//   DELETE /_neon_localhost/test-databases/<name>  → 204
//
// Only with the run's secret (`Authorization: Bearer <token>`, handed to the
// tests by the vitest setup): the proxy answers pages on this machine, and
// none of them may make or drop databases.

import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TestDatabases } from './test-databases.ts';

export const TEST_DATABASES_PATH = '/_neon_localhost/test-databases';

export interface TestDatabasesEndpoint {
  /** The run's secret. */
  token: string;
  databases: TestDatabases;
}

const json = (res: ServerResponse, status: number, body?: unknown) => {
  res.writeHead(status, body === undefined ? {} : { 'Content-Type': 'application/json' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
};

function authorised(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

export const isTestDatabasesPath = (path: string) => path === TEST_DATABASES_PATH || path.startsWith(`${TEST_DATABASES_PATH}/`);

export async function handleTestDatabases(req: IncomingMessage, res: ServerResponse, path: string, endpoint: TestDatabasesEndpoint): Promise<void> {
  req.resume();
  if (!authorised(req, endpoint.token)) return json(res, 401, { message: "test databases need the run's token" });
  try {
    if (path === TEST_DATABASES_PATH && req.method === 'POST') return json(res, 201, await endpoint.databases.create());
    const name = decodeURIComponent(path.slice(TEST_DATABASES_PATH.length + 1));
    if (name && !name.includes('/') && req.method === 'DELETE') {
      await endpoint.databases.drop(name);
      return json(res, 204);
    }
    json(res, 405, { message: 'POST to make a test database, DELETE /<name> to drop one' });
  } catch (err) {
    json(res, 500, { message: `test database: ${String((err as Error).message).split('\n')[0]}` });
  }
}
