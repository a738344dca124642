// What the build reads, as one hash: the build writes it into dist/ when it
// succeeds, and `npm run create` builds again only when it has changed (a
// build takes 10-15 s; a retry after a typo should not).

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** The files and folders, relative to the repository root, whose content makes dist/. */
const INPUTS = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'bin',
  'src',
  'scripts',
  'templates',
  'packages/neon-on-localhost/package.json',
  'packages/neon-on-localhost/tsconfig.json',
  'packages/neon-on-localhost/tsconfig.build.json',
  'packages/neon-on-localhost/src',
];
/** Never inputs, wherever they are: what running a template or a test leaves behind. */
const SKIPPED = new Set(['node_modules', 'dist', '.wrangler', '.neon-localhost']);

/** Where the build keeps the hash of the inputs it was made from. */
export const STAMP = 'dist/.build-inputs';

function files(root: string, relative: string): string[] {
  const full = path.join(root, relative);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [relative];
  return readdirSync(full)
    .filter((name) => !SKIPPED.has(name))
    .sort()
    .flatMap((name) => files(root, path.join(relative, name)));
}

/** A hash of every input file's path and content. */
export function buildInputsHash(root: string): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((input) => files(root, input))) {
    hash
      .update(`${file}\0`)
      .update(readFileSync(path.join(root, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

/** True when dist/ was built from the inputs as they are now. */
export function builtFromCurrentInputs(root: string): boolean {
  const stamp = path.join(root, STAMP);
  return existsSync(stamp) && readFileSync(stamp, 'utf8') === buildInputsHash(root);
}
