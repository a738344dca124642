// Text printed to the terminal: one line, no control characters (a name or a
// message may quote what the user typed, or what a service answered).

/** The first line of an error's message. */
export function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

const CONTROL = /[\x00-\x1f\x7f]/g;

export function hasControlCharacters(text: string): boolean {
  return /[\x00-\x1f\x7f]/.test(text);
}

/** Control characters as JSON escapes (`\n`, `\u001b`): printable, and they cannot drive the terminal. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL, (c) => JSON.stringify(c).slice(1, -1));
}
