// The explorer's view of the database: its tables and how many rows each has.
// Read in a READ ONLY transaction that is always rolled back, with a statement
// and lock timeout, over a connection of its own (not through the proxy, so it
// never shows in the query log). Nothing here takes SQL from outside: the only
// statements are the fixed ones below, and table names are quoted identifiers.
// Counting stops at ROW_LIMIT rows per table, and after TIME_BUDGET_MS in all,
// so a large or locked table cannot hold the proxy up.

import pg from 'pg';

export interface TableView {
  schema: string;
  name: string;
  /** Rows, exact up to ROW_LIMIT; null when it could not be counted in time. */
  rows: number | null;
  /** More rows than ROW_LIMIT. */
  more?: boolean;
}

export const ROW_LIMIT = 100_000;
const MAX_TABLES = 200;
const TIME_BUDGET_MS = 3_000;
const CONNECT_TIMEOUT_MS = 5_000;

// Ordinary and partitioned tables the user may read, outside Postgres' own schemas; partitions count in their parent.
const LIST_TABLES = `select n.nspname as schema, c.relname as name
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p') and not c.relispartition
    and n.nspname <> 'information_schema' and n.nspname not like 'pg\\_%'
    and has_table_privilege(c.oid, 'SELECT')
  order by n.nspname <> 'public', n.nspname, c.relname
  limit ${MAX_TABLES}`;

export async function readTables(databaseUrl: string): Promise<TableView[]> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'neon-on-localhost explorer',
    // A client-side bound too, for a server that ignores statement_timeout.
    query_timeout: TIME_BUDGET_MS + 2_000,
  });
  client.on('error', () => {}); // the server going away mid-read fails the read, not the proxy
  await client.connect();
  try {
    await client.query('begin transaction read only');
    await client.query(`set local statement_timeout = ${TIME_BUDGET_MS}`);
    await client.query('set local lock_timeout = 1000');
    const { rows } = await client.query<{ schema: string; name: string }>(LIST_TABLES);
    const deadline = Date.now() + TIME_BUDGET_MS;
    const tables: TableView[] = [];
    for (const { schema, name } of rows) tables.push({ schema, name, ...(Date.now() < deadline ? await countRows(client, schema, name) : { rows: null }) });
    return tables;
  } finally {
    await client.query('rollback').catch(() => {});
    await client.end().catch(() => {});
  }
}

/** Rows of one table, up to ROW_LIMIT; a failure (a lock, the timeout) costs that table only. */
async function countRows(client: pg.Client, schema: string, name: string): Promise<Omit<TableView, 'schema' | 'name'>> {
  const table = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`;
  await client.query('savepoint count_rows');
  try {
    const { rows } = await client.query<{ n: string }>(`select count(*) as n from (select from ${table} limit ${ROW_LIMIT + 1}) t`);
    const n = Number(rows[0].n);
    return n > ROW_LIMIT ? { rows: ROW_LIMIT, more: true } : { rows: n };
  } catch {
    await client.query('rollback to savepoint count_rows');
    return { rows: null };
  }
}
