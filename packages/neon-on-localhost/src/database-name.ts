// The database a connection string names, and the same string naming another:
// for code that runs in Node and inside workerd alike (no Node modules).

/** `url` naming database `name` instead. */
export function withDatabaseName(url: string, name: string): string {
  const copy = new URL(url);
  copy.pathname = `/${encodeURIComponent(name)}`;
  return copy.href;
}

/** The database a URL names (Postgres' default: the user's name). */
export function databaseNameOf(url: string): string {
  const parsed = new URL(url);
  return decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username);
}
