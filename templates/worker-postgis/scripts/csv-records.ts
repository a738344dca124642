// A streaming CSV reader (RFC 4180: commas, "quoted" fields, "" for a quote,
// LF, CRLF or CR line ends) that holds one record at a time and knows the
// physical line each record starts on, counting the line breaks inside quoted
// fields, so a report can say "line 7" and mean the line an editor shows.
// Empty lines are skipped. Written here rather than taken from a library
// because none reports start lines exactly once quoted fields span lines.

export interface CsvRecord {
  /** 1-based physical line the record starts on. */
  line: number;
  fields: string[];
}

/** A record longer than this is a broken file (usually a quote never closed), not data. */
export const MAX_RECORD_CHARS = 1 << 20;

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

export class CsvSyntaxError extends Error {}

export async function* csvRecords(chunks: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  let fields: string[] = [];
  let field = '';
  let fieldStart = true; // nothing read yet in this field: a quote here opens quoting
  let quoted = false; // inside a quoted field
  let quoteLast = false; // inside a quoted field, the last character was a quote: closes it, or "" for a quote
  let hasContent = false; // this record has a comma, a quote or a character
  let line = 1; // physical line of the current character
  let afterCR = false; // the previous character was CR: an LF now ends the same line
  let recordLine = 1;
  let quoteLine = 1;
  let recordChars = 0;
  let first = true;

  for await (let chunk of chunks) {
    if (first && chunk.length > 0) {
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1); // byte order mark
      first = false;
    }
    let run = -1; // start of the plain characters not yet appended to `field`
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (++recordChars > MAX_RECORD_CHARS) {
        throw new CsvSyntaxError(`the record on line ${recordLine} is longer than ${MAX_RECORD_CHARS.toLocaleString('en')} characters (a quote never closed?)`);
      }
      if (quoteLast) {
        quoteLast = false;
        if (c === QUOTE) {
          field += '"';
          continue;
        }
        quoted = false; // that quote closed the field; read c as unquoted
      }
      if (quoted) {
        if (c === QUOTE) {
          if (run >= 0) field += chunk.slice(run, i);
          run = -1;
          quoteLast = true;
          afterCR = false;
          continue;
        }
        if (c === CR) line++;
        else if (c === LF && !afterCR) line++;
        afterCR = c === CR;
        if (run < 0) run = i;
        continue;
      }
      if (c === COMMA || c === CR || c === LF) {
        if (run >= 0) field += chunk.slice(run, i);
        run = -1;
        if (c === COMMA) {
          fields.push(field);
          field = '';
          fieldStart = true;
          hasContent = true;
          afterCR = false;
          continue;
        }
        const sameBreak = c === LF && afterCR;
        if (!sameBreak) line++;
        afterCR = c === CR;
        if (hasContent || field !== '') {
          fields.push(field);
          yield { line: recordLine, fields };
        }
        fields = [];
        field = '';
        fieldStart = true;
        hasContent = false;
        recordLine = line;
        recordChars = 0;
        continue;
      }
      afterCR = false;
      hasContent = true;
      if (c === QUOTE && fieldStart) {
        quoted = true;
        quoteLine = line;
        fieldStart = false;
        continue;
      }
      fieldStart = false;
      if (run < 0) run = i;
    }
    if (run >= 0) field += chunk.slice(run);
  }
  if (quoted && !quoteLast) throw new CsvSyntaxError(`the quoted field that starts on line ${quoteLine} is never closed`);
  if (hasContent || field !== '') {
    fields.push(field);
    yield { line: recordLine, fields };
  }
}
