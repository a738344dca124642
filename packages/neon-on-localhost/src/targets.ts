// Which Postgres addresses the local proxy may reach. The proxy is a relay to
// TCP sockets, so an unchecked `?address=` would make it an open proxy: only
// explicitly allowed host:port pairs pass, and by default those are loopback.
// Every host is first reduced to one canonical spelling, and that spelling is
// what the proxy connects to: a name that merely looks like loopback (or a
// Unix socket path) never reaches the resolver.

// node:net is fetched on use: the scaffolder bundles this file for its URL
// checks and starts faster without loading the networking stack.
const net = () => process.getBuiltinModule('node:net');

/**
 * The one spelling of `host` the proxy checks and connects to, or undefined
 * for what it never reaches: Unix socket paths, URL syntax, malformed names.
 * IPv4 in any form URL parsers accept (`127.1`, `2130706433`, `0x7f.1`)
 * becomes dotted decimal, IPv6 is compressed (`::ffff:127.0.0.1`, an IPv4
 * address in IPv6 form, becomes that IPv4 address), names lose a trailing dot.
 */
export function canonicalHost(host: string): string | undefined {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h === '' || /[/\\\s%@?#]/.test(h)) return undefined;
  if (net().isIPv6(h)) {
    const compressed = new URL(`http://[${h}]`).hostname.slice(1, -1);
    const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
    if (!mapped) return compressed;
    const [hi, lo] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  if (h.includes(':')) return undefined;
  if (h.endsWith('.')) h = h.slice(0, -1);
  try {
    const parsed = new URL(`http://${h}`).hostname;
    return parsed === '' ? undefined : parsed;
  } catch {
    return undefined; // e.g. `127.0.0.09`, which a resolver would send to DNS
  }
}

function isLoopbackCanonical(h: string): boolean {
  return h === 'localhost' || h === '::1' || (net().isIPv4(h) && h.startsWith('127.'));
}

/** True for `localhost`, `127.0.0.0/8` and `::1`, in any spelling canonicalHost accepts. */
export function isLoopbackHost(host: string): boolean {
  const h = canonicalHost(host);
  return h !== undefined && isLoopbackCanonical(h);
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
      const host = parsed && canonicalHost(parsed.host);
      if (!parsed || !host) throw new Error(`neon-on-localhost: invalid allowed target "${raw}" (expected host:port or host:*)`);
      this.entries.push({ host, port: wildcard ? '*' : parsed.port });
    }
  }

  /** The address to connect to for `host:port`, canonical (see canonicalHost), or undefined if not allowed. */
  resolve(host: string, port: number): { host: string; port: number } | undefined {
    const h = canonicalHost(host);
    if (h === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
    const allowed = this.entries.some((e) => (e.port === '*' || e.port === port) && (e.host === h || (isLoopbackCanonical(e.host) && isLoopbackCanonical(h))));
    return allowed ? { host: h, port } : undefined;
  }

  /**
   * The port for a host named without one. Neon routes by host name alone, so a URL without a
   * port (as the driver builds for Pool with poolQueryViaFetch) means that host's database: the
   * one allowed port for it, or 5432 when that is allowed or the host is allowed on any port.
   */
  portFor(host: string): number | undefined {
    const h = canonicalHost(host);
    if (h === undefined) return undefined;
    const ports = new Set<number | '*'>();
    for (const e of this.entries) {
      if (e.host === h || (isLoopbackCanonical(e.host) && isLoopbackCanonical(h))) ports.add(e.port);
    }
    if (ports.has('*') || ports.has(5432)) return 5432;
    return ports.size === 1 ? ([...ports][0] as number) : undefined;
  }

  allows(host: string, port: number): boolean {
    return this.resolve(host, port) !== undefined;
  }
}

/** The allow-list for one database URL: its own host and port, nothing else. */
export function targetOf(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || '5432'}`;
}
