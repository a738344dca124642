// Loads places into Postgres in one transaction: the schema, then the rows in
// batches of multi-row inserts (arrays through unnest: one round trip per
// batch), then the GiST index and fresh statistics. Running it again leaves
// the same rows.

import { readFileSync } from 'node:fs';
import type pg from 'pg';
import type { Place } from './places-source.ts';

const SCHEMA = readFileSync(new URL('../sql/schema.sql', import.meta.url), 'utf8');
const BATCH = 10_000;

export class PostgisMissingError extends Error {}

const INSERT = `
  insert into places (id, name, category, country, location)
  select id, name, category, country, st_setsrid(st_makepoint(lng, lat), 4326)::geography
  from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[])
    as t(id, name, category, country, lng, lat)`;

export async function applySchema(client: pg.ClientBase): Promise<void> {
  try {
    await client.query(SCHEMA);
  } catch (err) {
    const e = err as { code?: string; message: string };
    // 0A000/58P01: the extension's files are not installed on the server.
    if (e.code === '0A000' || e.code === '58P01' || /extension "postgis"/.test(e.message)) {
      throw new PostgisMissingError(
        'PostGIS is not available in this database: on Neon it is (create extension postgis); on your own Postgres install it (Debian: apt-get install postgresql-15-postgis-3) and run npm run db:setup again.',
      );
    }
    throw err;
  }
}

export async function loadPlaces(
  client: pg.ClientBase,
  places: readonly Place[],
  onProgress: (done: number, total: number) => void = () => {},
): Promise<number> {
  await client.query('begin');
  try {
    await applySchema(client);
    // Replace, don't append: the same input always gives the same table.
    await client.query('truncate places');
    // Building the index once at the end is faster than updating it per row.
    await client.query('drop index if exists places_location_idx');
    for (let start = 0; start < places.length; start += BATCH) {
      const batch = places.slice(start, start + BATCH);
      await client.query(INSERT, [
        batch.map((p) => p.id),
        batch.map((p) => p.name),
        batch.map((p) => p.category),
        batch.map((p) => p.country),
        batch.map((p) => p.lng),
        batch.map((p) => p.lat),
      ]);
      onProgress(start + batch.length, places.length);
    }
    await client.query('create index places_location_idx on places using gist (location)');
    await client.query('analyze places');
    const { rows } = await client.query<{ n: number }>('select count(*)::int as n from places');
    await client.query('commit');
    return rows[0].n;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  }
}
