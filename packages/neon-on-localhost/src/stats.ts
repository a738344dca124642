// Counters kept by the proxy, served at GET /_neon_localhost/stats. Tests use them
// to prove a request never reached the database (a cache hit) and benchmarks
// use them to count the messages and round trips a driver needs.

export interface ProxyStats {
  /** WebSocket sessions opened since start (each is one Postgres connection). */
  wsConnections: number;
  /** WebSocket sessions open right now, handshakes in progress included (what the cap counts). */
  wsOpen: number;
  /** WebSocket sessions waiting for a slot under the cap right now. */
  wsQueued: number;
  /** Binary messages from the driver to Postgres, and back. */
  wsMessagesIn: number;
  wsMessagesOut: number;
  /** Turns: each time the flow switches from driver→Postgres to Postgres→driver. */
  wsTurns: number;
  /** HTTP `/sql` requests, and the SQL statements they carried. */
  httpRequests: number;
  httpQueries: number;
  /** Postgres connections the /sql pools hold right now, idle ones included (they count against the cap too). */
  httpSessions: number;
  /** /sql pools kept right now (one per target, database, user and password). */
  httpPools: number;
  /** Requests refused: disallowed target, over the connection cap, bad input. */
  refused: number;
}

export function emptyStats(): ProxyStats {
  return {
    wsConnections: 0,
    wsOpen: 0,
    wsQueued: 0,
    wsMessagesIn: 0,
    wsMessagesOut: 0,
    wsTurns: 0,
    httpRequests: 0,
    httpQueries: 0,
    httpSessions: 0,
    httpPools: 0,
    refused: 0,
  };
}

/** What GET /_neon_localhost/stats serves: the counters, and the proxy process's memory (resident set size, bytes). */
export function statsSnapshot(stats: ProxyStats): ProxyStats & { rssBytes: number } {
  return { ...stats, rssBytes: process.memoryUsage().rss };
}
