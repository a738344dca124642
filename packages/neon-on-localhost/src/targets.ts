// Which Postgres addresses the local proxy may reach. The proxy is a relay to
// TCP sockets, so an unchecked `?address=` would make it an open proxy: only
// explicitly allowed host:port pairs pass, and by default those are loopback.

const LOOPBACK_NAMES = new Set(['localhost', '::1', '[::1]']);

/** True for `localhost`, `127.0.0.0/8` and `::1` (with or without brackets). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return LOOPBACK_NAMES.has(h) || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Splits `host:port`, `[v6]:port` or `host` (port defaults to 5432). */
export function splitAddress(address: string): { host: string; port: number } | undefined {
  const m = /^(\[[^\]]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(address.trim());
  if (!m) return undefined;
  const port = m[2] === undefined ? 5432 : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/**
 * An allow-list of targets. Entries are `host:port` or `host:*`; loopback
 * names are interchangeable (`localhost:5432` also allows `127.0.0.1:5432`).
 */
export class TargetPolicy {
  private readonly entries: { host: string; port: number | '*' }[] = [];

  constructor(allow: readonly string[]) {
    for (const raw of allow) {
      const wildcard = raw.endsWith(':*');
      const parsed = splitAddress(wildcard ? raw.slice(0, -2) : raw);
      if (!parsed) throw new Error(`neon-local: invalid allowed target "${raw}" (expected host:port or host:*)`);
      this.entries.push({ host: parsed.host.toLowerCase(), port: wildcard ? '*' : parsed.port });
    }
  }

  allows(host: string, port: number): boolean {
    const h = host.toLowerCase().replace(/^\[|\]$/g, '');
    return this.entries.some(
      (e) => (e.port === '*' || e.port === port) && (e.host === h || (isLoopbackHost(e.host) && isLoopbackHost(h))),
    );
  }

  describe(): string {
    return this.entries.map((e) => `${e.host}:${e.port}`).join(', ') || '(nothing)';
  }
}

/** The allow-list for one database URL: its own host and port, nothing else. */
export function targetOf(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || '5432'}`;
}
