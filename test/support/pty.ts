// Drives an interactive program through a real pseudo-terminal, using
// util-linux `script` (no native addon): keys go in, the screen comes out.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r/g;

export const KEYS = { enter: '\r', right: '\x1b[C', left: '\x1b[D', down: '\x1b[B', up: '\x1b[A', ctrlC: '\x03' } as const;

export class Pty {
  private readonly child: ChildProcessWithoutNullStreams;
  private raw = '';
  readonly exited: Promise<number | null>;

  constructor(command: string, options: { cwd: string; env: NodeJS.ProcessEnv }) {
    // A new pty has no size (0 columns), and prompts wrap to the width: set one.
    const sized = `stty cols 120 rows 40; exec ${command}`;
    this.child = spawn('script', ['--quiet', '--flush', '--return', '--command', sized, '/dev/null'], {
      cwd: options.cwd,
      env: { TERM: 'xterm-256color', COLUMNS: '120', LINES: '40', ...options.env },
    });
    this.child.stdout.on('data', (chunk: Buffer) => (this.raw += chunk.toString('utf8')));
    this.child.stderr.on('data', (chunk: Buffer) => (this.raw += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Everything written to the terminal so far, escape sequences included. */
  get output(): string {
    return this.raw;
  }

  /** Everything shown so far, without colours and cursor moves. */
  get screen(): string {
    return this.raw.replace(ANSI, '');
  }

  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.screen)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; screen:\n${this.screen}`);
      if (this.child.exitCode !== null) throw new Error(`exited (${this.child.exitCode}) before ${pattern}; screen:\n${this.screen}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Types keys, one write per character group, like a person (clack reads keypresses). */
  async type(...keys: string[]): Promise<void> {
    for (const key of keys) {
      this.child.stdin.write(key);
      await new Promise((r) => setTimeout(r, 30));
    }
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
