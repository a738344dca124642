// End to end, as a user, driven by the templates' table (support/template-e2e.ts):
// the built CLI scaffolds worker-hyperdrive against a throwaway PostgreSQL and
// installs it; the project's own checks pass inside workerd through the
// HYPERDRIVE binding, whose local connection neon-on-localhost sets from
// .dev.vars, and again on the embedded database (over TCP); `npm start`
// serves both routes. Its own: no connection string in wrangler.jsonc.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeTemplateE2e } from './support/template-e2e.ts';

describeTemplateE2e('worker-hyperdrive', {
  afterScaffold: (s) => {
    it('keeps the connection string out of wrangler.jsonc; next steps name Hyperdrive, not a secret', () => {
      const config = readFileSync(path.join(s.project, 'wrangler.jsonc'), 'utf8');
      expect(config).toContain('"binding": "HYPERDRIVE"');
      expect(config).not.toMatch(/postgres(ql)?:\/\//);
      expect(config).not.toContain('localConnectionString');
      expect(s.created.output).not.toContain('wrangler secret put');
    });
  },
  serving: {
    also: 'the local Hyperdrive connection set from .dev.vars',
    check: async (dev) => expect(dev.output()).toContain('CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE'),
  },
});
