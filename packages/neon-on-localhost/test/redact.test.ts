// neon-on-localhost/redact: what the templates' logs go through, and the
// scaffolder's output of the commands it runs (install, db:setup, secret).

import { describe, expect, it } from 'vitest';
import { errorMessage, redact } from '../src/redact.ts';

const secret = 'Sekr3t p@ss/wörd';
const url = `postgres://app:${encodeURIComponent(secret)}@127.0.0.1:99999/app`;

describe('redact', () => {
  it('masks the password of DATABASE_URL in every spelling, and any URL userinfo', () => {
    const message = `cannot parse ${url}; raw ${secret}; decoded once ${encodeURIComponent(secret)}; and postgres://u:hunter2@host/db`;
    const out = redact(message, url);
    for (const form of [secret, encodeURIComponent(secret), 'hunter2']) expect(out).not.toContain(form);
    expect(out).toContain('127.0.0.1:99999'); // the reason stays readable
    expect(out).toContain('postgres://u:****@host/db');
  });

  it('masks a password the URL parser rejects (an unencoded @ in it)', () => {
    const malformed = 'postgres://app:p@ss@word@db.example/app';
    expect(redact(`invalid URL ${malformed}`, malformed)).not.toContain('ss@word');
  });

  it('masks a password with a malformed %-escape as written', () => {
    const bad = 'postgres://alice:s3cr%zzet@host/db';
    expect(redact(`${bad} and s3cr%zzet`, bad)).toBe('postgres://alice:****@host/db and ****');
  });

  it('leaves text without a password as it is, with or without DATABASE_URL', () => {
    const text = 'npm warn deprecated something\nadded 42 packages in 3s (user alice at ep-cool-123.neon.tech)\n';
    expect(redact(text, url)).toBe(text);
    expect(redact(text)).toBe(text);
    expect(redact('url postgres://alice@host/db', 'postgres://alice@host/db')).toBe('url postgres://alice@host/db');
  });

  it('turns any thrown value into a redacted line', () => {
    expect(errorMessage(new Error(`no route to ${url}`), url)).not.toContain(encodeURIComponent(secret));
    expect(errorMessage('plain string')).toBe('plain string');
  });
});
