// scripts/load.ts in small: worker-raw scaffolded by the built CLI against a
// throwaway PostgreSQL, its `npm start`, 20 concurrent clients for 5 seconds
// over /, /http and /tx. No request may fail, and once the load stops every
// database session the stack opened must close again (pg_stat_activity back
// to its baseline, the proxy counting no open session).

import { expect, it } from 'vitest';
import { formatReports, passed, runLoad } from '../scripts/load.ts';

it('worker-raw, 20 connections for 5 s: no failure, no leaked connection', async () => {
  const report = await runLoad({ template: 'worker-raw', connections: 20, seconds: 5 });
  const table = formatReports([report]);
  console.log(table);
  expect(report.requests, table).toBeGreaterThan(50);
  expect(Object.keys(report.perRoute).sort()).toEqual(['/', '/http', '/tx']);
  expect(report.failures, table).toBe(0);
  expect(report.pgAfter, table).toBe(report.pgBaseline);
  expect(report.proxyWsOpenAfter, table).toBe(0);
  expect(report.proxyRssBefore).toBeGreaterThan(10 * 1024 * 1024);
  expect(report.p95Ms).toBeGreaterThanOrEqual(report.p50Ms);
  expect(passed(report)).toBe(true);
}, 150_000);
