// Drizzle inside workerd against the real database: the migrations (generated
// by drizzle-kit into migrations/) were applied before the tests started, so
// the schema in src/db/schema.ts is the database's.

import { neonConfig, Pool } from '@neondatabase/serverless';
import { eq } from 'drizzle-orm';
import { configureNeonDriver } from 'neon-on-localhost/driver';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { httpDb, schema, sessionDb } from '../src/db/index.ts';

const env = { DATABASE_URL: inject('databaseUrl'), NEON_LOCALHOST_PROXY: inject('neonLocalhostProxy') };
beforeAll(() => configureNeonDriver(neonConfig, env));

describe('Drizzle on the migrated schema', () => {
  it('inserts and reads a note over HTTP (neon-http)', async () => {
    const db = httpDb(env.DATABASE_URL);
    const [note] = await db.insert(schema.notes).values({ body: 'over http' }).returning();
    expect(note.id).toBeGreaterThan(0);
    const found = await db.select().from(schema.notes).where(eq(schema.notes.id, note.id));
    expect(found.map((n) => n.body)).toEqual(['over http']);
  });

  it('rolls a transaction back over a WebSocket Pool (neon-serverless)', async () => {
    const pool = new Pool({ connectionString: env.DATABASE_URL });
    try {
      const db = sessionDb(pool);
      const body = `rolled back ${Date.now()}`;
      await expect(
        db.transaction(async (tx) => {
          await tx.insert(schema.notes).values({ body });
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(await db.select().from(schema.notes).where(eq(schema.notes.body, body))).toEqual([]);
    } finally {
      await pool.end();
    }
  });
});
