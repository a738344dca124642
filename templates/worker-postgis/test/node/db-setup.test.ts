// The data loader, in Node, against the real database: a UNESCO-shaped CSV
// written here is loaded by the real `db:setup` script into a schema of its
// own (so the places the Worker's tests use stay as they are).

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDatabaseUrl } from 'neon-on-localhost';
import { csvPlaces } from '../../scripts/places-source.ts';

const run = promisify(execFile);
const databaseUrl = readDatabaseUrl(process.cwd()) as string;
const schema = `csv_probe_${process.pid}`;
let dir: string;
let csv: string;
let admin: pg.Client;

// The columns of UNESCO's whc-sites export, in its order; values made up.
const HEADER =
  'unique_number,id_no,rev_bis,name_en,short_description_en,justification_en,date_inscribed,secondary_dates,danger,date_end,danger_list,longitude,latitude,area_hectares,category,category_short,states_name_en,region_en,iso_code,udnp_code,transboundary';
const ROWS = [
  '1001,91,,"Old Town of Somewhere","A town, with ""quotes""",,1979,,0,,,12.4922,41.8902,1.5,Cultural,C,Italy,Europe and North America,it,ita,0',
  '1002,92,,"Harbour of Elsewhere","Line one\nline two",,1980,,0,,,-43.1729,-22.9068,,Natural,N,Brazil,Latin America and the Caribbean,br,bra,0',
  '1003,93,,"Mixed Site",,,1981,,0,,,151.2093,-33.8688,,Mixed,C/N,Australia,Asia and the Pacific,au,aus,0',
  '1004,94,,"No Coordinates",,,1982,,0,,,,,,Cultural,C,Nowhere,,,,0',
  '1005,95,,"Out Of Range",,,1983,,0,,,200.5,10,,Cultural,C,Nowhere,,,,0',
  '1006,96,,"Edge Of The World",,,1984,,0,,,179.99,-17.71,,Natural,N,Fiji,Asia and the Pacific,fj,fji,0',
];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'places-csv-'));
  csv = path.join(dir, 'whc-sites-test.csv');
  writeFileSync(csv, `\uFEFF${HEADER}\n${ROWS.join('\n')}\n`);
  admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
});

afterAll(async () => {
  await admin?.query(`drop schema if exists ${schema} cascade`);
  await admin?.end();
  rmSync(dir, { recursive: true, force: true });
});

/** DATABASE_URL with this test's schema first on the search path. */
function probeUrl(): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema},public`);
  return url.toString();
}

async function dbSetup(...args: string[]) {
  return run(process.execPath, ['--experimental-strip-types', '--no-warnings', 'scripts/db-setup.ts', ...args], {
    env: { ...process.env, DATABASE_URL: probeUrl() },
  });
}

describe('the CSV importer', () => {
  it('maps UNESCO columns and reports the rows it skips', () => {
    const source = csvPlaces(csv);
    expect(source.places.map((p) => p.id)).toEqual([91, 92, 93, 96]);
    expect(source.places[0]).toEqual({ id: 91, name: 'Old Town of Somewhere', category: 'Cultural', country: 'Italy', lat: 41.8902, lng: 12.4922 });
    expect(source.skipped).toEqual([
      { line: 5, reason: 'missing coordinates' },
      { line: 6, reason: 'coordinates out of range' },
    ]);
  });

  it('loads through `npm run db:setup -- --csv`, and a second run leaves the same rows', async () => {
    const first = await dbSetup('--csv', csv);
    expect(first.stdout).toContain('Loading 4 places');
    expect(first.stdout).toContain('Skipped 2 rows (line 5: missing coordinates; line 6: coordinates out of range)');
    expect(first.stdout).toMatch(/✔ 4 places in the places table/);
    expect(first.stdout + first.stderr).not.toContain(new URL(databaseUrl).password || '\u0000');
    const rowsOf = async () =>
      (await admin.query(`select id::int, name, category, country, round(st_y(location::geometry)::numeric, 4)::float8 as lat from ${schema}.places order by id`)).rows;
    const after1 = await rowsOf();
    expect(after1).toHaveLength(4);
    expect(after1[3]).toEqual({ id: 96, name: 'Edge Of The World', category: 'Natural', country: 'Fiji', lat: -17.71 });
    await dbSetup('--csv', csv);
    expect(await rowsOf()).toEqual(after1);
  });

  it('fails clearly on a CSV without coordinates, changing nothing', async () => {
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'name,city\nA,B\n');
    const failed = await dbSetup('--csv', bad).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr.trim()).toMatch(/^✖ Could not read the places: .*has no lat column \(expected one of: latitude, lat\)$/);
  });
});
