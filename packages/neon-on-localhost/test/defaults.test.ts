// One set of defaults (defaults.ts): the places that cannot import it agree
// with it, and the programmatic API caps sessions where the CLI does.

import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEFAULTS } from '../src/defaults.ts';
import { DEFAULT_LOCAL_PROXY } from '../src/driver.ts';
import { sessionLimitsFromEnv, startProxy } from '../src/proxy.ts';

/** Opens a WebSocket to the proxy; resolves with it once open, or with the HTTP status and body it was refused with. */
function openSession(address: string, target: string): Promise<WebSocket | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${address}/v1?address=${target}`);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

describe('defaults', () => {
  it("driver.ts's DEFAULT_LOCAL_PROXY is the default host and port", () => {
    expect(DEFAULT_LOCAL_PROXY).toBe(`${DEFAULTS.host}:${DEFAULTS.port}`);
  });

  it('the environment defaults are the documented ones: 50 sessions, 10 s in the queue', () => {
    expect(sessionLimitsFromEnv({})).toEqual({ maxConnections: 50, queueTimeoutMs: 10_000 });
    expect(DEFAULTS.maxConnections).toBe(50);
  });

  it('startProxy() caps sessions at the same 50, refusing the next at once', async () => {
    // Sessions that have not sent a startup message hold a slot without dialling Postgres, so no database is needed.
    const target = '127.0.0.1:5432';
    const proxy = await startProxy({ allow: [target] });
    const open: WebSocket[] = [];
    try {
      for (let i = 0; i < DEFAULTS.maxConnections; i++) {
        const session = await openSession(proxy.address, target);
        if (!(session instanceof WebSocket)) throw new Error(`session ${i + 1} was refused: ${session.status} ${session.body}`);
        open.push(session);
      }
      const started = Date.now();
      const refused = await openSession(proxy.address, target);
      expect(refused).toEqual({ status: 503, body: expect.stringContaining(`(limit ${DEFAULTS.maxConnections})`) });
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      for (const ws of open) ws.terminate();
      await proxy.close();
    }
  });
});
