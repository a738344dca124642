// The questions go through this interface so that steps can be tested with
// scripted answers and no terminal; the real one is @clack/prompts.

import { styleText } from 'node:util';
import * as clack from '@clack/prompts';
import { PasswordPrompt } from '@clack/core';
import { CancelledError } from './errors.ts';

export interface Choice {
  value: string;
  label: string;
  hint?: string;
}

export interface Prompter {
  /** An empty answer takes `defaultValue`, and is validated as that value. */
  text(opts: { message: string; placeholder?: string; defaultValue?: string; validate?: (v: string) => string | undefined }): Promise<string>;
  /** Typed masked; once answered, shown as `shown(value)` (e.g. the URL with its password masked). */
  password(opts: { message: string; validate?: (v: string) => string | undefined; shown?: (v: string) => string }): Promise<string>;
  select(opts: { message: string; options: Choice[]; initialValue?: string }): Promise<string>;
  confirm(opts: { message: string; initialValue?: boolean }): Promise<boolean>;
}

export interface Logger {
  intro(title: string): void;
  /** A question answered without asking (by a flag, --yes, or a default). */
  answered(question: string, answer: string): void;
  step(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  success(message: string): void;
  outro(message: string): void;
  /** Runs a long task with a spinner (or plain lines without a terminal). */
  task<T>(title: string, work: () => Promise<T>): Promise<T>;
}

function unwrap<T>(value: T): Exclude<T, symbol> {
  if (clack.isCancel(value)) throw new CancelledError();
  return value as Exclude<T, symbol>;
}

// clack validators receive `undefined` for an empty submission, and see it
// before the default is applied: validate what the answer will be.
const adapt = (validate?: (v: string) => string | undefined, defaultValue = '') =>
  validate ? (value: string | undefined) => validate(value || defaultValue) : undefined;

const bar = (color: 'gray' | 'cyan' | 'yellow') => `${styleText(color, clack.S_BAR)}  `;

/** clack's password prompt, except that the answered line shows `shown(value)` rather than a mask per character. */
async function passwordPrompt(opts: { message: string; validate?: (v: string) => string | undefined; shown?: (v: string) => string }): Promise<string> {
  const prompt = new PasswordPrompt({
    mask: '*',
    validate: adapt(opts.validate),
    render() {
      const title = `${styleText('gray', clack.S_BAR)}\n${clack.symbol(this.state)}  ${opts.message}\n`;
      switch (this.state) {
        case 'submit':
          return `${title}${bar('gray')}${styleText('dim', opts.shown ? opts.shown(this.value ?? '') : this.masked)}`;
        case 'cancel':
          return `${title}${bar('gray')}${this.masked ? styleText(['strikethrough', 'dim'], this.masked) : ''}`;
        case 'error':
          return `${title}${bar('yellow')}${this.masked}\n${styleText('yellow', clack.S_BAR_END)}  ${styleText('yellow', this.error)}\n`;
        default:
          return `${title}${bar('cyan')}${this.userInputWithCursor}\n${styleText('cyan', clack.S_BAR_END)}\n`;
      }
    },
  });
  return unwrap(await prompt.prompt()) ?? '';
}

export const clackPrompter: Prompter = {
  async text({ validate, ...opts }) {
    return unwrap(await clack.text({ ...opts, validate: adapt(validate, opts.defaultValue) }));
  },
  password: passwordPrompt,
  async select(opts) {
    return unwrap(await clack.select<string>(opts));
  },
  async confirm(opts) {
    return unwrap(await clack.confirm(opts));
  },
};

const FRAMES = ['◒', '◐', '◓', '◑'];

/**
 * A spinner that leaves Ctrl-C to the scaffolder. clack's spinner puts the
 * terminal in raw mode and exits 0 on Ctrl-C, leaving the running child and
 * the half-made project behind. Here the terminal is in raw mode too (typed
 * keys must not scribble over the spinner), and Ctrl-C becomes the SIGINT the
 * terminal would have sent, which stops the child and rolls back (run.ts).
 */
async function spinnerTask<T>(title: string, work: () => Promise<T>): Promise<T> {
  const out = process.stdout;
  const input = process.stdin;
  const width = Math.max(20, (out.columns || 80) - 6);
  const line = title.length > width ? `${title.slice(0, width - 1)}…` : title;
  let frame = 0;
  const draw = () => out.write(`\r\x1b[2K${styleText('magenta', FRAMES[frame++ % FRAMES.length])}  ${line}${'.'.repeat(Math.floor(frame / 4) % 4)}`);
  const onKey = (data: Buffer) => {
    if (data.includes(0x03)) process.kill(process.pid, 'SIGINT');
  };
  let finished = false;
  const finish = (symbol: string, text: string) => {
    if (finished) return;
    finished = true;
    clearInterval(timer);
    input.off('data', onKey);
    if (input.isTTY) input.setRawMode(false);
    input.pause();
    process.off('SIGINT', onSignal);
    process.off('exit', onExit);
    out.write(`\r\x1b[2K${symbol}  ${text}\n\x1b[?25h`);
  };
  const onSignal = () => finish(styleText('red', clack.S_STEP_CANCEL), `${line}: cancelled`);
  const onExit = () => finish(styleText('red', clack.S_STEP_CANCEL), `${line}: cancelled`);
  out.write(`${styleText('gray', clack.S_BAR)}\n\x1b[?25l`);
  if (input.isTTY) input.setRawMode(true);
  input.on('data', onKey);
  input.resume();
  process.on('SIGINT', onSignal);
  process.on('exit', onExit);
  draw();
  const timer = setInterval(draw, 80);
  try {
    const result = await work();
    finish(styleText('green', clack.S_STEP_SUBMIT), title);
    return result;
  } catch (err) {
    finish(styleText('red', clack.S_STEP_ERROR), `${title}: failed`);
    throw err;
  }
}

export function clackLogger(interactive: boolean): Logger {
  return {
    intro: (title) => clack.intro(title),
    answered: (question, answer) => clack.log.step(`${question}\n${answer}`),
    step: (message) => clack.log.step(message),
    info: (message) => clack.log.info(message),
    warn: (message) => clack.log.warn(message),
    success: (message) => clack.log.success(message),
    outro: (message) => clack.outro(message),
    async task(title, work) {
      if (!interactive) {
        clack.log.step(`${title}…`);
        return work();
      }
      return spinnerTask(title, work);
    },
  };
}
