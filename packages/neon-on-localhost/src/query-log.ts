// What reached the database through the proxy, for the explorer page
// (explorer.ts) and `run --log-queries` (query-lines.ts): the recent
// statements, each in its group, a WebSocket session (wire-observer.ts reads
// them off the relayed bytes) or one /sql request (sql-over-http.ts reports
// them). Memory is bounded: a ring of at most `capacity` statements, each
// statement's text and parameter values cut short; a group is forgotten once
// it has ended and none of its statements is left in the ring, and of the
// groups that ended without any (a refused login), only the newest are kept.
//
// Parameter values are kept only when asked for (`showValues`); otherwise a
// statement says how many it had. Every text (statements, values, errors)
// goes through `hide` first, which masks the database password.

export type Transport = 'websocket' | 'http';

export interface ErrorView {
  /** SQLSTATE; empty when the failure did not come from Postgres. */
  code: string;
  message: string;
}

export interface GroupView {
  id: number;
  transport: Transport;
  /** Wall-clock time, ms since the epoch. */
  startedAt: number;
  endedAt?: number;
  user?: string;
  database?: string;
  application?: string;
  /** WebSocket: request–response turns so far (the driver waited for an answer); /sql: 1. */
  turns: number;
  /** WebSocket: the turns spent before the session was ready (login). */
  connectTurns?: number;
  /** /sql: a batch, run in one transaction. */
  batch?: boolean;
  /** A WebSocket session that only carried a cancel request. */
  cancel?: boolean;
  /** The session or request itself failed (login refused, connection lost). */
  error?: ErrorView;
  /** Statements seen in this group, those gone from the ring included. */
  statements: number;
}

export type StatementStatus = 'running' | 'ok' | 'error' | 'skipped';

export interface StatementView {
  id: number;
  groupId: number;
  /** WebSocket: the turn of the session the statement was sent in (1 = the first). */
  turn?: number;
  text: string;
  /** How many parameters ($1…) it was sent with. */
  paramCount: number;
  /** Their values, only when the log shows values. */
  params?: (string | null)[];
  startedAt: number;
  /** Time at the database, as the proxy saw it; undefined while running. */
  durationMs?: number;
  status: StatementStatus;
  /** The command tag's name: SELECT, INSERT, CREATE TABLE… */
  command?: string;
  rows?: number;
  error?: ErrorView;
}

export type LogEvent = { type: 'group'; group: GroupView } | { type: 'statement'; statement: StatementView };

export interface QueryLogOptions {
  /** Statements kept (default 2,000). */
  capacity?: number;
  /** Keep parameter values (default false: masked). */
  showValues?: boolean;
  /** Masks secrets in any text kept (the database password). */
  hide?: (text: string) => string;
}

export const MAX_TEXT_CHARS = 2_000;
export const MAX_VALUE_CHARS = 200;
export const MAX_VALUES = 50;
const DEFAULT_CAPACITY = 2_000;
const MAX_EMPTY_GROUPS = 200;

/** What a thrown error says: Postgres' SQLSTATE when it came from Postgres, and its message. */
export function errorView(err: unknown): ErrorView {
  const code = (err as { code?: unknown } | null)?.code;
  return {
    code: typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : '',
    message: err instanceof Error ? err.message : String(err),
  };
}

export function clipText(text: string, max = MAX_TEXT_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A finished statement's outcome. */
export interface StatementResult {
  command?: string;
  rows?: number;
  /** Time at the database, when the producer knows better than "since it was reported" (pipelined statements wait their turn). */
  durationMs?: number;
}

/** A statement, as its producer reports on it. */
export interface LoggedStatement {
  finish(result: StatementResult): void;
  fail(error: ErrorView, durationMs?: number): void;
  /** Not run: an earlier statement of the same pipeline failed. */
  skip(): void;
}

interface GroupRecord {
  view: GroupView;
  /** Statements of this group still in the ring. */
  kept: number;
  ended: boolean;
}

export class QueryLog {
  readonly showValues: boolean;
  private readonly capacity: number;
  private readonly hide: (text: string) => string;
  private readonly groups = new Map<number, GroupRecord>();
  /** The ring: insertion order is age. */
  private readonly statements = new Map<number, StatementView>();
  /** Ended groups that never had a statement, oldest first. */
  private readonly empty = new Set<number>();
  private readonly listeners = new Set<(event: LogEvent) => void>();
  private nextGroup = 1;
  private nextStatement = 1;

  constructor(options: QueryLogOptions = {}) {
    this.capacity = Math.max(1, options.capacity ?? DEFAULT_CAPACITY);
    this.showValues = options.showValues ?? false;
    this.hide = options.hide ?? ((text) => text);
  }

  /** Called with every change, at once; returns the unsubscribe. */
  subscribe(listener: (event: LogEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Everything kept, oldest first. */
  snapshot(): { groups: GroupView[]; statements: StatementView[] } {
    return {
      groups: [...this.groups.values()].map((g) => ({ ...g.view })),
      statements: [...this.statements.values()].map((s) => ({ ...s })),
    };
  }

  /** A WebSocket session or a /sql request begins. */
  openGroup(transport: Transport, info: Pick<GroupView, 'user' | 'database' | 'application' | 'batch'> = {}): LogGroup {
    const view: GroupView = { id: this.nextGroup++, transport, startedAt: Date.now(), turns: transport === 'http' ? 1 : 0, statements: 0 };
    const record: GroupRecord = { view, kept: 0, ended: false };
    this.groups.set(view.id, record);
    const group = new LogGroup(this, record);
    group.update(info);
    return group;
  }

  /** @internal */
  emitGroup(record: GroupRecord): void {
    if (this.listeners.size) this.emit({ type: 'group', group: { ...record.view } });
  }

  /** @internal */
  addStatement(record: GroupRecord, text: string, params: readonly unknown[] | number, turn: number | undefined): LoggedStatement {
    const values = typeof params === 'number' ? undefined : params;
    const statement: StatementView = {
      id: this.nextStatement++,
      groupId: record.view.id,
      turn,
      text: this.hide(clipText(text)),
      paramCount: values?.length ?? (params as number),
      params: this.showValues && values ? values.slice(0, MAX_VALUES).map((v) => this.valueText(v)) : undefined,
      startedAt: Date.now(),
      status: 'running',
    };
    const started = performance.now();
    record.view.statements++;
    record.kept++;
    this.statements.set(statement.id, statement);
    this.evict();
    this.emitGroup(record);
    this.emitStatement(statement);
    const settle = (change: Partial<StatementView>) => {
      if (statement.status !== 'running') return;
      Object.assign(statement, change);
      this.emitStatement(statement);
    };
    return {
      finish: (result) => settle({ status: 'ok', durationMs: result.durationMs ?? performance.now() - started, command: result.command, rows: result.rows }),
      fail: (error, durationMs) => settle({ status: 'error', durationMs: durationMs ?? performance.now() - started, error: this.errorText(error) }),
      skip: () => settle({ status: 'skipped' }),
    };
  }

  /** @internal */
  endGroup(record: GroupRecord): void {
    record.ended = true;
    record.view.endedAt = Date.now();
    this.emitGroup(record);
    if (record.kept > 0) return;
    if (record.view.statements > 0) return void this.groups.delete(record.view.id);
    this.empty.add(record.view.id);
    if (this.empty.size > MAX_EMPTY_GROUPS) {
      const oldest = this.empty.values().next().value as number;
      this.empty.delete(oldest);
      this.groups.delete(oldest);
    }
  }

  /** @internal */
  errorText(error: ErrorView): ErrorView {
    return { code: error.code, message: this.hide(clipText(error.message)) };
  }

  private valueText(value: unknown): string | null {
    if (value === null || value === undefined) return null;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return this.hide(clipText(text, MAX_VALUE_CHARS));
  }

  private evict(): void {
    while (this.statements.size > this.capacity) {
      const [id, oldest] = this.statements.entries().next().value as [number, StatementView];
      this.statements.delete(id);
      const record = this.groups.get(oldest.groupId);
      if (record && --record.kept === 0 && record.ended) this.groups.delete(record.view.id);
    }
  }

  private emitStatement(statement: StatementView): void {
    if (this.listeners.size) this.emit({ type: 'statement', statement: { ...statement } });
  }

  private emit(event: LogEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/** One group, as its producer reports on it. */
export class LogGroup {
  private readonly log: QueryLog;
  private readonly record: GroupRecord;

  constructor(log: QueryLog, record: GroupRecord) {
    this.log = log;
    this.record = record;
  }

  get id(): number {
    return this.record.view.id;
  }

  get ended(): boolean {
    return this.record.ended;
  }

  update(change: Partial<Pick<GroupView, 'user' | 'database' | 'application' | 'batch' | 'cancel' | 'turns' | 'connectTurns'>>): void {
    if (this.record.ended) return;
    const view = this.record.view;
    let changed = false;
    for (const [key, value] of Object.entries(change) as [keyof typeof change, unknown][]) {
      if (value === undefined || view[key] === value) continue;
      (view as unknown as Record<string, unknown>)[key] = typeof value === 'string' ? clipText(value, 200) : value;
      changed = true;
    }
    if (changed) this.log.emitGroup(this.record);
  }

  /** `params`: the values, or only how many there were (their values are then never kept). */
  statement(text: string, params: readonly unknown[] | number = 0, turn?: number): LoggedStatement {
    return this.log.addStatement(this.record, text, params, turn);
  }

  fail(error: ErrorView): void {
    if (this.record.ended) return;
    this.record.view.error = this.log.errorText(error);
    this.log.emitGroup(this.record);
  }

  /** The session or request is over; `failure`, when given, is why. */
  end(failure?: unknown): void {
    if (failure !== undefined) this.fail(errorView(failure));
    if (!this.record.ended) this.log.endGroup(this.record);
  }
}
