// Where the project goes, checked before anything is written.

import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export type TargetState = 'missing' | 'empty' | 'not-empty' | 'not-a-directory';

// A folder holding only these counts as empty (create-vite does the same for .git).
const IGNORABLE = new Set(['.git', '.DS_Store', 'Thumbs.db']);

export function targetState(dir: string): TargetState {
  let stats;
  try {
    stats = statSync(dir);
  } catch {
    return 'missing';
  }
  if (!stats.isDirectory()) return 'not-a-directory';
  return readdirSync(dir).every((entry) => IGNORABLE.has(entry)) ? 'empty' : 'not-empty';
}

function nearestExisting(dir: string): string {
  let current = dir;
  while (targetState(current) === 'missing' && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

/** One line saying why the project cannot go into `dir`, or undefined. */
export function targetProblem(dir: string, shown: string, force: boolean): string | undefined {
  const state = targetState(dir);
  if (state === 'not-a-directory') return `${shown} exists and is not a directory: choose another project directory.`;
  if (state === 'not-empty' && !force) {
    return `Directory ${shown} is not empty: choose another directory, or pass --force to write into it.`;
  }
  const existing = nearestExisting(dir);
  if (targetState(existing) === 'not-a-directory') return `${existing} is a file, not a directory: choose another project directory.`;
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    return `Cannot write to ${existing} (permission denied): choose a directory you can write to.`;
  }
  return undefined;
}
