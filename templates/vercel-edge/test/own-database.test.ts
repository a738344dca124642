// Each test file runs on a database of its own: neon-on-localhost/vitest/database
// (a setup file in vitest.config.ts) copies the migrated database for it and
// drops the copy after, so a test may write freely: no other file sees its
// rows, and it sees none of theirs. inject('databaseUrl') names this copy.

import { neon, neonConfig } from '@neondatabase/serverless';
import { testDatabase } from 'neon-on-localhost/vitest/database';
import { expect, inject, it } from 'vitest';
import { configureNeonDriver } from '../lib/local-dev';

it('inserts notes and counts only its own: the database is this file’s', async () => {
  const { url, own, sharedBecause } = testDatabase();
  configureNeonDriver(neonConfig, url, inject('neonLocalhostProxy'));
  const sql = neon(url);
  await sql`insert into notes (body) select 'note ' || n from generate_series(1, 3) as n`;
  const [{ count }] = await sql`select count(*)::int as count from notes`;
  // Shared (opted out, or a remote database without a Neon branch): other files' notes are there too.
  if (own) expect(count).toBe(3);
  else expect(count, sharedBecause).toBeGreaterThanOrEqual(3);
});
