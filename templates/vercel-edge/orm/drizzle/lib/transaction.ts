// A session's worth of work, through Drizzle: two statements in one
// transaction on one connection, with the caller's own logic in between.
// db.transaction() begins it, commits it when the work returns, and rolls it
// back when the work throws. An HTTP batch cannot do this (all its statements
// are fixed up front); a session (a connection over a WebSocket or TCP) can.
// Takes the transaction of any session driver (neon-serverless,
// node-postgres), so it runs the same on every platform.

import { sql, type SQL } from 'drizzle-orm';

/** What the work needs of a Drizzle transaction: statements, and their rows. */
export interface Executes {
  execute(query: SQL): PromiseLike<{ rows: Record<string, unknown>[] }>;
}

export interface TransactionResult {
  txid: string;
  sameTransaction: boolean;
  now: Date;
}

/** The work of one transaction: `await db.transaction(transactionDemo)`. */
export async function transactionDemo(tx: Executes): Promise<TransactionResult> {
  const first = await tx.execute(sql`select txid_current()::text as txid, now() as started`);
  const { txid, started } = first.rows[0] as { txid: string; started: string };
  // Client-side logic between the statements: the second is built from the first's answer.
  const second = await tx.execute(sql`select txid_current() = ${txid}::bigint as same_txid`);
  // Drizzle hands timestamps over as Postgres writes them; as a Date the answer is the same ISO string as elsewhere.
  return { txid, sameTransaction: (second.rows[0] as { same_txid: boolean }).same_txid, now: new Date(started) };
}
