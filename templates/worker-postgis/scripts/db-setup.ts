// npm run db:setup [-- --csv whc-sites.csv]
// Creates the schema (PostGIS, the places table, its GiST index) in the
// database named by DATABASE_URL_UNPOOLED when set (Neon's direct connection:
// a long load does not belong on the pooler), else DATABASE_URL (environment or
// .dev.vars), else the embedded database of `npm start` (.neon-localhost/pgdata),
// and loads the places: GeoNames by default, or your CSV. It is also the seed
// of the embedded database (package.json, "neon-on-localhost"): run once, its
// result is copied into every new embedded database, the tests' included.

import { parseArgs } from 'node:util';
import pg from 'pg';
import { maskDatabaseUrl, openProjectDatabase } from 'neon-on-localhost';
import { CsvSyntaxError } from './csv-records.ts';
import { type LoadReport, loadPlaces, PostgisMissingError, TooFewValidRowsError } from './load-places.ts';
import { csvPlaces, geoNamesPlaces, type Source } from './places-source.ts';

function fail(message: string): never {
  console.error(`✖ ${message}`);
  process.exit(1);
}

const { values } = parseArgs({ options: { csv: { type: 'string' } } });
let source: Source;
try {
  source = values.csv ? await csvPlaces(values.csv) : geoNamesPlaces();
} catch (err) {
  fail(`Could not read the places: ${(err as Error).message}`);
}
let database: Awaited<ReturnType<typeof openProjectDatabase>>;
try {
  database = await openProjectDatabase();
} catch (err) {
  fail(`The database did not open: ${(err as Error).message.split('\n')[0]}`);
}
console.log(`Loading places from ${source.label}`);
console.log(`into ${database.embedded ? 'the embedded database (.neon-localhost/pgdata)' : maskDatabaseUrl(database.url)}`);

const examples = (report: LoadReport) =>
  report.examples.map((s) => `line ${s.line}: ${s.reason}`).join('; ') + (report.skipped > report.examples.length ? '; …' : '');
const n = (count: number) => count.toLocaleString('en');

const client = new pg.Client({ connectionString: database.url, connectionTimeoutMillis: 10_000 });
const started = performance.now();
let lastShown = -1;
const progress = (rowsRead: number) => {
  const percent = Math.floor(source.readFraction() * 100);
  if (process.stdout.isTTY) process.stdout.write(`\r  ${n(rowsRead)} rows read (${percent}%)`);
  else if (percent >= lastShown + 25) {
    console.log(`  ${n(rowsRead)} rows read (${percent}%)`);
    lastShown = percent;
  }
};
// Said after the database is closed (the embedded one is flushed to disk first).
let failure: string | undefined;
try {
  await client.connect();
  const report = await loadPlaces(client, source.rows, progress);
  if (process.stdout.isTTY) process.stdout.write('\n');
  if (report.skipped > 0) console.log(`Skipped ${n(report.skipped)} of ${n(report.rows)} rows (${examples(report)})`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`✔ ${n(report.loaded)} places in the places table (${seconds} s)`);
} catch (err) {
  if (process.stdout.isTTY) process.stdout.write('\n');
  failure = failureMessage(err);
} finally {
  await client.end().catch(() => {});
  await database.close();
}
if (failure) fail(failure);

function failureMessage(err: unknown): string {
  if (err instanceof PostgisMissingError) return err.message;
  if (err instanceof TooFewValidRowsError) {
    const r = err.report;
    return `Only ${n(r.loaded)} of ${n(r.rows)} rows of ${source.label} are valid places (${examples(r) || 'no data rows'}); db:setup refuses a load where fewer than half of the rows are valid, so the places table was not changed. Fix the file (decimal points, lat -90..90, lng -180..180, whole-number ids) and run npm run db:setup again.`;
  }
  if (err instanceof CsvSyntaxError) return `Could not read the places, nothing was changed: ${source.label}: ${err.message}`;
  return `Loading failed, nothing was changed: ${(err as Error).message}`;
}
