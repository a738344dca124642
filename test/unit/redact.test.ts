import { describe, expect, it } from 'vitest';
import { redact } from '../../src/scaffold/redact.ts';

describe('redact', () => {
  const url = 'postgres://alice:p%40ss%2Fw0rd!@ep-cool-123.us-east-2.aws.neon.tech/neondb?sslmode=require';
  const raw = 'p%40ss%2Fw0rd!';
  const decoded = 'p@ss/w0rd!';

  it('removes the whole URL, the raw password and the decoded password', () => {
    const text = [
      `connecting to ${url}`,
      `password (as typed): ${raw}`,
      `password (decoded): ${decoded}`,
      `again ${decoded}${decoded}`,
    ].join('\n');
    const out = redact(text, url);
    expect(out).not.toContain(url);
    expect(out).not.toContain(raw);
    expect(out).not.toContain(decoded);
    expect(out).not.toContain('w0rd');
    expect(out).toBe(
      ['connecting to ****', 'password (as typed): ****', 'password (decoded): ****', 'again ********'].join('\n'),
    );
  });

  it('leaves text without secrets unchanged', () => {
    const text = 'npm warn deprecated something\nadded 42 packages in 3s\n';
    expect(redact(text, url)).toBe(text);
  });

  it('keeps the user and host that are not part of the URL match', () => {
    expect(redact('user alice at ep-cool-123.us-east-2.aws.neon.tech', url)).toBe('user alice at ep-cool-123.us-east-2.aws.neon.tech');
  });

  it('returns the text as it is without a database URL', () => {
    expect(redact('anything p@ss', undefined)).toBe('anything p@ss');
    expect(redact('anything p@ss', '')).toBe('anything p@ss');
  });

  it('treats a value that is not a URL as one secret', () => {
    expect(redact('value=not a url; again not a url', 'not a url')).toBe('value=****; again ****');
  });

  it('still removes the raw password when it has a malformed %-escape', () => {
    const bad = 'postgres://alice:s3cr%zzet@host/db';
    const out = redact(`${bad} and s3cr%zzet`, bad);
    expect(out).toBe('**** and ****');
  });

  it('handles a URL without a password', () => {
    const noPassword = 'postgres://alice@host/db';
    expect(redact(`url ${noPassword}, user alice`, noPassword)).toBe('url ****, user alice');
  });
});
