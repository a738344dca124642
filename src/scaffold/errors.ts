// A CliError is a user's mistake or an environment problem: its message is
// one line that names the fix, printed without a stack trace.

export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Ctrl-C at a prompt, or SIGINT/SIGTERM while working. */
export class CancelledError extends CliError {
  constructor(exitCode = 130) {
    super('Cancelled.', exitCode);
    this.name = 'CancelledError';
  }
}
