// `--orm drizzle`: the flag, the refusal for a template without the variant,
// and the overlay: its files over the template's, its dependencies and scripts
// in package.json, and the orm/ folder never copied otherwise.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../../src/scaffold/errors.ts';
import { parseCliArgs } from '../../src/scaffold/options.ts';
import { addOrmToPackage, withOrmEntries } from '../../src/scaffold/orm.ts';
import { askOrm } from '../../src/scaffold/questions.ts';
import type { Context } from '../../src/scaffold/context.ts';
import { TEMPLATES, templatesRoot } from '../../src/scaffold/templates.ts';
import { copyTemplate, templateEntries } from '../../src/scaffold/template-files.ts';

const template = (name: string) => TEMPLATES.find((t) => t.name === name)!;
const ctx = (orm?: string) => ({ args: parseCliArgs(orm ? ['--orm', orm] : []), interactive: false, log: { answered() {} } }) as unknown as Context;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'neon-orm-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('--orm', () => {
  it('takes drizzle or none, and names both for anything else', () => {
    expect(parseCliArgs(['--orm', 'drizzle']).orm).toBe('drizzle');
    expect(() => parseCliArgs(['--orm', 'prisma'])).toThrow(new CliError('Unknown ORM "prisma": use --orm none or --orm drizzle.'));
  });

  it('defaults to none, and refuses a template without the variant in one line', async () => {
    expect(await askOrm(ctx(), template('worker-raw'))).toBe('none');
    expect(await askOrm(ctx('drizzle'), template('vercel-node'))).toBe('drizzle');
    expect(await askOrm(ctx('drizzle'), template('worker-postgis'))).toBe('drizzle');
    // Every template has the variant now: the refusal is for one that lacks it (a template added later).
    const without = { ...template('worker-postgis'), name: 'no-orm', orms: {} };
    await expect(askOrm(ctx('drizzle'), without)).rejects.toThrow('The no-orm template has no drizzle variant yet: use --orm none.');
  });

  it('without it, the orm/ folder is not part of the project', () => {
    const targets = templateEntries(path.join(templatesRoot(), 'worker-raw')).map((e) => e.target);
    expect(targets).toContain('migrations/0000_notes.sql');
    expect(targets.filter((t) => t.startsWith('orm/') || t.includes('drizzle'))).toEqual([]);
  });

  it.each(['worker-raw', 'vercel-node', 'vercel-edge', 'worker-hyperdrive'])(
    'with drizzle, %s gets the overlay, the dependencies and db:generate',
    async (name) => {
      const templateDir = path.join(templatesRoot(), name);
      const entries = withOrmEntries(templateDir, template(name), 'drizzle', templateEntries(templateDir));
      const targets = entries.map((e) => e.target);
      expect(new Set(targets).size).toBe(targets.length); // one writer per file
      expect(targets).toEqual(expect.arrayContaining(['drizzle.config.ts', 'migrations/0000_notes.sql', 'migrations/meta/_journal.json', 'test/db.test.ts']));
      expect(targets.some((t) => /^(src|lib)\/db\/schema\.ts$/.test(t))).toBe(true);
      copyTemplate(templateDir, dir, entries);
      expect(readFileSync(path.join(dir, 'migrations/0000_notes.sql'), 'utf8')).toMatch(/^CREATE TABLE "notes"/);
      addOrmToPackage(dir, template(name), 'drizzle');
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      expect(pkg.dependencies['drizzle-orm']).toMatch(/^\^0\.45\./);
      expect(pkg.devDependencies['drizzle-kit']).toMatch(/^\^0\.31\./);
      expect(pkg.scripts['db:generate']).toBe('drizzle-kit generate');
      expect(pkg.scripts['db:migrate']).toBe('neon-on-localhost migrate');
    },
  );

  // Each template's Drizzle driver: the one that fits how it already reaches the database.
  it.each([
    ['worker-raw', 'src/db/index.ts', ['drizzle-orm/neon-http', 'drizzle-orm/neon-serverless']],
    ['vercel-edge', 'lib/db/index.ts', ['drizzle-orm/neon-http', 'drizzle-orm/neon-serverless']],
    ['vercel-node', 'lib/db/index.ts', ['drizzle-orm/node-postgres']],
    ['worker-hyperdrive', 'src/db/index.ts', ['drizzle-orm/node-postgres']],
    ['worker-postgis', 'src/db/index.ts', ['drizzle-orm/neon-http', 'drizzle-orm/neon-serverless']],
  ])('%s uses Drizzle on %s with its driver', (name, file, drivers) => {
    const variant = template(name).orms.drizzle!;
    const source = readFileSync(path.join(templatesRoot(), name, variant.files, file), 'utf8');
    const imported = [...source.matchAll(/from '(drizzle-orm\/[^']+)'/g)].map((m) => m[1]);
    expect(imported.sort()).toEqual(drivers);
  });

  it('every generated migration is drizzle-kit output for the one example table', () => {
    for (const name of ['worker-raw', 'vercel-node', 'vercel-edge', 'worker-hyperdrive']) {
      const migrations = path.join(templatesRoot(), name, template(name).orms.drizzle!.files, 'migrations');
      const journal = JSON.parse(readFileSync(path.join(migrations, 'meta/_journal.json'), 'utf8'));
      expect(
        journal.entries.map((e: { tag: string }) => e.tag),
        name,
      ).toEqual(['0000_notes']);
      expect(readFileSync(path.join(migrations, '0000_notes.sql'), 'utf8'), name).toMatch(/^CREATE TABLE "notes"/);
    }
  });

  // worker-postgis: places belongs to the plain migrations/0000_places.sql; the
  // overlay brings only drizzle-kit's record of it, so nothing re-creates it.
  it('with drizzle, worker-postgis keeps its plain places migration and gets a snapshot of it', async () => {
    const name = 'worker-postgis';
    const templateDir = path.join(templatesRoot(), name);
    const entries = withOrmEntries(templateDir, template(name), 'drizzle', templateEntries(templateDir));
    const targets = entries.map((e) => e.target);
    expect(new Set(targets).size).toBe(targets.length);
    expect(targets).toEqual(
      expect.arrayContaining([
        'drizzle.config.ts',
        'src/db/schema.ts',
        'src/db/index.ts',
        'test/db.test.ts',
        'migrations/meta/_journal.json',
        'migrations/meta/0000_snapshot.json',
      ]),
    );
    expect(targets.filter((t) => /^migrations\/[^/]+\.sql$/.test(t))).toEqual(['migrations/0000_places.sql']);
    copyTemplate(templateDir, dir, entries);
    expect(readFileSync(path.join(dir, 'migrations/0000_places.sql'), 'utf8')).toBe(readFileSync(path.join(templateDir, 'migrations/0000_places.sql'), 'utf8'));
    const journal = JSON.parse(readFileSync(path.join(dir, 'migrations/meta/_journal.json'), 'utf8'));
    expect(journal.entries.map((e: { tag: string }) => e.tag)).toEqual(['0000_places']);
    const snapshot = JSON.parse(readFileSync(path.join(dir, 'migrations/meta/0000_snapshot.json'), 'utf8'));
    expect(Object.keys(snapshot.tables)).toEqual(['public.places']);
    expect(snapshot.tables['public.places'].columns.location.type).toBe('geography(Point,4326)');
    expect(Object.keys(snapshot.tables['public.places'].indexes)).toEqual(['places_location_idx']);
    addOrmToPackage(dir, template(name), 'drizzle');
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(pkg.dependencies['drizzle-orm']).toMatch(/^\^0\.45\./);
    expect(pkg.devDependencies['drizzle-kit']).toMatch(/^\^0\.31\./);
    expect(pkg.scripts['db:generate']).toBe('drizzle-kit generate');
    expect(pkg.scripts['db:setup']).toMatch(/db-setup\.ts$/);
  });

  it('changes nothing for none', () => {
    writeFileSync(path.join(dir, 'package.json'), '{"name":"x"}\n');
    addOrmToPackage(dir, template('worker-raw'), 'none');
    expect(readFileSync(path.join(dir, 'package.json'), 'utf8')).toBe('{"name":"x"}\n');
  });
});
