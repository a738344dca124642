// What a migration file will do, decided before any of it runs, with
// Postgres' own parser (libpg_query, compiled to WebAssembly): so comments,
// string literals, dollar-quoted bodies and quoted identifiers are read as
// Postgres reads them, whatever the spelling.
//
// A file runs in one transaction of the runner's (all or nothing), so a file
// may not end, start or two-phase-commit transactions itself: SAVEPOINT,
// RELEASE and ROLLBACK TO stay inside that transaction and are allowed.
// Statements Postgres refuses inside a transaction block (CREATE INDEX
// CONCURRENTLY, VACUUM, …) go in a file of their own that opens with the line
//
//   -- neon-on-localhost: no-transaction
//
// whose statements then run one by one, outside any transaction. Such a file
// holds only those statements (and SET, DO and CALL, for settings and for
// procedures that commit in batches): nothing that could be rolled back with
// the rest pretends to be.

import { parse, scan, type Node, type RawStmt } from 'libpg-query';

export const NO_TRANSACTION_MARKER = '-- neon-on-localhost: no-transaction';
const MARKER = /^--\s*neon-on-localhost:\s*no-transaction\s*$/i;

export interface PlannedStatement {
  /** The statement's text, as in the file. */
  sql: string;
  /** Its first line in the file, from 1. */
  line: number;
}

export interface MigrationPlan {
  /** False for a file with the no-transaction marker: its statements run one by one. */
  transaction: boolean;
  statements: PlannedStatement[];
}

/** The file cannot be applied as written; nothing of it has run. One line, with the fix. */
export class MigrationRefused extends Error {}

/** Reads `sql` (the file `file`) into a plan, or throws MigrationRefused naming the line and the fix. */
export async function planMigration(file: string, sql: string): Promise<MigrationPlan> {
  if (sql.trim() === '') return { transaction: true, statements: [] }; // the parser refuses an empty query
  const bytes = Buffer.from(sql, 'utf8');
  const lineAtByte = (offset: number) => lineAt(bytes.subarray(0, offset).toString('utf8'));
  let stmts: RawStmt[];
  try {
    stmts = (await parse(sql)).stmts ?? [];
  } catch (err) {
    const e = err as { message: string; sqlDetails?: { cursorPosition?: number } };
    // cursorPosition counts characters from 0 (libpg_query turns Postgres' byte position into one).
    const at = e.sqlDetails?.cursorPosition;
    const where = at === undefined ? '' : ` (line ${lineAt(sql.slice(0, at))})`;
    throw new MigrationRefused(`${file} was not applied, nothing in it ran: ${e.message} [42601]${where}`);
  }
  const statements = stmts.map((raw) => {
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len ? start + raw.stmt_len : bytes.length;
    return { sql: bytes.subarray(start, end).toString('utf8'), line: lineAtByte(start), node: raw.stmt };
  });
  const transaction = !(await hasMarker(file, sql, statements[0]?.line));

  for (const s of statements) {
    const control = transactionControl(s.node);
    if (control) {
      throw new MigrationRefused(`${file} line ${s.line}: ${label(s.sql)} is not allowed in a migration: ${control}; nothing in the file ran`);
    }
    const alone = needsNoTransaction(s.node);
    if (transaction && alone) {
      throw new MigrationRefused(
        `${file} line ${s.line}: ${alone} cannot run inside a transaction: move it to a migration file of its own whose first line is "${NO_TRANSACTION_MARKER}"; nothing in the file ran`,
      );
    }
    if (!transaction && !alone && !allowedWithoutTransaction(s.node)) {
      throw new MigrationRefused(
        `${file} line ${s.line}: ${label(s.sql)} can run in a transaction, so it does not belong in a "${NO_TRANSACTION_MARKER}" file (which is not rolled back on failure): move it to a normal migration; nothing in the file ran`,
      );
    }
  }
  return { transaction, statements: statements.map(({ sql: text, line }) => ({ sql: text, line })) };
}

/** The line (from 1) at the end of `prefix`. */
export function lineAt(prefix: string): number {
  return prefix.split('\n').length;
}

/** The statement's first words, for messages: `COMMIT`, `begin isolation level serializable`. */
function label(sql: string): string {
  const first = sql.trim().split('\n')[0].replace(/;$/, '');
  return `"${first.length > 40 ? `${first.slice(0, 40)}…` : first}"`;
}

/**
 * The marker counts among the comments before the first statement; elsewhere
 * it would be ignored silently, so it is refused instead.
 */
async function hasMarker(file: string, sql: string, firstStatementLine: number | undefined): Promise<boolean> {
  const comments = (await scan(sql)).tokens.filter((t) => t.tokenName === 'SQL_COMMENT' && MARKER.test(t.text.trim()));
  if (comments.length === 0) return false;
  // Token offsets are bytes.
  const bytes = Buffer.from(sql, 'utf8');
  const line = lineAt(bytes.subarray(0, comments[0].start).toString('utf8'));
  if (firstStatementLine !== undefined && line >= firstStatementLine) {
    throw new MigrationRefused(`${file} line ${line}: "${NO_TRANSACTION_MARKER}" must come before the first statement; nothing in the file ran`);
  }
  return true;
}

/** Why a transaction-control statement cannot be honoured, or undefined for anything else. */
function transactionControl(node: Node | undefined): string | undefined {
  if (!node || !('TransactionStmt' in node)) return undefined;
  switch (node.TransactionStmt.kind) {
    case 'TRANS_STMT_SAVEPOINT':
    case 'TRANS_STMT_RELEASE':
    case 'TRANS_STMT_ROLLBACK_TO':
      return undefined; // stay inside the runner's transaction
    case 'TRANS_STMT_PREPARE':
    case 'TRANS_STMT_COMMIT_PREPARED':
    case 'TRANS_STMT_ROLLBACK_PREPARED':
      return 'a migration cannot take part in a two-phase commit';
    default:
      return 'each file already runs in one transaction of its own, so remove BEGIN/COMMIT/ROLLBACK (and split the file if it needs two transactions)';
  }
}

/** The statement's name when Postgres refuses to run it inside a transaction block. */
function needsNoTransaction(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  if ('IndexStmt' in node) return node.IndexStmt.concurrent ? 'CREATE INDEX CONCURRENTLY' : undefined;
  if ('DropStmt' in node) return node.DropStmt.concurrent ? 'DROP INDEX CONCURRENTLY' : undefined;
  if ('ReindexStmt' in node) {
    const { kind, params } = node.ReindexStmt;
    if (params?.some((p) => 'DefElem' in p && p.DefElem.defname === 'concurrently')) return 'REINDEX CONCURRENTLY';
    return kind === 'REINDEX_OBJECT_SYSTEM' || kind === 'REINDEX_OBJECT_DATABASE' ? 'REINDEX DATABASE/SYSTEM' : undefined;
  }
  if ('VacuumStmt' in node) return node.VacuumStmt.is_vacuumcmd ? 'VACUUM' : undefined;
  if ('ClusterStmt' in node) return node.ClusterStmt.relation ? undefined : 'CLUSTER without a table';
  if ('AlterTableStmt' in node) {
    const detach = node.AlterTableStmt.cmds?.some(
      (c) => 'AlterTableCmd' in c && c.AlterTableCmd.def !== undefined && 'PartitionCmd' in c.AlterTableCmd.def && c.AlterTableCmd.def.PartitionCmd.concurrent,
    );
    return detach ? 'DETACH PARTITION CONCURRENTLY' : undefined;
  }
  if ('AlterDatabaseStmt' in node) {
    return node.AlterDatabaseStmt.options?.some((o) => 'DefElem' in o && o.DefElem.defname === 'tablespace') ? 'ALTER DATABASE … SET TABLESPACE' : undefined;
  }
  const always: Record<string, string> = {
    CreatedbStmt: 'CREATE DATABASE',
    DropdbStmt: 'DROP DATABASE',
    CreateTableSpaceStmt: 'CREATE TABLESPACE',
    DropTableSpaceStmt: 'DROP TABLESPACE',
    AlterSystemStmt: 'ALTER SYSTEM',
    CreateSubscriptionStmt: 'CREATE SUBSCRIPTION',
    AlterSubscriptionStmt: 'ALTER SUBSCRIPTION',
    DropSubscriptionStmt: 'DROP SUBSCRIPTION',
  };
  return always[Object.keys(node)[0]];
}

/** Besides those: settings for the statements that follow, and code that may commit as it goes. */
function allowedWithoutTransaction(node: Node | undefined): boolean {
  return node !== undefined && ('VariableSetStmt' in node || 'DoStmt' in node || 'CallStmt' in node);
}
