// A project's tables, for the embedded database: `sql/schema.sql`, if the
// project has one, is run against the embedded database every time `npm start`
// or `npm test` starts it (the test one is new and empty each run). Written as
// `create table if not exists …`, it can run any number of times.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

export const SCHEMA_FILE = 'sql/schema.sql';

/**
 * Runs `sql/schema.sql` of `projectDir` against `databaseUrl`, as one script
 * (several statements, in one implicit transaction). Resolves to the file's
 * name, or undefined when the project has none; rejects with one line (file,
 * line, Postgres' message) when a statement fails.
 */
export async function applySchema(projectDir: string, databaseUrl: string): Promise<string | undefined> {
  const file = path.join(projectDir, SCHEMA_FILE);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  if (text.trim() === '') return SCHEMA_FILE;
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(text);
  } catch (err) {
    const e = err as { message: string; position?: string };
    const at = e.position ? `:${text.slice(0, Number(e.position) - 1).split('\n').length}` : '';
    throw new Error(`${SCHEMA_FILE}${at}: ${e.message}`);
  } finally {
    await client.end().catch(() => {});
  }
  return SCHEMA_FILE;
}
