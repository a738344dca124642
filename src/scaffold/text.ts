// Text printed to the terminal: one line, no control characters (a name or a
// message may quote what the user typed, or what a service answered).

/** The first line of an error's message. */
export function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

// C0, DEL and C1: fetch reads an HTTP reason phrase as UTF-8, so U+009B (CSI) can arrive too.
// eslint-disable-next-line no-control-regex -- what this module escapes
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

export function hasControlCharacters(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- what this module escapes
  return /[\x00-\x1f\x7f-\x9f]/.test(text);
}

/** Control characters as JSON escapes (`\n`, `\u001b`, `\u009b`): printable, and they cannot drive the terminal. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL, (c) => {
    const json = JSON.stringify(c).slice(1, -1);
    return json === c ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : json; // JSON leaves DEL and C1 as they are
  });
}
