// Drizzle inside workerd against the PostGIS that `npm run db:setup` filled:
// the places table of migrations/0000_places.sql, typed by src/db/schema.ts,
// read through Drizzle, and a KNN order-by in Drizzle's sql agreeing with the
// Worker. The routes' own tests are in nearest.test.ts, the same as without Drizzle.

import { neonConfig } from '@neondatabase/serverless';
import { count, eq, sql } from 'drizzle-orm';
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { httpDb, schema } from '../src/db/index.ts';
import { configureNeonDriver } from '../src/local-dev.ts';

const env = { DATABASE_URL: inject('databaseUrl'), NEON_LOCALHOST_PROXY: inject('neonLocalhostProxy') };
beforeAll(() => configureNeonDriver(neonConfig, env));

const { places } = schema;

describe('Drizzle on the places table', () => {
  it('counts the places and reads one back, typed', async () => {
    const [{ n }] = await httpDb(env.DATABASE_URL).select({ n: count() }).from(places);
    expect(n).toBeGreaterThan(10);
    const [first] = await httpDb(env.DATABASE_URL).select({ id: places.id, name: places.name }).from(places).limit(1);
    const [again] = await httpDb(env.DATABASE_URL).select().from(places).where(eq(places.id, first.id));
    expect(typeof again.id).toBe('number');
    expect(again.name).toBe(first.name);
    expect(again.location).toMatch(/^[0-9A-F]+$/i); // hex EWKB
  });

  it('finds the 10 nearest places with a KNN order-by, as GET /nearest does', async () => {
    const [lat, lng] = [48.8566, 2.3522];
    const here = sql`st_setsrid(st_makepoint(${lng}, ${lat}), 4326)::geography`;
    const nearest = await httpDb(env.DATABASE_URL)
      .select({ id: places.id, name: places.name, distanceM: sql<number>`round((${places.location} <-> ${here})::numeric, 1)::float8` })
      .from(places)
      .orderBy(sql`${places.location} <-> ${here}`)
      .limit(10);
    expect(nearest).toHaveLength(10);
    const distances = nearest.map((p) => p.distanceM);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    const response = await exports.default.fetch(`https://places.example/nearest?lat=${lat}&lng=${lng}`);
    const fromWorker = (await response.json()) as { id: number; distance_m: number }[];
    // The Worker answers for the ~1 km cell (48.86, 2.35), not the exact point: compare with the same point.
    const cell = sql`st_setsrid(st_makepoint(${2.35}, ${48.86}), 4326)::geography`;
    const sameCell = await httpDb(env.DATABASE_URL)
      .select({ id: places.id })
      .from(places)
      .orderBy(sql`${places.location} <-> ${cell}`)
      .limit(10);
    expect(sameCell.map((p) => p.id)).toEqual(fromWorker.map((p) => p.id));
  });
});
