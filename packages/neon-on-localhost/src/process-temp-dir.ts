// Private folders in the temp dir that belong to one process (a database's
// copy, the embedded database's socket): named `<prefix><pid>-XXXXXX`, so
// that what a process killed outright left behind (its cleanup never ran)
// is removed by the next process that makes one.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { processStart } from './lock.ts';

const swept = new Set<string>();

/** The process `name` belongs to, when it is `<prefix><pid>-…`. */
export function ownerPid(name: string, prefix: string): number | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const pid = /^(\d+)-/.exec(name.slice(prefix.length))?.[1];
  return pid === undefined ? undefined : Number(pid);
}

/** Removes, once per process, prefix and folder, the folders of processes that are gone. */
function sweep(prefix: string, base: string): void {
  const key = path.join(base, prefix);
  if (swept.has(key)) return;
  swept.add(key);
  for (const name of readdirSync(base)) {
    const pid = ownerPid(name, prefix);
    if (pid !== undefined && processStart(pid) === undefined) rmSync(path.join(base, name), { recursive: true, force: true });
  }
}

/** A new private (0700) folder in `base` (the temp dir) for this process, after sweeping those of gone processes. */
export function processTempDir(prefix: string, base: string = tmpdir()): string {
  sweep(prefix, base);
  return mkdtempSync(path.join(base, `${prefix}${process.pid}-`));
}
