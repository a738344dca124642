// vitest globalSetup (Node): the Worker's tests need PostGIS and the places
// loaded. Without DATABASE_URL there is nothing to check: the tests run on the
// embedded database, a copy of the prepared one (PostGIS, the migrations and
// `npm run db:setup` as its seed: package.json, "neon-on-localhost").
import pg from 'pg';
import { readDatabaseUrl } from 'neon-on-localhost';

/** Stops the run with one line: vitest prints a thrown error's stack, so this one's stack is its message. */
function stop(message: string): never {
  throw Object.assign(new Error(message), { stack: `✖ ${message}` });
}

export default async function placesReady(): Promise<void> {
  const databaseUrl = readDatabaseUrl(process.cwd());
  if (!databaseUrl) return;
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number | null }>(
      "select case when to_regclass('places') is null then null else (select count(*)::int from places) end as n",
    );
    if (!rows[0].n) stop('The places table is missing or empty: run `npm run db:setup` first, then npm test again.');
  } finally {
    await client.end();
  }
}
