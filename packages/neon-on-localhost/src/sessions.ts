// The proxy's one budget of Postgres sessions, shared by WebSocket sessions
// (ws-relay.ts) and the connections the `/sql` pools hold (sql-pool.ts), so
// the cap bounds what Postgres sees whichever way clients come in. Past the
// cap a request waits for a slot, first come first served, or is refused.

// When idle /sql connections hold the slots, one of them is ended to make
// room; a request waits this long for it even when it may not wait otherwise.
const RECLAIM_WAIT_MS = 2_000;

export interface SlotRequest {
  /** A slot is now the caller's, to give() back once its session has fully ended. */
  granted(): void;
  /** No slot: refused at once, or none came free within `waitedMs`. */
  refused(waitedMs: number): void;
}

interface Waiting {
  request: SlotRequest;
  timer: NodeJS.Timeout;
}

export class SessionSlots {
  readonly max: number;
  readonly queueTimeoutMs: number;
  private used = 0;
  private readonly queue: Waiting[] = [];
  private readonly reclaimers: (() => boolean)[] = [];

  /**
   * @param max sessions open at once
   * @param queueTimeoutMs how long a request past the cap may wait for a slot (0: refused at once)
   */
  constructor(max: number, queueTimeoutMs = 0) {
    if (!Number.isInteger(max) || max < 1) {
      throw new Error(`neon-on-localhost: the connection limit must be a whole number of at least 1, not ${max}`);
    }
    this.max = max;
    this.queueTimeoutMs = queueTimeoutMs;
  }

  get inUse(): number {
    return this.used;
  }

  /** True when a request now would be granted at once. */
  get free(): boolean {
    return this.used < this.max && this.queue.length === 0;
  }

  /** `reclaim` ends one idle session it holds (giving its slot back soon) and returns true, or returns false. */
  addReclaimer(reclaim: () => boolean): void {
    this.reclaimers.push(reclaim);
  }

  /**
   * Asks for a slot: granted at once when one is free and nobody waits before
   * this request, else queued. Returns whether it was queued, and a cancel
   * function (true if the request was still waiting; it then hears nothing more).
   */
  request(request: SlotRequest, timeoutMs = this.queueTimeoutMs): { queued: boolean; cancel: () => boolean } {
    if (this.used < this.max && this.queue.length === 0) {
      this.used++;
      request.granted();
      return { queued: false, cancel: () => false };
    }
    const reclaiming = this.reclaimers.some((reclaim) => reclaim());
    const waitMs = reclaiming ? Math.max(timeoutMs, RECLAIM_WAIT_MS) : timeoutMs;
    if (waitMs <= 0) {
      request.refused(0);
      return { queued: false, cancel: () => false };
    }
    const entry: Waiting = {
      request,
      timer: setTimeout(() => {
        if (this.remove(entry)) request.refused(waitMs);
      }, waitMs),
    };
    this.queue.push(entry);
    return { queued: true, cancel: () => this.remove(entry) };
  }

  give(): void {
    if (this.used === 0) return; // never below zero (a double give-back must not crash the proxy from an event handler)
    this.used--;
    while (this.used < this.max && this.queue.length > 0) {
      const next = this.queue.shift() as Waiting;
      clearTimeout(next.timer);
      this.used++;
      next.request.granted();
    }
  }

  private remove(entry: Waiting): boolean {
    const i = this.queue.indexOf(entry);
    if (i === -1) return false;
    this.queue.splice(i, 1);
    clearTimeout(entry.timer);
    return true;
  }
}
