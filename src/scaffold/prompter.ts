// The questions go through this interface so that steps can be tested with
// scripted answers and no terminal; the real one is @clack/prompts.

import * as clack from '@clack/prompts';
import { CancelledError } from './errors.ts';

export interface Choice {
  value: string;
  label: string;
  hint?: string;
}

export interface Prompter {
  text(opts: { message: string; placeholder?: string; defaultValue?: string; validate?: (v: string) => string | undefined }): Promise<string>;
  password(opts: { message: string; validate?: (v: string) => string | undefined }): Promise<string>;
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

// clack validators receive `undefined` for an empty submission.
const adapt = (validate?: (v: string) => string | undefined) =>
  validate ? (value: string | undefined) => validate(value ?? '') : undefined;

export const clackPrompter: Prompter = {
  async text({ validate, ...opts }) {
    return unwrap(await clack.text({ ...opts, validate: adapt(validate) }));
  },
  async password({ validate, ...opts }) {
    return unwrap(await clack.password({ ...opts, mask: '*', validate: adapt(validate) }));
  },
  async select(opts) {
    return unwrap(await clack.select<string>(opts));
  },
  async confirm(opts) {
    return unwrap(await clack.confirm(opts));
  },
};

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
      const spin = clack.spinner();
      spin.start(title);
      try {
        const result = await work();
        spin.stop(title);
        return result;
      } catch (err) {
        spin.error(`${title}: failed`);
        throw err;
      }
    },
  };
}
