// vitest globalSetup (Node): the Worker's tests need PostGIS and the places
// loaded, so the embedded database (PGlite, no PostGIS) cannot stand in here.
import pg from 'pg';
import { readDatabaseUrl } from 'neon-on-localhost';
import { connectionFailureLine, endTestRun } from 'neon-on-localhost/vitest';

/** Stops the run with one line (vitest would print a thrown error last, with its stack). */
function stop(message: string): Promise<never> {
  return endTestRun(`✖ ${message}`);
}

export default async function placesReady(): Promise<void> {
  const databaseUrl = readDatabaseUrl(process.cwd());
  if (!databaseUrl) {
    return stop(
      'No DATABASE_URL, and these tests need PostGIS, which the embedded database (PGlite) does not have: set DATABASE_URL in .dev.vars to a Neon database or a local PostgreSQL with PostGIS, run npm run db:setup, then npm test.',
    );
  }
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
