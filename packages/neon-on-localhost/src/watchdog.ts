// Runs the dev server for `neon-on-localhost run` (run.ts) and makes sure it does
// not outlive it:  node watchdog.js <command> [args...]
// The runner may die without a chance to stop its child (SIGKILL, or npm killing
// the shell above it). This process stays in the terminal's process group (so
// wrangler keeps its keyboard shortcuts), notices when its parent is gone, and
// then stops the whole tree below it: SIGTERM, and SIGKILL what is left after
// a few seconds.

import { execFileSync, spawn } from 'node:child_process';

const GRACE_MS = 4_000;
const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node neon-on-localhost/watchdog.ts <command> [args...]');
  process.exit(2);
}

/** Every process below this one, deepest last (from `ps`, which Linux and macOS both have). */
function descendants(): number[] {
  let table: string;
  try {
    table = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return child.pid ? [child.pid] : [];
  }
  const children = new Map<number, number[]>();
  for (const line of table.trim().split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const found: number[] = [];
  for (let queue = [process.pid]; queue.length > 0;) {
    const next = children.get(queue.shift()!) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

let stoppingTree = false;
async function stopTree(): Promise<never> {
  stoppingTree = true;
  signalAll(descendants(), 'SIGTERM');
  const deadline = Date.now() + GRACE_MS;
  while (descendants().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  signalAll(descendants(), 'SIGKILL');
  process.exit(1);
}

const child = spawn(command, args, { stdio: 'inherit' });
child.on('error', (err) => {
  console.error(`[neon-on-localhost] could not start ${command}: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code) => {
  if (stoppingTree) return;
  // What the dev server left behind (it should have stopped its own children) goes too.
  signalAll(descendants(), 'SIGKILL');
  process.exit(code ?? 0); // stopped by a signal: as run.ts always took it, not a failure
});
// run.ts passes signals on; the dev server decides how to stop.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));

const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent && !stoppingTree) void stopTree();
}, 250).unref();
