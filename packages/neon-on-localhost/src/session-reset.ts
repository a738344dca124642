// What Neon does to a pooled /sql connection before the next request may use
// it: nothing a request did (an open BEGIN, SET, temp tables, advisory locks,
// LISTEN, PREPARE, cursors) reaches another request. These are DISCARD ALL's
// steps after ending any transaction: DISCARD ALL itself refuses to run in
// the implicit transaction of a multi-statement query.
export const RESET_SESSION =
  'rollback; close all; set session authorization default; reset all; deallocate all; unlisten *; ' +
  'select pg_advisory_unlock_all(); discard temp; discard sequences';

// The same for the embedded database, whose one session all connections share
// (embedded-session.ts), while another connection is in the middle of
// something: what may belong to it stays (its prepared statements, temp
// tables), the rest is reset. Otherwise the embedded database gets RESET_SESSION.
export const EMBEDDED_RESET_SESSION = 'rollback; close all; set session authorization default; reset all; select pg_advisory_unlock_all()';
