// End to end, as a user, driven by the templates' table (support/template-e2e.ts):
// the built CLI scaffolds vercel-node against a throwaway PostgreSQL and
// installs it; the project's own tests pass in Node (an outage and recovery
// included), against PostgreSQL and against the embedded database; `npm
// start` serves api/ by file, 405 and 404 included. Its own: a log line per request,
// and the functions running as Vercel runs them, from an install without
// devDependencies.

import { expect, it } from 'vitest';
import { expectVercelFunctionsRunInProduction } from './support/production.ts';
import { describeTemplateE2e } from './support/template-e2e.ts';

describeTemplateE2e('vercel-node', {
  serving: {
    also: 'each request logged with its status and time, as vercel-edge and wrangler do',
    check: async (dev) => {
      await expect.poll(() => dev.output()).toMatch(/^POST \/api\/now 405 Method Not Allowed \(\d+ms\)$/m);
      expect(dev.output()).toMatch(/^GET \/api\/now 200 OK \(\d+ms\)$/m);
    },
  },
  afterServing: (s) => {
    it("runs from an install without devDependencies (npm's --omit=dev): built by vercel build, each function served by Vercel's own launcher answers from the database, and 503 when it is down", async () => {
      await expectVercelFunctionsRunInProduction(s.project, s.db.url, {
        now: (body) => expect(body.via).toBe('pg pool'),
        tx: (body) => expect(body).toMatchObject({ sameTransaction: true, via: 'pg pool' }),
      });
    }, 600_000);
  },
});
