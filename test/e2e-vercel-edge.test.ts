// End to end, driven by the templates' table (support/template-e2e.ts):
// scaffold vercel-edge against a throwaway PostgreSQL, install it, run its
// own tests (in edge-runtime and in workerd), then serve it with npm start.
// Its own: its tests again with the places table, and npm start through a
// database outage and back.

import { expect, it } from 'vitest';
import { run } from './support/cli.ts';
import { queryRows } from './support/postgres.ts';
import { describeTemplateE2e } from './support/template-e2e.ts';
import { expectAllPassed, expectOwnDatabases } from './support/vitest-output.ts';

describeTemplateE2e('vercel-edge', {
  afterScaffold: (s) => {
    it('says npm start serves the api/ functions in the edge-runtime sandbox', () => {
      // (A comment wraps in its column to fit the terminal: read it joined.)
      expect(s.created.output.replace(/\n│ +# /g, ' ')).toMatch(/npm start +# local: the api\/ functions in the edge-runtime sandbox/);
    });
  },
  beforeServing: (s) => {
    it('passes its tests again with a places table', async () => {
      for (const statement of [
        'create extension if not exists postgis',
        `create table places (id bigint primary key, name text not null, category text, country text,
                              location geography(Point, 4326) not null)`,
        'create index on places using gist (location)',
        `insert into places
         select g, 'place ' || g, 'test', 'XX', st_setsrid(st_makepoint(2 + g * 0.01, 48 + g * 0.01), 4326)::geography
         from generate_series(1, 50) as g`,
      ])
        await queryRows(s.db.url, statement);
      const result = await run('npm', ['test'], { cwd: s.project, timeoutMs: 240_000 });
      expect(result.code, result.output).toBe(0);
      expectAllPassed(result.output);
      expectOwnDatabases(result.output);
    }, 300_000);
  },
  serving: {
    also: 'api/nearest from the places table; through an outage (503 within 10 s) and back',
    check: async (dev, s) => {
      const get = async (route: string) => {
        const response = await fetch(`${dev.base}${route}`);
        const text = await response.text();
        expect(text).not.toContain(s.db.password);
        return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
      };
      expect((await get('/api/nearest?lat=48.1&lng=2.1')).status).toBe(200);

      await s.db.stop();
      for (const route of ['/api/now', '/api/tx']) {
        const started = Date.now();
        const down = await get(route);
        expect(down).toEqual({ status: 503, body: { error: 'database unavailable' } });
        expect(Date.now() - started).toBeLessThan(10_000);
      }

      await s.db.start();
      expect((await get('/api/now')).status).toBe(200);
      expect((await get('/api/tx')).status).toBe(200);
      expect(dev.output()).toMatch(/Ready on http:\/\/127\.0\.0\.1:\d+/);
    },
  },
});
