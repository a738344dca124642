// Loads places into Postgres in one transaction. The rows stream into a
// staging table (temporary, dropped at commit) in batches of multi-row inserts
// (arrays through unnest: one round trip per batch), so memory stays bounded
// whatever the input's size. Only when enough rows were valid does the places
// table get replaced from the staging table, then its GiST index rebuilt and
// its statistics refreshed; otherwise the transaction is rolled back and the
// places table is exactly as it was. Running it again leaves the same rows.

import { readFileSync } from 'node:fs';
import type pg from 'pg';
import type { Place, Row } from './places-source.ts';

const SCHEMA = readFileSync(new URL('../migrations/0000_places.sql', import.meta.url), 'utf8');
const BATCH = 5_000;
/** How many skipped rows are kept as examples for the report. */
const EXAMPLES = 5;

export class PostgisMissingError extends Error {}

/** Fewer than half of the data rows were valid places: nothing was changed. */
export class TooFewValidRowsError extends Error {
  readonly report: LoadReport;
  constructor(report: LoadReport) {
    super(`only ${report.loaded} of ${report.rows} rows are valid places`);
    this.report = report;
  }
}

export interface LoadReport {
  /** Data rows read (not counting the header or empty lines). */
  rows: number;
  /** Places in the table afterwards. */
  loaded: number;
  skipped: number;
  /** The first skipped rows, by line. */
  examples: { line: number; reason: string }[];
}

/**
 * The rule for refusing a load: no valid row at all, or fewer than half of
 * the rows valid. A file where most rows fail (decimal commas, swapped
 * columns, the wrong file) is a mistake to report, not a data set to load.
 */
export function tooFewValid(report: Pick<LoadReport, 'rows' | 'loaded'>): boolean {
  return report.loaded === 0 || report.loaded * 2 < report.rows;
}

// Duplicate ids: the first row wins; `returning` tells which rows went in.
const INSERT = `
  insert into places_staging (id, name, category, country, location)
  select id, name, category, country, st_setsrid(st_makepoint(lng, lat), 4326)::geography
  from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[])
    as t(id, name, category, country, lng, lat)
  on conflict (id) do nothing
  returning id::text`;

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

type Batch = { line: number; place: Place }[];

export async function loadPlaces(client: pg.ClientBase, rows: AsyncIterable<Row>, onProgress: (rowsRead: number) => void = () => {}): Promise<LoadReport> {
  const report: LoadReport = { rows: 0, loaded: 0, skipped: 0, examples: [] };
  const skip = (line: number, reason: string) => {
    report.skipped++;
    if (report.examples.length < EXAMPLES || line < report.examples[EXAMPLES - 1].line) {
      report.examples.push({ line, reason });
      report.examples.sort((a, b) => a.line - b.line);
      report.examples.length = Math.min(report.examples.length, EXAMPLES);
    }
  };
  let batch: Batch = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const { rows: inserted } = await client.query<{ id: string }>(INSERT, [
      batch.map((r) => r.place.id),
      batch.map((r) => r.place.name),
      batch.map((r) => r.place.category),
      batch.map((r) => r.place.country),
      batch.map((r) => r.place.lng),
      batch.map((r) => r.place.lat),
    ]);
    report.loaded += inserted.length;
    if (inserted.length < batch.length) {
      const fresh = new Set(inserted.map((r) => r.id));
      for (const r of batch) {
        if (fresh.has(r.place.id)) fresh.delete(r.place.id);
        else skip(r.line, `duplicate id ${r.place.id}`);
      }
    }
    batch = [];
    onProgress(report.rows);
  };

  await client.query('begin');
  try {
    await applySchema(client);
    await client.query('create temporary table places_staging (like places including defaults) on commit drop');
    await client.query('alter table places_staging add primary key (id)');
    for await (const row of rows) {
      report.rows++;
      if ('skip' in row) skip(row.line, row.skip);
      else batch.push(row);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    if (tooFewValid(report)) throw new TooFewValidRowsError(report);
    // Replace, don't append: the same input always gives the same table.
    await client.query('truncate places');
    // Building the index once at the end is faster than updating it per row.
    await client.query('drop index if exists places_location_idx');
    await client.query('insert into places (id, name, category, country, location) select id, name, category, country, location from places_staging');
    await client.query('create index places_location_idx on places using gist (location)');
    await client.query('analyze places');
    const { rows: count } = await client.query<{ n: number }>('select count(*)::int as n from places');
    await client.query('commit');
    report.loaded = count[0].n;
    return report;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  }
}
