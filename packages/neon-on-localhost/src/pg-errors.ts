// What a Postgres error says about the connection it came on.

/** A Postgres error after which the server closes the session (shutdown, terminated backend, protocol failure). */
export function endsSession(err: unknown): boolean {
  const e = err as { severity?: string; code?: string };
  return e.severity === 'FATAL' || e.severity === 'PANIC' || /^(57P|08)/.test(e.code ?? '');
}
