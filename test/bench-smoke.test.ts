// The benchmark is not a test, but it must not rot: run it with tiny counts
// and check that every section came out with the numbers that are facts
// rather than timings (round trips, a cache hit that never reaches Postgres).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, run } from './support/cli.ts';

describe('npm run bench -- --smoke', () => {
  it('measures every section and writes its report', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'neon-edge-bench-smoke-'));
    try {
      const out = path.join(dir, 'report.md');
      const result = await run(process.execPath, ['--experimental-strip-types', '--no-warnings', 'bench/run.ts', '--smoke', '--out', out], {
        cwd: REPO_ROOT,
        // Nine sections, two of them npm create with an install: minutes, not a measure of anything.
        timeoutMs: 580_000,
      });
      expect(result.code, result.output).toBe(0);
      const report = readFileSync(out, 'utf8');
      for (const heading of [
        '1. Scaffold time',
        '2. Database round trips',
        '3. Latency',
        '4. Bundle size',
        '5. Local proxy overhead',
        '6. Time to first query at a distance',
        '7. From `npm create` to the first request',
        '9. Each test file its own database',
      ]) {
        expect(report).toContain(heading);
      }
      // A cache hit costs the database nothing.
      expect(report).toContain('| worker-postgis | `/nearest` | cache HIT | 0 | 0 / 0 | 0 | 0 |');
      // One HTTP request per one-shot query.
      expect(report).toContain('| worker-raw | `/http` | HTTP neon() | 0 | 0 / 0 | 0 | 1 |');
      // Pipelining the password: one turn for startup, password and the query.
      expect(report).toMatch(/\| WebSocket Client, pipelineConnect 'password' \| 1 \| \d+ \/ \d+ \| 1 \| 0 \|/);
      // Hyperdrive locally: a new TCP connection per request, 3 turns to connect (startup, SCRAM ×2) and 1 for the query.
      expect(report).toMatch(/\| worker-hyperdrive \| `\/` \| [^|]+ \| 1 \| \d+ \/ \d+ \| 4 \|/);
      // vercel-node's Pool: the second request reuses the first one's connection, one turn for its query.
      expect(report).toMatch(/\| vercel-node \| `\/api\/now` \| pg Pool, next request \(pooled connection\) \| 0 \| 1 \/ 1 \| 1 \|/);
      expect(report).toContain('7 round trips before the first query (TCP 1, TLS 3, authentication 3)');
      // The cache measured again with 20 ms round trips to the proxy (NEON_LOCALHOST_RTT_MS).
      expect(report).toMatch(/\| 20 ms \| [\d.]+ ms \| [\d.]+ ms \| [\d.]+ ms \| [\d.]+ ms \| [\d.]+× \|/);
      // At 10 ms a round trip, a pipelined first WebSocket query (TCP, upgrade, 1 turn) cannot take under 3 of them.
      const pipelined = /\| WebSocket `Client`, pipelined \(the default\) \| [\d.]+ ms \| ([\d.]+) ms \|/.exec(report);
      expect(Number(pipelined?.[1])).toBeGreaterThanOrEqual(28.5);
      expect(report).toContain('(smoke run: tiny counts, not figures)');
      // npm create from the throwaway registry, npm start, a first 200, and what was installed.
      expect(report).toMatch(/\| create-neon-edge `worker-raw` \| [\d.]+ s \| [\d.]+ s \| [\d.]+ s \| \d+ MiB \|/);
      // Issue 26's start goal: npm start against wrangler dev alone on the same project, first and later start.
      expect(report).toMatch(/`wrangler dev` alone .* answers in [\d.]+ s; `npm start`'s first 200 takes [\d.]+× that .* and [\d.]+× \([\d.]+ s\) on the next/);
      // …and the same for npm test's set-up, against the Workers pool alone.
      expect(report).toMatch(
        /alone \(no database\) runs it in [\d.]+ s; with the project's config .* takes [\d.]+× that \([\d.]+ s\) on the first run after `npm create` and [\d.]+× \([\d.]+ s\) on the next/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
