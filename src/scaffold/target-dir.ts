// Where the project goes, checked before anything is written.

import { accessSync, constants, lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { CliError } from './errors.ts';
import { escapeControlCharacters, hasControlCharacters } from './text.ts';

export type TargetState = 'missing' | 'dangling-link' | 'empty' | 'not-empty' | 'not-a-directory' | 'unreadable';

// A folder holding only these counts as empty (create-vite does the same for .git).
const IGNORABLE = new Set(['.git', '.DS_Store', 'Thumbs.db']);

// Longest file name (bytes) Linux, macOS and Windows file systems accept, and longest path.
const NAME_MAX = 255;
const PATH_MAX = 4095;

export function targetState(dir: string): TargetState {
  let stats;
  try {
    stats = statSync(dir);
  } catch {
    return isSymlink(dir) ? 'dangling-link' : 'missing';
  }
  if (!stats.isDirectory()) return 'not-a-directory';
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 'unreadable';
  }
  return entries.every((entry) => IGNORABLE.has(entry)) ? 'empty' : 'not-empty';
}

function nearestExisting(dir: string): string {
  let current = dir;
  while (targetState(current) === 'missing' && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

/** Set by `npm run create` (scripts/create-from-clone.ts): the clone of this repository it runs from. */
export const CLONE_VARIABLE = 'CREATE_NEON_EDGE_CLONE';

/**
 * A project inside the clone it was made from would sit in the clone's git
 * work tree (no repository of its own, its files the clone's untracked
 * changes) and under its tsconfig and tests: refused, naming a place beside it.
 */
export function insideCloneProblem(dir: string, clone: string | undefined): string | undefined {
  if (!clone) return undefined;
  const root = path.resolve(clone);
  const relative = path.relative(root, dir);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  const beside = path.join(path.dirname(root), relative === '' ? 'my-neon-app' : path.basename(dir));
  return `${shownName(dir)} is inside this clone of create-neon-edge (${shownName(root)}): choose a directory outside it, such as ${shownName(beside)}.`;
}

/** A name as one printable line: control characters escaped, very long names shortened. */
export function shownName(name: string): string {
  const escaped = escapeControlCharacters(name);
  return escaped.length > 60 ? `${escaped.slice(0, 40)}…${escaped.slice(-10)}` : escaped;
}

/** One line saying why the directory name itself cannot be used, or undefined. */
function nameProblem(dir: string, shown: string): string | undefined {
  if (hasControlCharacters(shown)) {
    return `The directory name "${shownName(shown)}" contains a control character: choose a name without one.`;
  }
  const existing = nearestExisting(dir);
  const created = path.relative(existing, dir).split(path.sep).filter(Boolean);
  const tooLong = created.find((part) => Buffer.byteLength(part) > NAME_MAX);
  if (tooLong) {
    return `The directory name "${shownName(tooLong)}" is ${Buffer.byteLength(tooLong)} bytes long, more than file systems allow (${NAME_MAX}): choose a shorter name.`;
  }
  if (Buffer.byteLength(dir) > PATH_MAX) {
    return `The path ${shownName(dir)} is ${Buffer.byteLength(dir)} bytes long, more than file systems allow (${PATH_MAX}): choose a shorter one.`;
  }
  return undefined;
}

/** One line saying why the project cannot go into `dir`, or undefined. */
export function targetProblem(dir: string, shown: string, force: boolean): string | undefined {
  const nameIssue = nameProblem(dir, shown);
  if (nameIssue) return nameIssue;
  const state = targetState(dir);
  if (state === 'dangling-link') {
    return `${shown} is a symbolic link to ${shownName(readlinkSync(dir))}, which does not exist: remove the link, or choose another project directory.`;
  }
  if (state === 'not-a-directory') return `${shown} exists and is not a directory: choose another project directory.`;
  if (state === 'unreadable') return `Cannot read ${shown} (permission denied): choose a directory you can write to.`;
  if (state === 'not-empty' && !force) {
    return `Directory ${shown} is not empty: choose another directory, or pass --force to write into it.`;
  }
  const existing = nearestExisting(dir);
  const existingState = targetState(existing);
  if (existingState === 'not-a-directory') return `${existing} is a file, not a directory: choose another project directory.`;
  if (existingState === 'unreadable') return `Cannot read ${existing} (permission denied): choose a directory you can write to.`;
  try {
    // Creating entries needs search (x) as well as write permission.
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    return `Cannot write to ${existing} (permission denied): choose a directory you can write to.`;
  }
  return undefined;
}

function isSymlink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Refuses, before anything is written, when a path the run writes (or a
 * folder on the way to it) inside an existing directory is a symbolic link:
 * writing through it would change files outside the project, which rollback
 * cannot restore.
 */
export function refuseSymlinks(dir: string, shown: string, files: readonly string[]): void {
  const checked = new Set<string>();
  for (const file of files) {
    const parts = path.normalize(file).split(path.sep).filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join(path.sep);
      if (checked.has(rel)) continue;
      checked.add(rel);
      const full = path.join(dir, rel);
      if (isSymlink(full)) {
        throw new CliError(
          `${path.join(shown, rel)} is a symbolic link (to ${shownName(readlinkSync(full))}), and the template writes ${i < parts.length ? 'into it' : 'that file'}: move the link away, or choose another directory.`,
        );
      }
    }
  }
}
