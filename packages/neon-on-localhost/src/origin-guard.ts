// Who may talk to the local proxy (and to the dev servers of dev-server.ts).
// It hands out the developer's database, and browsers let any web page send
// requests to 127.0.0.1: WebSockets are not subject to CORS, and with DNS
// rebinding a page can even make its own name resolve to 127.0.0.1. So, as
// Vite and webpack-dev-server do for their dev servers, every request
// (WebSocket upgrades, /sql, stats, 404s, preflights) must name this proxy by
// a loopback Host at its own port, and an Origin, when there is one, must be
// a page on this machine. Clients that send no Origin (workerd, edge-runtime,
// Node, curl) are not browsers' pages and pass. More hosts and origins can be
// allowed: NEON_LOCALHOST_ALLOWED_HOSTS and NEON_LOCALHOST_ALLOWED_ORIGINS
// (comma-separated), or the options below.

import type { IncomingHttpHeaders } from 'node:http';

export interface OriginGuardOptions {
  /** The port the proxy listens on (known once it listens). */
  ownPort: () => number;
  /** Extra Host values: `name` (at the proxy's own port) or `name:port`. */
  allowedHosts?: readonly string[];
  /** Extra page origins, e.g. `https://studio.example:8443`. */
  allowedOrigins?: readonly string[];
  /** Who refuses, in the messages: the proxy (the default, which also takes flags for the lists), or e.g. `npm start`. */
  server?: string;
}

export type Verdict = { ok: true; corsOrigin?: string } | { ok: false; message: string };

const HOSTS_VARIABLE = 'NEON_LOCALHOST_ALLOWED_HOSTS';
const ORIGINS_VARIABLE = 'NEON_LOCALHOST_ALLOWED_ORIGINS';
/** How each list is set, as the messages name it: the proxy also has flags. */
const PROXY_SETTINGS = { hosts: `${HOSTS_VARIABLE} (or --allowed-host)`, origins: `${ORIGINS_VARIABLE} (or --allowed-origin)` };
const VARIABLES = { hosts: HOSTS_VARIABLE, origins: ORIGINS_VARIABLE };

/**
 * `localhost`, `::1` and 127.0.0.0/8 in the canonical dotted form browsers
 * send (no `127.1`, no leading zeros, no trailing dot: a name with extra
 * parts, like `127.0.0.1.nip.io`, is someone else's name).
 */
export function isLoopbackName(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '::1') return true;
  const parts = hostname.split('.');
  return parts.length === 4 && parts[0] === '127' && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/** `name[:port]` or `[v6][:port]`, lower-cased; undefined when malformed. */
function parseHost(value: string): { name: string; port?: number } | undefined {
  const m = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9_.-]+))(?::([1-9]\d{0,4}))?$/i.exec(value);
  if (!m) return undefined;
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && port > 65535) return undefined;
  return { name: (m[1] ?? m[2]).toLowerCase(), port };
}

/** An origin exactly as browsers serialize it (`scheme://host[:port]`), or undefined. */
function parseOrigin(value: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return url.origin === value ? url : undefined;
}

/** Checks the allow-lists once, at start: a typo should stop the proxy, not refuse every request. */
function validated(allowedHosts: readonly string[], allowedOrigins: readonly string[], settings = PROXY_SETTINGS) {
  const hosts = allowedHosts.map((raw) => {
    const host = parseHost(raw.trim());
    if (!host)
      throw new Error(`neon-on-localhost: invalid allowed host "${raw}" in ${settings.hosts}: expected a host name or name:port, e.g. my-laptop.local`);
    return host;
  });
  const origins = new Set(
    allowedOrigins.map((raw) => {
      let url: URL | undefined;
      try {
        url = new URL(raw.trim());
      } catch {
        // not a URL: refused just below
      }
      const bare = url && /^https?:$/.test(url.protocol) && !url.username && !url.password && url.pathname === '/' && !url.search && !url.hash;
      if (!url || !bare)
        throw new Error(
          `neon-on-localhost: invalid allowed origin "${raw}" in ${settings.origins}: expected http(s)://host[:port], e.g. http://my-laptop.local:3000`,
        );
      return url.origin;
    }),
  );
  return { hosts, origins };
}

export function createOriginGuard(options: OriginGuardOptions): (headers: IncomingHttpHeaders) => Verdict {
  const settings = options.server ? VARIABLES : PROXY_SETTINGS;
  const { hosts, origins } = validated(options.allowedHosts ?? [], options.allowedOrigins ?? [], settings);

  function hostAllowed(value: string | undefined): boolean {
    const host = value === undefined ? undefined : parseHost(value);
    if (!host) return false;
    const own = options.ownPort();
    // A loopback name cannot be rebound, so raw clients may leave the port out; browsers send it
    // whenever it is not 80. A different port means the request was meant for another server.
    if (isLoopbackName(host.name) && (host.port ?? own) === own) return true;
    return hosts.some((h) => h.name === host.name && (h.port ?? own) === (host.port ?? own));
  }

  function originAllowed(value: string): boolean {
    const url = parseOrigin(value);
    if (!url) return false; // `null` (sandboxed frames, file:, data:) and anything malformed
    return isLoopbackName(url.hostname.replace(/^\[|\]$/g, '')) || origins.has(url.origin);
  }

  return (headers) => {
    const host = headers.host;
    if (!hostAllowed(host)) {
      return {
        ok: false,
        message:
          `neon-on-localhost: refused Host ${JSON.stringify(clip(host ?? ''))}: ${options.server ?? 'the proxy'} answers only to localhost, 127.0.0.1 or [::1] ` +
          `at its own port ${options.ownPort()} (other names may be DNS rebinding); allow more with ${settings.hosts}`,
      };
    }
    const origin = headers.origin;
    if (origin === undefined) return { ok: true };
    if (!originAllowed(origin)) {
      return {
        ok: false,
        message:
          `neon-on-localhost: refused Origin ${JSON.stringify(clip(origin))}: only pages on this machine (localhost, 127.0.0.1, [::1]) ` +
          `may use ${options.server ?? 'the database proxy'}; allow more with ${settings.origins}`,
      };
    }
    return { ok: true, corsOrigin: origin };
  };
}

function clip(value: string): string {
  return value.length > 100 ? `${value.slice(0, 100)}…` : value;
}

export interface OriginSettings {
  allowedHosts: string[];
  allowedOrigins: string[];
}

/**
 * The allow-lists of `npm start` and `npm test`: comma-separated
 * NEON_LOCALHOST_ALLOWED_HOSTS and NEON_LOCALHOST_ALLOWED_ORIGINS, each replaced by
 * its command-line flag when given. Throws, naming the bad entry, before
 * anything has started.
 */
export function originSettingsFromEnv(env: NodeJS.ProcessEnv = process.env, flags: Partial<OriginSettings> = {}): OriginSettings {
  const fromEnv = allowListsFromEnv(env);
  const settings = { allowedHosts: flags.allowedHosts ?? fromEnv.allowedHosts, allowedOrigins: flags.allowedOrigins ?? fromEnv.allowedOrigins };
  validated(settings.allowedHosts, settings.allowedOrigins);
  return settings;
}

/** NEON_LOCALHOST_ALLOWED_HOSTS and NEON_LOCALHOST_ALLOWED_ORIGINS as lists, unchecked (createOriginGuard checks them). */
export function allowListsFromEnv(env: NodeJS.ProcessEnv = process.env): OriginSettings {
  const list = (name: string) =>
    (env[name] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return { allowedHosts: list(HOSTS_VARIABLE), allowedOrigins: list(ORIGINS_VARIABLE) };
}
