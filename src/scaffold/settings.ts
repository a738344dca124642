// Settings read from the environment (CREATE_NEON_EDGE_…): a bad value fails
// with one line naming the variable, before anything is written.

import { CliError } from './errors.ts';

/** Seconds from `env[name]`, else `fallback`. Throws CliError for a value that is not a positive number. */
export function secondsFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new CliError(`${name} must be a number of seconds greater than 0: unset it for the default (${fallback}).`);
  }
  return seconds;
}
