// The proxy's defaults, in one place: the CLI (serve.ts), `run`, the
// environment (sessionLimitsFromEnv), the programmatic API (proxy.ts) and the
// relay itself read them from here.

export const DEFAULTS = {
  /**
   * Where `run` and `serve` listen. driver.ts spells the same port in
   * DEFAULT_LOCAL_PROXY, since it imports nothing (it is bundled into edge
   * code); a test checks the two agree.
   */
  port: 4444,
  /** The loopback address the proxy binds. */
  host: '127.0.0.1',
  /**
   * Postgres sessions open at once, WebSocket and /sql together: leaves room
   * under a stock Postgres' 100 connections and PGlite's 64 for your own tools.
   */
  maxConnections: 50,
  /** How long a session past the cap waits for a slot before a 503, under `run` and `serve`. */
  queueTimeoutMs: 10_000,
  /**
   * The same for startProxy() called from code: refused at once, so a
   * test that fills the cap sees its 503 straight away rather than after a wait.
   */
  apiQueueTimeoutMs: 0,
  /** Time a client has to send a whole HTTP request, headers and body; 408 after (slowloris). */
  requestTimeoutMs: 10_000,
  /** Time a WebSocket client has to get through authentication. */
  authTimeoutMs: 30_000,
  /** After the WebSocket closes, how long Postgres gets to close its end before the socket is cut. */
  tcpLingerMs: 5_000,
  /** Neon's wsproxy forwards TCP reads in frames of at most 32 KiB; so does this one. */
  maxFrameBytes: 32 * 1024,
  /** Past this much unsent data towards the driver, stop reading from Postgres until it drains. */
  highWaterBytes: 1024 * 1024,
  /** The largest WebSocket message accepted from a driver. */
  maxPayloadBytes: 64 * 1024 * 1024,
} as const;
