// `neon-on-localhost run --log-queries`: the query log (query-log.ts) in the
// terminal, one line per statement once it is over, and one per session or
// request that failed as a whole (a refused login):
//
//   [neon-on-localhost] ws #1 turn 2 · 0.41 ms · 1 row · select now()
//   [neon-on-localhost] http #3 · 3.2 ms · error 42P01 relation "nope" does not exist · select * from nope

import type { GroupView, QueryLog, StatementView } from './query-log.ts';

const PREFIX = '[neon-on-localhost]';
const MAX_LINE_TEXT = 300;

function oneLine(text: string, max = MAX_LINE_TEXT): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function duration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

function where(group: GroupView | undefined, statement?: StatementView): string {
  if (!group) return '?';
  const name = `${group.transport === 'http' ? 'http' : 'ws'} #${group.id}`;
  return statement?.turn === undefined ? name : `${name} turn ${statement.turn}`;
}

/** The line for a statement that is over; undefined while it runs. */
export function statementLine(statement: StatementView, group: GroupView | undefined): string | undefined {
  if (statement.status === 'running') return undefined;
  const parts = [where(group, statement)];
  if (statement.status === 'skipped') parts.push('not run (an earlier statement sent with it failed)');
  else {
    parts.push(duration(statement.durationMs));
    if (statement.status === 'error') parts.push(oneLine(`error ${statement.error?.code ?? ''} ${statement.error?.message ?? ''}`, 200));
    else if (statement.rows !== undefined) parts.push(`${statement.rows} ${statement.rows === 1 ? 'row' : 'rows'}`);
    else if (statement.command) parts.push(statement.command);
  }
  parts.push(oneLine(statement.text));
  if (statement.params?.length) parts.push(oneLine(statement.params.map((v, i) => `$${i + 1}=${v === null ? 'NULL' : `'${v}'`}`).join(', '), 200));
  return `${PREFIX} ${parts.join(' · ')}`;
}

/** The line for a session or request that failed as a whole. */
export function groupErrorLine(group: GroupView): string | undefined {
  if (!group.error) return undefined;
  return `${PREFIX} ${where(group)} · ${oneLine(`error ${group.error.code} ${group.error.message}`, 300)}`;
}

/** Writes a line for each statement of `log` as it ends; returns the stop. */
export function printQueries(log: QueryLog, write: (line: string) => void): () => void {
  const groups = new Map<number, GroupView>();
  return log.subscribe((event) => {
    if (event.type === 'group') {
      const before = groups.get(event.group.id);
      if (event.group.error && !before?.error) {
        const line = groupErrorLine(event.group);
        if (line) write(line);
      }
      // Only what the lines need, and only while the group may still print.
      if (event.group.endedAt === undefined) groups.set(event.group.id, event.group);
      else groups.delete(event.group.id);
      return;
    }
    const line = statementLine(event.statement, groups.get(event.statement.groupId));
    if (line) write(line);
  });
}
