// The Postgres connections behind `POST /sql`: one small pool per target,
// user, database and password (a keyed hash of it, so a wrong password never
// rides on a pool the right one opened), like Neon's connection cache. Every
// connection holds a slot of the proxy's session cap (sessions.ts) while it is
// open, idle ones included; idle ones end after a while, or at once when the
// cap needs their slot; pools with no connection left are dropped, and the
// number of pools is bounded (least recently used idle pools go first).

import { createHmac, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { SessionSlots } from './sessions.ts';
import type { SqlTarget } from './sql-target.ts';
import type { ProxyStats } from './stats.ts';

/** Shown in pg_stat_activity for the sessions /sql holds. */
export const SQL_APPLICATION_NAME = 'neon-on-localhost /sql';

/** No connection could be had: answered with this HTTP status. */
export class PoolUnavailable extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

interface Session {
  client: pg.Client;
  pool: Pool;
  idleTimer?: NodeJS.Timeout;
  /** The session cap took this answered session's slot: it ends when released, instead of going idle. */
  endOnRelease?: boolean;
  /** Runs once, when the connection has ended: gives the slot back. */
  ended: () => void;
}

interface Pool {
  key: string;
  idle: Session[]; // least recently used first
  busy: number;
  opening: number;
  /** Requests waiting for this pool's busy sessions (at maxPerPool); woken one per release. */
  waiters: (() => void)[];
}

export interface Lease {
  client: pg.Client;
  /**
   * The request has its answer: from now until release (the session being reset), the session
   * cap may take this connection's slot as it takes an idle one's.
   */
  answered(): void;
  /** Back to the pool; a broken session (or one in an unknown state) is ended instead. */
  release(broken: boolean): void;
}

export interface SqlPoolsOptions {
  slots: SessionSlots;
  stats: ProxyStats;
  /**
   * Connections per pool (default: the whole session cap). Neon does not queue /sql requests
   * behind a small pool (past its pool it opens more connections), so neither does this:
   * the one local limit is the session cap, and past it a request waits for a connection.
   */
  maxPerPool?: number;
  /** Pools kept at once (default 100). */
  maxPools?: number;
  /** An idle connection ends after this long (default 5 s: warm while someone works, none left long after). */
  idleMs?: number;
  /** How long a request may wait for a busy pool, or for Postgres to accept a connection (default 10 s). */
  waitMs?: number;
}

export class SqlPools {
  private readonly pools = new Map<string, Pool>(); // least recently used first
  private readonly sessions = new Set<Session>();
  /** Leased sessions whose request has been answered, being reset before they go idle, that the cap has not claimed. */
  private readonly answered = new Set<Session>();
  private readonly secret = randomBytes(32);
  private readonly slots: SessionSlots;
  private readonly stats: ProxyStats;
  private readonly maxPerPool: number;
  private readonly maxPools: number;
  private readonly idleMs: number;
  private readonly waitMs: number;
  private closed = false;

  constructor(options: SqlPoolsOptions) {
    this.slots = options.slots;
    this.stats = options.stats;
    this.maxPerPool = options.maxPerPool ?? options.slots.max;
    this.maxPools = options.maxPools ?? 100;
    this.idleMs = options.idleMs ?? 5_000;
    this.waitMs = options.waitMs ?? 10_000;
    this.slots.addReclaimer(() => this.endOneIdle());
  }

  /** Pools kept right now (for stats and tests). */
  get poolCount(): number {
    return this.pools.size;
  }

  async acquire(target: SqlTarget): Promise<Lease> {
    const pool = this.poolFor(target);
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      if (this.closed) throw new PoolUnavailable(503, 'neon-on-localhost is shutting down');
      const idle = pool.idle.pop();
      if (idle) {
        clearTimeout(idle.idleTimer);
        pool.busy++;
        return this.lease(idle);
      }
      const inUse = pool.busy + pool.opening;
      // At the cap, a pool that has connections waits for one of its own (like pg.Pool's queue);
      // only a pool with none asks the cap for a slot it may not get.
      if (inUse < this.maxPerPool && (inUse === 0 || this.slots.free)) return this.lease(await this.open(pool, target));
      await this.nextTurn(pool, deadline);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pool of this.pools.values()) for (const wake of pool.waiters.splice(0)) wake();
    await Promise.all(
      [...this.sessions].map((s) =>
        s.client
          .end()
          .catch(() => {})
          .finally(s.ended),
      ),
    );
  }

  private keyOf(t: SqlTarget): string {
    const password = createHmac('sha256', this.secret).update(t.password).digest('base64');
    return JSON.stringify([t.host, t.port, t.user, t.database, password]);
  }

  private poolFor(target: SqlTarget): Pool {
    const key = this.keyOf(target);
    let pool = this.pools.get(key);
    if (pool)
      this.pools.delete(key); // re-inserted below as the most recently used
    else {
      this.makeRoom();
      pool = { key, idle: [], busy: 0, opening: 0, waiters: [] };
    }
    this.pools.set(key, pool);
    this.stats.httpPools = this.pools.size;
    return pool;
  }

  /** At the pool limit, the least recently used pool nobody is using goes, its idle connections ended. */
  private makeRoom(): void {
    if (this.pools.size < this.maxPools) return;
    for (const pool of this.pools.values()) {
      if (pool.busy > 0 || pool.opening > 0 || pool.waiters.length > 0) continue;
      for (const session of [...pool.idle]) this.end(session);
      this.pools.delete(pool.key);
      return;
    }
    throw new PoolUnavailable(503, `neon-on-localhost: too many databases and users in use over /sql at once (limit ${this.maxPools})`);
  }

  /** A new connection, once the session cap grants it a slot. */
  private async open(pool: Pool, target: SqlTarget): Promise<Session> {
    pool.opening++;
    let session: Session | undefined;
    try {
      await this.takeSlot();
      const client = new pg.Client({
        host: target.host,
        port: target.port,
        user: target.user,
        database: target.database,
        // A function, so pg never falls back to PGPASSWORD or ~/.pgpass for an empty password.
        password: async () => target.password,
        ssl: false,
        application_name: SQL_APPLICATION_NAME,
        connectionTimeoutMillis: this.waitMs,
      });
      session = this.track(client, pool);
      await client.connect();
      pool.busy++;
      return session;
    } catch (err) {
      if (session) this.end(session);
      throw err;
    } finally {
      pool.opening--;
      this.dropIfUnused(pool);
    }
  }

  private takeSlot(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.slots.request(
        {
          granted: resolve,
          refused: (waitedMs) =>
            reject(
              new PoolUnavailable(
                503,
                `neon-on-localhost: too many open database sessions (limit ${this.slots.max}${waitedMs ? `, none came free within ${waitedMs} ms` : ''}): ` +
                  'end() idle Clients and Pools, or raise the limit (NEON_LOCALHOST_MAX_CONNECTIONS, or --max-connections)',
              ),
            ),
        },
        this.slots.queueTimeoutMs,
      );
    });
  }

  /** Counts the session and holds its slot until its connection has ended, however it ends. */
  private track(client: pg.Client, pool: Pool): Session {
    let done = false;
    const session: Session = {
      client,
      pool,
      ended: () => {
        if (done) return;
        done = true;
        this.removeIdle(session);
        this.sessions.delete(session);
        this.stats.httpSessions--;
        this.slots.give();
        this.dropIfUnused(pool);
      },
    };
    this.sessions.add(session);
    this.stats.httpSessions++;
    client.on('error', () => this.end(session)); // e.g. an idle connection's server went away
    client.once('end', session.ended);
    return session;
  }

  private lease(session: Session): Lease {
    let released = false;
    return {
      client: session.client,
      answered: () => {
        if (!released) this.answered.add(session);
      },
      release: (broken) => {
        if (released) return;
        released = true;
        this.answered.delete(session);
        const { pool } = session;
        pool.busy--;
        if (broken || this.closed || session.endOnRelease) this.end(session);
        else {
          session.idleTimer = setTimeout(() => this.end(session), this.idleMs);
          session.idleTimer.unref();
          pool.idle.push(session);
        }
        pool.waiters.shift()?.();
        this.dropIfUnused(pool);
      },
    };
  }

  /** Waits until a session of `pool` is released (then the caller looks again), or fails at the deadline. */
  private nextTurn(pool: Pool, deadline: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          const i = pool.waiters.indexOf(wake);
          if (i !== -1) pool.waiters.splice(i, 1);
          reject(new PoolUnavailable(503, `neon-on-localhost: all ${this.maxPerPool} /sql connections for this database and user stayed busy`));
        },
        Math.max(0, deadline - Date.now()),
      );
      pool.waiters.push(wake);
    });
  }

  /** Ends an idle (or broken) session; its slot comes back when the connection has closed. */
  private end(session: Session): void {
    this.removeIdle(session);
    session.client
      .end()
      .catch(() => {})
      .finally(session.ended);
  }

  private removeIdle(session: Session): void {
    clearTimeout(session.idleTimer);
    const i = session.pool.idle.indexOf(session);
    if (i !== -1) session.pool.idle.splice(i, 1);
  }

  /**
   * The session cap needs a slot: the least recently used idle connection ends, or else one whose
   * request has been answered ends as soon as it is reset (a client that has its answer and opens
   * a WebSocket at once must not meet a cap its own finished request still fills).
   */
  private endOneIdle(): boolean {
    for (const pool of this.pools.values()) {
      const session = pool.idle[0];
      if (session) {
        this.end(session);
        return true;
      }
    }
    const [answered] = this.answered;
    if (!answered) return false;
    this.answered.delete(answered);
    answered.endOnRelease = true;
    return true;
  }

  private dropIfUnused(pool: Pool): void {
    if (pool.idle.length || pool.busy || pool.opening || pool.waiters.length) return;
    if (this.pools.get(pool.key) === pool) this.pools.delete(pool.key);
    this.stats.httpPools = this.pools.size;
  }
}
