// vitest globalSetup (Node): the Worker's tests need PostGIS and the places
// loaded. Without DATABASE_URL there is nothing to check: the tests run on the
// embedded database, a copy of the prepared one (PostGIS, the migrations and
// `npm run db:setup` as its seed: package.json, "neon-on-localhost").
import pg from 'pg';
import { readDatabaseUrl } from 'neon-on-localhost';
import { connectionFailureLine, endTestRun } from 'neon-on-localhost/vitest';

/** Stops the run with one line (vitest would print a thrown error last, with its stack). */
function stop(message: string): Promise<never> {
  return endTestRun(`✖ ${message}`);
}

export default async function placesReady(): Promise<void> {
  const databaseUrl = readDatabaseUrl(process.cwd());
  if (!databaseUrl) return;
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {}); // a failed connect rejects below
  await client.connect().catch((err: unknown) => endTestRun(connectionFailureLine(databaseUrl, err)));
  try {
    const { rows } = await client.query<{ n: number | null }>(
      "select case when to_regclass('places') is null then null else (select count(*)::int from places) end as n",
    );
    if (!rows[0].n) return stop('The places table is missing or empty: run `npm run db:setup` first, then npm test again.');
  } finally {
    await client.end();
  }
}
