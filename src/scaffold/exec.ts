// Child processes started by the scaffolder. They are tracked so that Ctrl-C
// or SIGTERM can stop them before the half-made project is removed.

import type { ChildProcess } from 'node:child_process';

export interface RunResult {
  /** Exit code; null when the command could not be started (see `missing`). */
  code: number | null;
  /** True when the executable was not found. */
  missing: boolean;
  /** stdout and stderr, interleaved. */
  output: string;
  /** True when it ran past `timeoutMs` and was killed. */
  timedOut: boolean;
}

const running = new Set<ChildProcess>();

export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((resolve) => {
    // Loaded on first use: a run without install, git or secret never needs it.
    const { spawn } = process.getBuiltinModule('node:child_process');
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Windows needs a shell to find npm.cmd; elsewhere argv goes to exec as-is.
      shell: process.platform === 'win32',
      // Its own process group, so an interruption can stop its whole tree
      // (an install runs scripts that run further processes).
      detached: process.platform !== 'win32',
    });
    running.add(child);
    let timedOut = false;
    const timers: NodeJS.Timeout[] = [];
    if (options.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          killTree(child, 'SIGTERM');
          timers.push(setTimeout(() => killTree(child, 'SIGKILL'), 2_000));
        }, options.timeoutMs),
      );
    }
    const done = (result: Omit<RunResult, 'timedOut'>) => {
      for (const timer of timers) clearTimeout(timer);
      running.delete(child);
      resolve({ ...result, timedOut });
    };
    let output = '';
    const collect = (chunk: Buffer) => (output += chunk.toString('utf8'));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.stdin?.on('error', () => {}); // the command may exit without reading its input
    child.stdin?.end(options.input ?? '');
    child.once('error', (err: NodeJS.ErrnoException) => done({ code: null, missing: err.code === 'ENOENT', output: output + err.message }));
    child.once('close', (code) => done({ code: code ?? 1, missing: false, output }));
  });
}

function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid && process.platform !== 'win32') process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // already gone
  }
}

/** Stops every running child and waits (briefly) for them to exit. */
export async function stopChildren(signal: NodeJS.Signals): Promise<void> {
  const waits = [...running].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => {
          killTree(child, 'SIGKILL');
          resolve();
        }, 3_000);
        child.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        killTree(child, signal);
      }),
  );
  await Promise.all(waits);
}
