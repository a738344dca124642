// The data loader, in Node, against the real database: a UNESCO-shaped CSV
// written here is loaded by the real `db:setup` script into this file's own
// database (neon-on-localhost/vitest/database: a copy of the migrated and
// loaded one), so the places the Worker's tests use stay as they are. When
// the test files share one database ("testDatabase": "shared", or a database
// elsewhere), the loads go into a schema of their own; the embedded database
// is one Postgres session (a search path set per connection is not kept), so
// there these tests start an embedded database of their own instead.

import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnProxy, type ProxyProcess } from 'neon-on-localhost';
import { testDatabase } from 'neon-on-localhost/vitest/database';
import { csvPlaces, type Row } from '../../scripts/places-source.ts';

const run = promisify(execFile);
let shared: boolean;
let schema = 'public';
let own: ProxyProcess | undefined;
let databaseUrl: string;

/** Whether `url` is the embedded database (PGlite says so in its version). */
async function isEmbedded(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return /PGlite/.test((await client.query<{ v: string }>('select version() as v')).rows[0].v);
  } finally {
    await client.end();
  }
}
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
  const database = testDatabase();
  shared = !database.own && !(await isEmbedded(database.url));
  if (shared) schema = `csv_probe_${process.pid}`;
  else if (!database.own) own = await spawnProxy({ embedded: 'memory', project: process.cwd() });
  databaseUrl = own?.databaseUrl ?? database.url;
  admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  if (shared) await admin.query(`create schema ${schema}`);
}, 120_000);

afterAll(async () => {
  if (shared) await admin?.query(`drop schema if exists ${schema} cascade`);
  await admin?.end();
  await own?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** DATABASE_URL with this test's schema first on the search path (this file's own database as it is). */
function probeUrl(): string {
  if (!shared) return databaseUrl;
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema},public`);
  return url.toString();
}

async function dbSetup(...args: string[]) {
  return dbSetupWith([], ...args);
}

/** The environment without the project's direct URL: db:setup would load into that database instead of the probe. */
function envWith(urls: { DATABASE_URL: string; DATABASE_URL_UNPOOLED?: string }): NodeJS.ProcessEnv {
  const env = { ...process.env, ...urls };
  if (!urls.DATABASE_URL_UNPOOLED) delete env.DATABASE_URL_UNPOOLED;
  return env;
}

async function dbSetupWith(nodeOptions: string[], ...args: string[]) {
  return run(process.execPath, [...nodeOptions, '--experimental-strip-types', '--no-warnings', 'scripts/db-setup.ts', ...args], {
    env: envWith({ DATABASE_URL: probeUrl() }),
    maxBuffer: 1 << 20,
  });
}

/** As Neon's claimable databases write it: the pooled URL for the app, the direct one beside it. */
async function dbSetupUnpooled(...args: string[]) {
  // The same database as Neon names it twice: the pooled host is the direct one with -pooler.
  // Here that host resolves nowhere, so db:setup can only succeed over the direct one.
  const direct = new URL(probeUrl());
  direct.hostname = 'localhost';
  const pooled = new URL(direct);
  pooled.hostname = 'localhost-pooler';
  return run(process.execPath, ['--experimental-strip-types', '--no-warnings', 'scripts/db-setup.ts', ...args], {
    env: envWith({ DATABASE_URL: pooled.toString(), DATABASE_URL_UNPOOLED: direct.toString() }),
    maxBuffer: 1 << 20,
  });
}

async function rowsOf(file: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const row of (await csvPlaces(file)).rows) rows.push(row);
  return rows;
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const placesNow = async () =>
  (await admin.query(`select id::text, name, st_y(location::geometry) as lat, st_x(location::geometry) as lng from ${schema}.places p order by p.id`)).rows;

describe('the CSV importer', () => {
  it('maps UNESCO columns and reports the rows it skips by physical line (a quoted newline counts)', async () => {
    const rows = await rowsOf(csv);
    const places = rows.flatMap((r) => ('place' in r ? [r.place] : []));
    expect(places.map((p) => p.id)).toEqual(['91', '92', '93', '96']);
    expect(places[0]).toEqual({ id: '91', name: 'Old Town of Somewhere', category: 'Cultural', country: 'Italy', lat: 41.8902, lng: 12.4922 });
    // Row 1002 spans lines 3 and 4, so the rows after it start one line later.
    expect(rows.filter((r) => 'skip' in r)).toEqual([
      { line: 6, skip: 'missing coordinates' },
      { line: 7, skip: 'coordinates out of range' },
    ]);
  });

  it('loads through `npm run db:setup -- --csv`, and a second run leaves the same rows', async () => {
    const first = await dbSetup('--csv', csv);
    expect(first.stdout).toContain('Skipped 2 of 6 rows (line 6: missing coordinates; line 7: coordinates out of range)');
    expect(first.stdout).toMatch(/✔ 4 places in the places table/);
    expect(first.stdout + first.stderr).not.toContain(new URL(databaseUrl).password || '\u0000');
    const tableRows = async () =>
      (
        await admin.query(
          `select id::int, name, category, country, round(st_y(location::geometry)::numeric, 4)::float8 as lat from ${schema}.places order by id`,
        )
      ).rows;
    const after1 = await tableRows();
    expect(after1).toHaveLength(4);
    expect(after1[3]).toEqual({ id: 96, name: 'Edge Of The World', category: 'Natural', country: 'Fiji', lat: -17.71 });
    await dbSetup('--csv', csv);
    expect(await tableRows()).toEqual(after1);
  });

  it('loads over the direct connection, DATABASE_URL_UNPOOLED, when it is set', async () => {
    const loaded = await dbSetupUnpooled('--csv', csv);
    expect(loaded.stdout).toMatch(/✔ 4 places in the places table/);
  });

  it('fails clearly on a CSV without coordinates, changing nothing', async () => {
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'name,city\nA,B\n');
    const failed = await dbSetup('--csv', bad).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr.trim()).toMatch(/^✖ Could not read the places: .*has no lat column \(expected one of: latitude, lat\)$/);
  });

  it('keeps ids exact, skips rows with a missing or out-of-range id, and takes only plain decimal coordinates', async () => {
    const file = write(
      'ids.csv',
      [
        'id,name,lat,lng',
        '9007199254740993,Above 2^53,1.5,2.5',
        '9007199254740992,Its float twin,1.25,2.25',
        ',No id,3,4',
        '4,Line four,4,5',
        '9223372036854775808,Past bigint,5,6',
        '9223372036854775807,Bigint max,6,7',
        '"7\n",Quoted id with a newline,7,8',
        '8,Hex,0x1A,3',
        '9,Exponent,1e1,3',
        '10,Signed,-1.5,+2',
        '4,Same id as line four,9,9',
        '0011,Leading zeros,11,11',
        '',
      ].join('\n'),
    );
    const ran = await dbSetup('--csv', file);
    expect(ran.stdout).toContain(
      'Skipped 5 of 12 rows (line 4: missing id; line 6: id 9223372036854775808 is out of range (bigint, at most 9223372036854775807); line 10: coordinates are not plain decimal numbers (like -33.8688); line 11: coordinates are not plain decimal numbers (like -33.8688); line 13: duplicate id 4)',
    );
    expect(ran.stdout).toMatch(/✔ 7 places in the places table/);
    expect(await placesNow()).toEqual(
      [
        { id: '11', name: 'Leading zeros', lat: 11, lng: 11 },
        { id: '10', name: 'Signed', lat: -1.5, lng: 2 },
        { id: '4', name: 'Line four', lat: 4, lng: 5 },
        { id: '7', name: 'Quoted id with a newline', lat: 7, lng: 8 },
        { id: '9007199254740992', name: 'Its float twin', lat: 1.25, lng: 2.25 },
        { id: '9007199254740993', name: 'Above 2^53', lat: 1.5, lng: 2.5 },
        { id: '9223372036854775807', name: 'Bigint max', lat: 6, lng: 7 },
      ].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1)),
    );
  });

  it('without an id column, a row takes its line number as id', async () => {
    const rows = await rowsOf(write('no-ids.csv', 'name,lat,lng\r\n"Two\r\nlines",1,2\r\nB,3,4\r\n'));
    expect(rows.map((r) => ('place' in r ? [r.line, r.place.id] : [r.line, r.skip]))).toEqual([
      [2, '2'],
      [4, '4'],
    ]);
  });

  for (const [what, text] of [
    ['no valid row (decimal commas)', 'id,name,lat,lng\n1,A,"41,89","12,49"\n2,B,"48,85","2,35"\n'],
    ['fewer than half of the rows valid', 'id,name,lat,lng\n1,A,41.89,12.49\n2,B,"48,85","2,35"\n3,C,"1,5","2,5"\n'],
  ] as const) {
    it(`refuses a CSV with ${what}: one line, non-zero exit, the old places kept`, async () => {
      await dbSetup('--csv', csv);
      const before = await placesNow();
      expect(before).toHaveLength(4);
      const failed = await dbSetup('--csv', write('junk.csv', text)).catch((e: { code: number; stdout: string; stderr: string }) => e);
      expect(failed).toMatchObject({ code: 1 });
      const { stdout, stderr } = failed as { stdout: string; stderr: string };
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr.trim()).toMatch(
        /^✖ Only [01] of [23] rows of .*junk\.csv are valid places \(line \d: coordinates are not plain decimal numbers .*fewer than half of the rows are valid, so the places table was not changed\./,
      );
      expect(stdout).not.toContain('✔');
      expect(await placesNow()).toEqual(before);
    });
  }

  it('fails on a quote never closed, changing nothing', async () => {
    const failed = await dbSetup('--csv', write('open-quote.csv', 'name,lat,lng\nA,1,2\n"B,3,4\nC,5,6\n')).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr.trim()).toMatch(/open-quote\.csv: the quoted field that starts on line 3 is never closed$/);
  });

  it('streams a 200 MB CSV in bounded memory (a 64 MB heap)', async () => {
    const big = path.join(dir, 'big.csv');
    const out = createWriteStream(big);
    const description = 'x'.repeat(2_000);
    const rows = 100_000;
    out.write('id,name,lat,lng,short_description_en\n');
    for (let i = 1; i <= rows; i++) {
      const line = `${i},"Place ${i}",${((i % 17_000) / 100 - 85).toFixed(2)},${((i % 35_000) / 100 - 175).toFixed(2)},"${description}"\n`;
      if (!out.write(line)) await new Promise((resolve) => out.once('drain', resolve));
    }
    await new Promise((resolve, reject) => out.end((err?: Error) => (err ? reject(err) : resolve(undefined))));
    const ran = await dbSetupWith(['--max-old-space-size=64'], '--csv', big);
    expect(ran.stdout).toMatch(/✔ 100,000 places in the places table/);
    expect((await admin.query(`select count(*)::int as n from ${schema}.places`)).rows[0].n).toBe(rows);
  }, 120_000);
});
