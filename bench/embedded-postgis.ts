// 8. worker-postgis on the embedded database (PGlite with PostGIS): what the
// first `npm start` pays (preparing the database once: PostGIS, the migrations,
// the places), what later starts and `npm test` pay (a copy of the prepared
// database), beside the same template on PostgreSQL + PostGIS in the same run.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanEnv, run, runCli } from '../test/support/cli.ts';
import { firstResponse } from './first-request.ts';
import { median, table } from './stats.ts';

export interface EmbeddedPostgisRow {
  what: string;
  embeddedMs: number;
  postgresMs: number;
}

const START = { name: 'worker-postgis npm start', script: ['start'] };

async function testRun(project: string): Promise<number> {
  const started = performance.now();
  const result = await run('npm', ['test'], { cwd: project, timeoutMs: 900_000 });
  if (result.code !== 0) throw new Error(`npm test failed in ${project}:\n${result.output.slice(-3000)}`);
  return performance.now() - started;
}

async function scaffold(dir: string, name: string, args: string[]): Promise<string> {
  const created = await runCli([name, '--template', 'worker-postgis', '--no-git', ...args], { cwd: dir });
  if (created.code !== 0) throw new Error(`scaffolding worker-postgis failed:\n${created.output}`);
  return path.join(dir, name);
}

/** `runs` later starts and test runs each (medians); `databaseUrl`: a PostgreSQL + PostGIS for the peer. */
export async function measureEmbeddedPostgis(databaseUrl: string, runs: number, log: (line: string) => void): Promise<EmbeddedPostgisRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'neon-edge-bench-embedded-'));
  const env = cleanEnv();
  try {
    log('worker-postgis: scaffold twice (embedded; PostgreSQL + PostGIS with db:setup)');
    const embedded = await scaffold(dir, 'embedded', ['--yes']);
    const postgres = await scaffold(dir, 'postgres', ['--database-url', databaseUrl]);
    log('worker-postgis: the first npm start on the embedded database (prepares it)');
    const firstEmbedded = await firstResponse(START, embedded, env);
    const firstPostgres = await firstResponse(START, postgres, env);
    const later = { embedded: [] as number[], postgres: [] as number[] };
    const tests = { embedded: [] as number[], postgres: [] as number[] };
    for (let i = 0; i < runs; i++) {
      log(`worker-postgis: later npm start and npm test, run ${i + 1} of ${runs}`);
      later.embedded.push(await firstResponse(START, embedded, env));
      later.postgres.push(await firstResponse(START, postgres, env));
      tests.embedded.push(await testRun(embedded));
      tests.postgres.push(await testRun(postgres));
    }
    return [
      { what: 'first `npm start` → first 200 on `/` (embedded: prepares the database)', embeddedMs: firstEmbedded, postgresMs: firstPostgres },
      { what: `later \`npm start\` → first 200 on \`/\` (median of ${runs})`, embeddedMs: median(later.embedded), postgresMs: median(later.postgres) },
      { what: `\`npm test\`, whole run (median of ${runs})`, embeddedMs: median(tests.embedded), postgresMs: median(tests.postgres) },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const seconds = (value: number) => `${(value / 1000).toFixed(1)} s`;

export function embeddedPostgisSection(rows: EmbeddedPostgisRow[]): string {
  return (
    '### 8. worker-postgis on the embedded database (PGlite + PostGIS), beside PostgreSQL + PostGIS\n\n' +
    table(
      ['', 'embedded (no DATABASE_URL)', 'PostgreSQL 15 + PostGIS 3.3 (DATABASE_URL, places loaded by the CLI)', 'ratio'],
      rows.map((r) => [r.what, seconds(r.embeddedMs), seconds(r.postgresMs), `${(r.embeddedMs / r.postgresMs).toFixed(2)}×`]),
    ) +
    '\n\nThe first start on the embedded database prepares it once (initdb, `create extension postgis`, the migrations, `npm run db:setup` loading 171,075 places) and keeps it as `.neon-localhost/prepared.tar.gz`; ' +
    'later starts open `.neon-localhost/pgdata`, and each `npm test` starts an in-memory copy of the prepared database (its loader tests a second one), so neither pays `create extension` or the load again.'
  );
}
