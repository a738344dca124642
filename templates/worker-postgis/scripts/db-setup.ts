// npm run db:setup [-- --csv whc-sites.csv]
// Creates the schema (PostGIS, the places table, its GiST index) in the
// database named by DATABASE_URL (environment or .dev.vars) and loads the
// places: GeoNames by default, or your CSV.

import { parseArgs } from 'node:util';
import pg from 'pg';
import { maskDatabaseUrl, readDatabaseUrl } from 'neon-on-localhost';
import { loadPlaces, PostgisMissingError } from './load-places.ts';
import { csvPlaces, geoNamesPlaces, type Source } from './places-source.ts';

function fail(message: string): never {
  console.error(`✖ ${message}`);
  process.exit(1);
}

const { values } = parseArgs({ options: { csv: { type: 'string' } } });
const databaseUrl = readDatabaseUrl(process.cwd());
if (!databaseUrl) {
  fail(
    'DATABASE_URL is not set, and the places need PostGIS, which the embedded database (PGlite) does not have: put a Neon URL (PostGIS is available there) or a local PostgreSQL with PostGIS in .dev.vars, then run npm run db:setup again.',
  );
}

let source: Source;
try {
  source = values.csv ? csvPlaces(values.csv) : geoNamesPlaces();
} catch (err) {
  fail(`Could not read the places: ${(err as Error).message}`);
}
console.log(`Loading ${source.places.length.toLocaleString('en')} places from ${source.label}`);
console.log(`into ${maskDatabaseUrl(databaseUrl)}`);
if (source.skipped.length > 0) {
  const examples = source.skipped.slice(0, 5).map((s) => `line ${s.line}: ${s.reason}`).join('; ');
  console.log(`Skipped ${source.skipped.length} rows (${examples}${source.skipped.length > 5 ? '; …' : ''})`);
}

const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
const started = performance.now();
let lastShown = -1;
const progress = (done: number, total: number) => {
  const percent = Math.floor((done / total) * 100);
  if (process.stdout.isTTY) process.stdout.write(`\r  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} (${percent}%)`);
  else if (percent >= lastShown + 25 || done === total) {
    console.log(`  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} (${percent}%)`);
    lastShown = percent;
  }
};
try {
  await client.connect();
  const count = await loadPlaces(client, source.places, progress);
  if (process.stdout.isTTY) process.stdout.write('\n');
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`✔ ${count.toLocaleString('en')} places in the places table (${seconds} s)`);
} catch (err) {
  if (process.stdout.isTTY) process.stdout.write('\n');
  if (err instanceof PostgisMissingError) fail(err.message);
  fail(`Loading failed, nothing was changed: ${(err as Error).message}`);
} finally {
  await client.end().catch(() => {});
}
