// The generated projects' vitest globalSetup (neon-on-localhost/vitest), run
// here in Node: the throwaway embedded database it starts takes only its own
// fresh password, and when it cannot start it says why in one line.

import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import setup from '../src/vitest-setup.ts';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

function project() {
  const provided: Record<string, string> = {};
  return { provided, provide: (key: string, value: string) => void (provided[key] = value) };
}

describe('vitest-setup', () => {
  it('gives the tests a database URL with a fresh password that the embedded database insists on', async () => {
    delete process.env.DATABASE_URL;
    const p = project();
    const stop = await setup(p);
    try {
      const url = new URL(p.provided.databaseUrl);
      expect(url.password.length).toBeGreaterThanOrEqual(24);
      const client = new pg.Client(p.provided.databaseUrl);
      await client.connect();
      await client.end();
      url.password = 'postgres';
      await expect(new pg.Client(url.toString()).connect()).rejects.toThrow('password authentication failed');
    } finally {
      await stop();
    }
  }, 60_000);

  it('says in one line why the proxy did not start, and what to do', async () => {
    delete process.env.DATABASE_URL;
    process.env.NEON_LOCALHOST_MAX_CONNECTIONS = 'lots';
    await expect(setup(project())).rejects.toThrow(
      /^✖ neon-on-localhost could not start for the tests: NEON_LOCALHOST_MAX_CONNECTIONS must be a whole number of at least 1, not "lots"\. Set DATABASE_URL in \.env\.local to test against Neon or a local Postgres instead\.$/,
    );
  }, 60_000);
});
