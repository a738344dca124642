// The prepared database (prepared.ts, project-database.ts): a project's
// extensions (PostGIS), migrations and seed run once; later embedded databases
// of the project, in memory or in a new folder, start as copies of it; a
// change to what it is made of prepares it again; a data directory from
// another Postgres major version is refused in one line and left as it was.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { queryRows as query } from '../../../test/support/postgres.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../src/embedded.ts';
import { startProjectDatabase } from '../src/project-database.ts';

const SEED = path.join(import.meta.dirname, 'fixtures', 'seed-spots.ts');

let project: string;
const lines: string[] = [];
const log = (line: string) => lines.push(line);

beforeAll(() => {
  project = mkdtempSync(path.join(tmpdir(), 'neon-edge-prepared-'));
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({
      name: 'spots',
      scripts: { 'db:seed': `node --experimental-strip-types --no-warnings ${JSON.stringify(SEED)}` },
      'neon-on-localhost': { extensions: ['postgis'], seed: 'db:seed', seedInputs: ['seed-inputs'] },
    }),
  );
  mkdirSync(path.join(project, 'migrations'));
  writeFileSync(
    path.join(project, 'migrations', '0000_spots.sql'),
    'create extension if not exists postgis;\ncreate table spots (name text primary key, location geography(Point, 4326) not null);\n',
  );
  mkdirSync(path.join(project, 'seed-inputs'));
  writeFileSync(path.join(project, 'seed-inputs', 'spots.txt'), 'Paris London Berlin\n');
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

const seedRuns = () =>
  existsSync(path.join(project, 'seed-runs.txt')) ? readFileSync(path.join(project, 'seed-runs.txt'), 'utf8').split('\n').filter(Boolean).length : 0;
const nearestToAmsterdam = (url: string) =>
  query<{ name: string }>(url, `select name from spots order by location <-> st_setsrid(st_makepoint(4.9041, 52.3676), 4326)::geography limit 3`);

describe('the prepared database', () => {
  it('is made once: PostGIS, the migrations and the seed, then kept with what it was made from', async () => {
    const db = await startProjectDatabase(project, 'memory', { log });
    try {
      expect((await nearestToAmsterdam(db.url)).map((r) => r.name)).toEqual(['London', 'Paris', 'Berlin']);
    } finally {
      await db.close();
    }
    expect(seedRuns()).toBe(1);
    expect(lines.join('\n')).toMatch(/preparing the embedded database once \(postgis, migrations, the db:seed script\)/);
    expect(lines.join('\n')).toContain('3 spots seeded');
    const manifest = JSON.parse(readFileSync(path.join(project, '.neon-localhost', 'prepared.json'), 'utf8'));
    expect(manifest).toMatchObject({ extensions: ['postgis'], migrations: ['0000_spots.sql'], seed: 'db:seed' });
    expect(manifest.engine).toMatch(/^pglite 0\.5\.8, pglite-socket 0\.2\.11, pglite-postgis 0\.2\.8$/);
  }, 300_000);

  it('starts later in-memory databases and new folders as copies, without running the seed again', async () => {
    lines.length = 0;
    const memory = await startProjectDatabase(project, 'memory', { log });
    try {
      expect((await nearestToAmsterdam(memory.url)).length).toBe(3);
      expect(await query(memory.url, "select extversion from pg_extension where extname = 'postgis'")).toEqual([{ extversion: expect.stringMatching(/^3\./) }]);
    } finally {
      await memory.close();
    }
    const folder = path.join(project, '.neon-localhost', 'pgdata');
    const onDisk = await startProjectDatabase(project, folder, { log });
    try {
      expect(onDisk.created).toBe(true);
      expect((await query<{ n: number }>(onDisk.url, 'select count(*)::int as n from spots'))[0].n).toBe(3);
    } finally {
      await onDisk.close();
    }
    expect(readFileSync(`${folder}.engine`, 'utf8')).toMatch(/^pglite 0\.5\.8/);
    expect(seedRuns()).toBe(1);
    expect(lines).toEqual([]);
  }, 300_000);

  it('is prepared again when a seed input changes, and an existing folder is opened as it is', async () => {
    writeFileSync(path.join(project, 'seed-inputs', 'spots.txt'), 'Paris London Berlin Madrid\n');
    lines.length = 0;
    const memory = await startProjectDatabase(project, 'memory', { log });
    await memory.close();
    expect(seedRuns()).toBe(2);
    expect(lines[0]).toMatch(/^preparing the embedded database once/);
    // The developer's folder keeps its own rows: not replaced by the new prepared copy.
    const folder = path.join(project, '.neon-localhost', 'pgdata');
    const onDisk = await startProjectDatabase(project, folder, { log });
    try {
      expect(onDisk.created).toBe(false);
      await query(onDisk.url, "delete from spots where name = 'Berlin'");
    } finally {
      await onDisk.close();
    }
    const again = await startProjectDatabase(project, folder, { log });
    try {
      expect((await query<{ n: number }>(again.url, 'select count(*)::int as n from spots'))[0].n).toBe(2);
    } finally {
      await again.close();
    }
  }, 300_000);
});

describe('a data directory from another Postgres major version', () => {
  it('is refused in one line naming the fix, and left exactly as it was', async () => {
    const old = path.join(project, 'pg17data');
    cpSync(path.join(project, '.neon-localhost', 'pgdata'), old, { recursive: true });
    writeFileSync(path.join(old, 'PG_VERSION'), '17\n');
    writeFileSync(`${old}.engine`, 'pglite 0.4.6, pglite-socket 0.1.6\n');
    const before = readFileSync(path.join(old, 'global', 'pg_control'));
    const error = await startEmbeddedPostgres(old).then(
      (db) => db.close().then(() => undefined),
      (err: Error) => err,
    );
    expect(error?.message.split('\n')).toHaveLength(1);
    expect(error?.message).toBe(
      `${old} was made by PostgreSQL 17 (pglite 0.4.6, pglite-socket 0.1.6), and this neon-on-localhost runs PostgreSQL 18 (pglite 0.5.8, pglite-socket 0.2.11), which cannot open it; nothing was changed. To start afresh, move it away: mv ${old} ${old}-pg17 (to keep its data, dump it with the neon-on-localhost version that made it and load the dump after)`,
    );
    expect(readFileSync(path.join(old, 'global', 'pg_control')).equals(before)).toBe(true);
    expect(readFileSync(path.join(old, 'PG_VERSION'), 'utf8')).toBe('17\n');
    expect(existsSync(`${old}.lock`)).toBe(false);
  }, 60_000);
});

describe('preparing', () => {
  it('is done once when two processes need it at the same time: the second waits and copies', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'neon-edge-prepared-twice-'));
    try {
      writeFileSync(
        path.join(dir, 'package.json'),
        JSON.stringify({
          name: 'twice',
          scripts: { seed: `node -e "require('fs').appendFileSync('seed-runs.txt', 'seeded\\n')"` },
          'neon-on-localhost': { seed: 'seed' },
        }),
      );
      const waited: string[] = [];
      const [a, b] = await Promise.all([
        startProjectDatabase(dir, 'memory', { log: () => {} }),
        startProjectDatabase(dir, 'memory', { log: (line) => waited.push(line) }),
      ]);
      await Promise.all([a.close(), b.close()]);
      expect(readFileSync(path.join(dir, 'seed-runs.txt'), 'utf8')).toBe('seeded\n');
      expect(waited).toEqual(['another process is preparing the embedded database: waiting for it']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it("loads PGlite's own contrib extensions by name (pg_trgm), with nothing to install", async () => {
    const db = await startEmbeddedPostgres('memory', { extensions: ['pg_trgm'] });
    try {
      await query(db.url, 'create extension pg_trgm');
      expect(await query(db.url, "select similarity('postgis', 'postgres') > 0.2 as close")).toEqual([{ close: true }]);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('names an extension the embedded database does not have, and the way out, in one line', async () => {
    await expect(startEmbeddedPostgres('memory', { extensions: ['timescaledb'] })).rejects.toThrow(
      /^the embedded database \(PGlite\) has no extension "timescaledb": remove it from "neon-on-localhost"\.extensions in package\.json, or set DATABASE_URL to a Postgres that has it$/,
    );
  });
});

describe('an extension built for another PGlite', () => {
  it('is refused before PGlite loads it, in one line naming the release to install', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'neon-edge-postgis-mismatch-'));
    try {
      const pkg = path.join(dir, 'node_modules', '@electric-sql', 'pglite-postgis');
      mkdirSync(path.join(pkg, 'dist'), { recursive: true });
      writeFileSync(
        path.join(pkg, 'package.json'),
        JSON.stringify({
          name: '@electric-sql/pglite-postgis',
          version: '0.3.0',
          main: 'dist/index.js',
          peerDependencies: { '@electric-sql/pglite': '0.6.0' },
        }),
      );
      writeFileSync(path.join(pkg, 'dist', 'index.js'), "throw new Error('must not be loaded');\n");
      writeFileSync(path.join(dir, 'package.json'), '{"name":"mismatch"}');
      await expect(startEmbeddedPostgres('memory', { extensions: ['postgis'], projectDir: dir })).rejects.toThrow(
        /^@electric-sql\/pglite-postgis 0\.3\.0 is built for @electric-sql\/pglite 0\.6\.0, but neon-on-localhost runs 0\.5\.8: npm install -D @electric-sql\/pglite-postgis@0\.2\.8, or set DATABASE_URL to a Postgres with postgis$/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
