// One opener per embedded database folder: PGlite is a single session, and
// two processes on one folder corrupt it. The lock file names its holder by
// pid *and* the process' start time, so a pid that the system has since given
// to an unrelated process does not count as the holder.

import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

interface Holder {
  pid: number;
  /** When that process started (/proc/<pid>/stat on Linux, `ps -o lstart` elsewhere); '' if unknown. */
  started: string;
}

/** When process `pid` started, or undefined if there is no such process. */
export function processStart(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid < 1) return undefined;
  try {
    // Field 22, counted after the parenthesised command (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch (err) {
    if (process.platform === 'linux') return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : '';
  }
  try {
    return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined; // ps exits 1 for no such process
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    try {
      return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  }
}

function readHolder(file: string): Holder | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Holder>;
    if (typeof parsed === 'number') return { pid: parsed, started: '' }; // written by an older version: a bare pid
    if (Number.isInteger(parsed.pid) && typeof parsed.started === 'string') return { pid: parsed.pid!, started: parsed.started };
  } catch {
    // unreadable: nobody can be shown to hold it
  }
  return undefined;
}

/**
 * The holder is still running: same pid, same start time. A bare pid comes from
 * the earlier generated projects' own copy of the runner (neon-local/dev.ts or
 * main.ts): held only while such a process has that pid.
 */
function stillHeld(holder: Holder): boolean {
  const started = processStart(holder.pid);
  if (started === undefined) return false;
  if (holder.started) return started === '' || started === holder.started;
  return /neon-local\/(dev|main)\.ts/.test(commandLine(holder.pid));
}

/**
 * Takes `file` for this process, or throws naming the holder and the file.
 * Returns the release function.
 */
export function acquireLock(file: string, what: string): () => void {
  const me: Holder = { pid: process.pid, started: processStart(process.pid) ?? '' };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(me)}\n`, { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    const holder = readHolder(file);
    if (holder && stillHeld(holder)) {
      throw new Error(`the embedded database in ${what} is in use by process ${holder.pid} (another npm start?): stop it first (lock file ${file})`);
    }
    rmSync(file, { force: true }); // stale: its process is gone, or the pid now belongs to another program
  }
  return () => {
    if (readHolder(file)?.pid === me.pid) rmSync(file, { force: true });
  };
}
