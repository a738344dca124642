// Each test file runs on a database of its own: neon-on-localhost/vitest/database
// (a setup file in vitest.config.ts) copies the migrated database for it and
// drops the copy after, so a test may write freely: no other file sees its
// rows, and it sees none of theirs. inject('databaseUrl') and
// process.env.DATABASE_URL name this copy.

import pg from 'pg';
import { testDatabase } from 'neon-on-localhost/vitest/database';
import { expect, it } from 'vitest';

it('inserts notes and counts only its own: the database is this file’s', async () => {
  const { url, own, sharedBecause } = testDatabase();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`insert into notes (body) select 'note ' || n from generate_series(1, 3) as n`);
    const { rows } = await client.query<{ count: number }>('select count(*)::int as count from notes');
    // Shared (opted out, or a remote database without a Neon branch): other files' notes are there too.
    if (own) expect(rows[0].count).toBe(3);
    else expect(rows[0].count, sharedBecause).toBeGreaterThanOrEqual(3);
  } finally {
    await client.end();
  }
});
