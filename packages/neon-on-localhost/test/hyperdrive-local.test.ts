// Hyperdrive's local connection comes from the environment, never from wrangler.jsonc.
import { describe, expect, it } from 'vitest';
import { HYPERDRIVE_LOCAL_VARIABLE, setHyperdriveLocalConnection } from '../src/hyperdrive-local.ts';

describe('setHyperdriveLocalConnection', () => {
  it('points the HYPERDRIVE binding at DATABASE_URL', () => {
    const env: NodeJS.ProcessEnv = {};
    setHyperdriveLocalConnection(env, 'postgres://app:pw@127.0.0.1:5432/app');
    expect(HYPERDRIVE_LOCAL_VARIABLE).toBe('CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE');
    expect(env[HYPERDRIVE_LOCAL_VARIABLE]).toBe('postgres://app:pw@127.0.0.1:5432/app');
  });

  it('keeps a connection the user chose, and sets nothing without a URL', () => {
    const env: NodeJS.ProcessEnv = { [HYPERDRIVE_LOCAL_VARIABLE]: 'postgres://other@127.0.0.1:6543/x' };
    setHyperdriveLocalConnection(env, 'postgres://app:pw@127.0.0.1:5432/app');
    expect(env[HYPERDRIVE_LOCAL_VARIABLE]).toBe('postgres://other@127.0.0.1:6543/x');
    const empty: NodeJS.ProcessEnv = {};
    setHyperdriveLocalConnection(empty, '');
    expect(empty).toEqual({});
  });
});
