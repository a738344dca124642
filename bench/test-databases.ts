// 9. Each test file its own database (neon-on-localhost/vitest/database): how
// long a test file waits for its copy of the migrated database. PostgreSQL:
// `CREATE DATABASE … TEMPLATE` of the run's copy. Embedded: a PGlite started
// from the prepared data directory, cold (the file asks, it opens) and as a
// run sees it (opened ahead while earlier files run).
//
// Standalone: node --experimental-strip-types bench/test-databases.ts

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { listenProjectDatabase } from '../packages/neon-on-localhost/src/project-database.ts';
import { withDatabaseName } from '../packages/neon-on-localhost/src/database-name.ts';
import { embeddedTestDatabases, postgresTestDatabases } from '../packages/neon-on-localhost/src/test-databases.ts';
import { startPostgres } from '../test/support/postgres.ts';
import { median, ms, percentile, table, timed } from './stats.ts';

/** The templates' notes table, with some rows in it. */
const MIGRATION = `create table notes (id bigint generated always as identity primary key, body text not null, created_at timestamptz not null default now());
insert into notes (body) select 'note ' || n from generate_series(1, 1000) as n;
`;

/** A test file's own work, while the next files' databases open (a short file). */
const FILE_MS = 300;

export interface TestDatabaseTimes {
  postgres: number[];
  embeddedCold: number[];
  /** Each file's wait in a run of files one after another, each holding its database FILE_MS. */
  embeddedInRun: number[];
}

function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-test-dbs-'));
  mkdirSync(path.join(dir, 'migrations'));
  writeFileSync(path.join(dir, 'package.json'), '{"name":"bench","type":"module"}');
  writeFileSync(path.join(dir, 'migrations/0000_notes.sql'), MIGRATION);
  return dir;
}

async function onPostgres(databaseUrl: string, runs: number): Promise<number[]> {
  const admin = new pg.Client(databaseUrl);
  await admin.connect();
  await admin.query('create database bench_files');
  await admin.end();
  const url = withDatabaseName(databaseUrl, 'bench_files');
  const source = new pg.Client(url);
  await source.connect();
  await source.query(MIGRATION);
  await source.end();
  const databases = await postgresTestDatabases(url, url, () => {});
  const times: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      let name = '';
      times.push(await timed(async () => (name = (await databases.create()).name)));
      await databases.drop(name);
    }
  } finally {
    await databases.close();
  }
  return times;
}

async function onEmbedded(runs: number, log: (line: string) => void): Promise<{ cold: number[]; inRun: number[] }> {
  const dir = project();
  const db = await listenProjectDatabase(dir, 'memory', { log: () => {} });
  try {
    await db.ready;
    const base = { front: db.front, tarball: db.prepared, extensions: db.extensions, projectDir: dir };
    const cold: number[] = [];
    for (let i = 0; i < runs; i++) {
      const databases = embeddedTestDatabases({ ...base, expected: 1, limit: 1 });
      cold.push(await timed(() => databases.create()));
      await databases.close();
    }
    log('embedded: a run of files one after another');
    const files = Math.max(runs, 2);
    const databases = embeddedTestDatabases({ ...base, expected: files });
    const inRun: number[] = [];
    try {
      for (let i = 0; i < files; i++) {
        let name = '';
        inRun.push(await timed(async () => (name = (await databases.create()).name)));
        await new Promise((resolve) => setTimeout(resolve, FILE_MS));
        await databases.drop(name);
      }
    } finally {
      await databases.close();
    }
    return { cold, inRun };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function measureTestDatabases(databaseUrl: string, runs: number, log: (line: string) => void): Promise<TestDatabaseTimes> {
  log('test databases: PostgreSQL');
  const postgres = await onPostgres(databaseUrl, runs * 4);
  log('test databases: embedded');
  const { cold, inRun } = await onEmbedded(runs, log);
  return { postgres, embeddedCold: cold, embeddedInRun: inRun };
}

export function testDatabasesSection(t: TestDatabaseTimes): string {
  const firstOthers = t.embeddedInRun.slice(1);
  return (
    `### 9. Each test file its own database (\`neon-on-localhost/vitest/database\`): a file's wait for its copy\n\n` +
    table(
      ['database', 'how', 'median', 'p95', 'goal'],
      [
        [
          'PostgreSQL',
          `\`CREATE DATABASE … TEMPLATE\` (1,000 rows), ${t.postgres.length} files`,
          ms(median(t.postgres)),
          ms(percentile(t.postgres, 95)),
          '≤ 100 ms',
        ],
        [
          'embedded',
          `a PGlite from the prepared data, opened when the file asks, ${t.embeddedCold.length} files`,
          ms(median(t.embeddedCold)),
          ms(percentile(t.embeddedCold, 95)),
          '≤ 300 ms',
        ],
        [
          'embedded',
          `in a run of ${t.embeddedInRun.length} files one after another, each ${FILE_MS} ms long: opened ahead (first file ${ms(t.embeddedInRun[0])})`,
          ms(median(firstOthers)),
          ms(percentile(firstOthers, 95)),
          '≤ 300 ms',
        ],
      ],
    ) +
    '\n\nOn PostgreSQL the run copies the migrated database once into a template of its own (not counted), and each file gets a copy of that. ' +
    "A PGlite is a whole Postgres in WebAssembly: starting one, even from a data directory that is ready, takes about a second, so the embedded database opens each file's copy ahead, while earlier files run (at most four at a time, fewer when memory is short); " +
    'a file then waits only when it starts before its copy is open: the first file of a run, and any file when the files run faster than copies open.'
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const db = await startPostgres();
  try {
    const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
    process.stdout.write(`${testDatabasesSection(await measureTestDatabases(db.url, Number(process.argv[2] ?? 5), log))}\n`);
  } finally {
    await db.destroy();
  }
}
