// A session's worth of work: two statements in one transaction on one
// connection, with the caller's own logic in between. An HTTP batch cannot do
// this (all its statements are fixed up front); a session (a WebSocket Client
// or Pool, or a pg client over TCP) can. Takes any pg-style client, so it runs
// the same on every platform.

export interface Queryable {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(text: string, params?: unknown[]): Promise<{ rows: any[] }>;
}

export interface TransactionResult {
  txid: string;
  sameTransaction: boolean;
  now: Date;
}

export async function transactionDemo(client: Queryable): Promise<TransactionResult> {
  await client.query('begin');
  try {
    const first = await client.query('select txid_current()::text as txid, now() as started');
    const { txid, started } = first.rows[0] as { txid: string; started: Date };
    // Client-side logic between the statements: the second is built from the first's answer.
    const second = await client.query('select txid_current() = $1::bigint as same_txid', [txid]);
    await client.query('commit');
    return { txid, sameTransaction: (second.rows[0] as { same_txid: boolean }).same_txid, now: started };
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  }
}
