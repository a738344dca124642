// The embedded database's engine: PGlite (Postgres compiled to WebAssembly),
// pglite-socket (the wire protocol in front of it) and the PGlite extensions a
// project asks for. One engine for every project, pinned in package.json:
// PGlite 0.5.8 is the newest release that has a PostGIS build
// (@electric-sql/pglite-postgis 0.2.8 requires exactly it), and the toolkit's
// tests pass on it as on 0.5.14 (README: "Which PGlite, and why").
//
// PGlite is imported here and nowhere else, so a process holds one copy of it.
// An extension's build must come from the same PGlite release: a PostGIS
// built for another release fails deep inside Postgres ("could not load
// library plpgsql.so"), so versions are checked first and a mismatch is one line.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const PGLITE = '@electric-sql/pglite';
const PGLITE_SOCKET = '@electric-sql/pglite-socket';
/** What PGlite's initdb makes, made once by PGlite's authors for each release: a new database starts from it. */
const PGLITE_INITIALISED = '@electric-sql/pglite-prepopulatedfs';

/** The Postgres major version of the pinned PGlite: a data directory of another major cannot be opened. */
export const ENGINE_POSTGRES_MAJOR = '18';

/** Extensions that come as packages of their own (the optional peer dependencies), by Postgres name. */
const PLUGIN_PACKAGES: Record<string, { packageName: string; exportName: string; release: string }> = {
  // release: the one built for the pinned PGlite (its peer dependency names exactly that PGlite).
  postgis: { packageName: '@electric-sql/pglite-postgis', exportName: 'postgis', release: '0.2.8' },
};

/** A PGlite extension plugin, as PGlite takes it. */
export type ExtensionPlugin = { name: string; setup: (...args: never[]) => unknown };

export interface PGliteLike {
  close(): Promise<void>;
  dumpDataDir(compression?: 'auto' | 'gzip' | 'none'): Promise<File | Blob>;
}

export interface PGliteCreateOptions {
  extensions?: Record<string, ExtensionPlugin>;
  loadDataDir?: Blob;
}

export interface Engine {
  PGlite: { create(dataDir?: string, options?: PGliteCreateOptions): Promise<PGliteLike>; create(options?: PGliteCreateOptions): Promise<PGliteLike> };
  PGLiteSocketServer: new (options: Record<string, unknown>) => { start(): Promise<void>; stop(): Promise<void> };
  /** The plugins to hand PGlite for the extensions asked for. */
  plugins: Record<string, ExtensionPlugin>;
  /** "pglite 0.5.8, pglite-socket 0.2.11, pglite-postgis 0.2.8": what made a data directory. */
  versions: string;
}

const require = createRequire(import.meta.url);

interface PackageJson {
  version: string;
  module?: string;
  main?: string;
  peerDependencies?: Record<string, string>;
}

/** The package.json of `name` as this module resolves it (or undefined when it is not installed). */
function packageJsonOf(name: string, from = require): { dir: string; json: PackageJson } | undefined {
  let entry: string;
  try {
    entry = from.resolve(name);
  } catch {
    return undefined;
  }
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const json = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson & { name?: string };
      if (json.name === name) return { dir, json };
    } catch {
      // not the package root yet
    }
  }
  return undefined;
}

/** Where a plugin package is looked up: the project's own (what it chose), else beside the toolkit (its optional peer). */
function resolverFor(projectDir: string) {
  return [createRequire(path.join(projectDir, 'package.json')), require];
}

async function pluginFor(name: string, projectDir: string, pgliteVersion: string): Promise<ExtensionPlugin> {
  const known = PLUGIN_PACKAGES[name];
  if (!known) {
    // PGlite's own contrib extensions (pg_trgm, citext, cube, …) ship inside PGlite.
    try {
      const mod = (await import(`${PGLITE}/contrib/${name}`)) as Record<string, ExtensionPlugin>;
      if (mod[name]) return mod[name];
    } catch {
      // not one of them
    }
    throw new Error(
      `the embedded database (PGlite) has no extension "${name}": remove it from "neon-on-localhost".extensions in package.json, or set DATABASE_URL to a Postgres that has it`,
    );
  }
  const install = `npm install -D ${known.packageName}@${known.release}`;
  for (const from of resolverFor(projectDir)) {
    const found = packageJsonOf(known.packageName, from);
    if (!found) continue;
    const wanted = found.json.peerDependencies?.[PGLITE];
    if (wanted && wanted !== pgliteVersion) {
      throw new Error(
        `${known.packageName} ${found.json.version} is built for ${PGLITE} ${wanted}, but neon-on-localhost runs ${pgliteVersion}: ${install}, or set DATABASE_URL to a Postgres with ${name}`,
      );
    }
    const entry = path.join(found.dir, found.json.module ?? found.json.main ?? 'index.js');
    const mod = (await import(pathToFileURL(entry).href)) as Record<string, ExtensionPlugin>;
    return mod[known.exportName];
  }
  throw new Error(
    `this project needs ${name} in the embedded database, which comes from ${known.packageName}: ${install}, or set DATABASE_URL to a Postgres with ${name}`,
  );
}

/**
 * What the engine for `extensions` is made of, read from the installed
 * packages without loading them: "pglite 0.5.8, pglite-socket 0.2.11,
 * pglite-postgis 0.2.8". It names what made a data directory, and is part of a
 * prepared database's fingerprint.
 */
export function engineVersions(extensions: readonly string[], projectDir = process.cwd()): string {
  const versions = [PGLITE, PGLITE_SOCKET].map((name) => `${name.replace('@electric-sql/', '')} ${packageJsonOf(name)?.json.version ?? 'missing'}`);
  for (const name of extensions) {
    const known = PLUGIN_PACKAGES[name];
    const version =
      known &&
      resolverFor(projectDir)
        .map((from) => packageJsonOf(known.packageName, from))
        .find(Boolean)?.json.version;
    versions.push(known ? `${known.packageName.replace('@electric-sql/', '')} ${version ?? 'missing'}` : name);
  }
  return versions.join(', ');
}

/**
 * The engine's initialised data directory (a .tar.gz), when the installed
 * pglite-prepopulatedfs was made by the installed PGlite; undefined otherwise
 * (PGlite then runs initdb, about 6 s).
 */
export function initialisedDataDir(): string | undefined {
  const found = packageJsonOf(PGLITE_INITIALISED);
  const pglite = packageJsonOf(PGLITE)?.json.version;
  if (!found || !pglite || found.json.peerDependencies?.[PGLITE] !== pglite) return undefined;
  const tarball = path.join(found.dir, 'dist', 'prepopulatedfs.tgz');
  return existsSync(tarball) ? tarball : undefined;
}

/** Loads PGlite, pglite-socket and the plugins for `extensions` (Postgres extension names). */
export async function loadEngine(extensions: readonly string[], projectDir = process.cwd()): Promise<Engine> {
  const pglite = packageJsonOf(PGLITE);
  if (!pglite || !packageJsonOf(PGLITE_SOCKET)) {
    throw new Error(`the embedded database needs ${PGLITE} and ${PGLITE_SOCKET} (npm install -D them), or set DATABASE_URL to a Postgres`);
  }
  const { PGlite } = (await import(PGLITE)) as Pick<Engine, 'PGlite'>;
  const { PGLiteSocketServer } = (await import(PGLITE_SOCKET)) as Pick<Engine, 'PGLiteSocketServer'>;
  const plugins: Record<string, ExtensionPlugin> = {};
  for (const name of extensions) plugins[name] = await pluginFor(name, projectDir, pglite.json.version);
  return { PGlite, PGLiteSocketServer, plugins, versions: engineVersions(extensions, projectDir) };
}
