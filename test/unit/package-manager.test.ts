import { describe, expect, it } from 'vitest';
import {
  detectPackageManager,
  forPackageManager,
  installCommand,
  PACKAGE_MANAGERS,
  packageManagerVersion,
  runScript,
} from '../../src/scaffold/package-manager.ts';

describe('detectPackageManager', () => {
  it.each([
    ['npm/10.8.2 node/v22.12.0 linux x64 workspaces/false', 'npm'],
    ['pnpm/9.1.0 npm/? node/v22.12.0 darwin arm64', 'pnpm'],
    ['yarn/1.22.22 npm/? node/v22.12.0 linux x64', 'yarn'],
    ['yarn/4.5.0 npm/? node/v22.12.0 linux x64', 'yarn'],
    ['bun/1.1.38 npm/? node/v22.6.0 linux x64', 'bun'],
    ['pnpm', 'pnpm'],
    [undefined, 'npm'],
    ['', 'npm'],
    ['garbage', 'npm'],
    ['deno/2.0.0 npm/? node/v22', 'npm'],
    ['PNPM/9.1.0', 'npm'],
    [' pnpm/9.1.0', 'npm'],
    ['node/v22.12.0 pnpm/9.1.0', 'npm'],
    ['/// ???', 'npm'],
  ] as const)('%j → %s', (userAgent, expected) => {
    expect(detectPackageManager(userAgent)).toBe(expected);
  });
});

describe('installCommand', () => {
  it.each([
    ['npm', ['npm', ['install']]],
    ['pnpm', ['pnpm', ['install']]],
    ['yarn', ['yarn', []]],
    ['bun', ['bun', ['install']]],
  ] as const)('%s', (pm, expected) => {
    expect(installCommand(pm)).toEqual(expected);
  });

  it('runs the package manager itself for every one of them', () => {
    for (const pm of PACKAGE_MANAGERS) expect(installCommand(pm)[0]).toBe(pm);
  });
});

describe('runScript', () => {
  it.each([
    ['npm', 'start', 'npm start'],
    ['npm', 'test', 'npm test'],
    ['npm', 'deploy', 'npm run deploy'],
    ['npm', 'typecheck', 'npm run typecheck'],
    ['pnpm', 'start', 'pnpm start'],
    ['pnpm', 'test', 'pnpm test'],
    ['pnpm', 'typecheck', 'pnpm run typecheck'],
    // `pnpm deploy` is a pnpm built-in (deploy a workspace package), not the script.
    ['pnpm', 'deploy', 'pnpm run deploy'],
    ['yarn', 'start', 'yarn start'],
    ['yarn', 'test', 'yarn test'],
    ['yarn', 'deploy', 'yarn deploy'],
    ['bun', 'start', 'bun run start'],
    // `bun test` would start bun's own test runner instead of the script.
    ['bun', 'test', 'bun run test'],
    ['bun', 'deploy', 'bun run deploy'],
    // `yarn check` is yarn 1's own command (it verifies node_modules), not the script.
    ['yarn', 'check', 'yarn run check'],
    ['yarn', 'db:setup', 'yarn db:setup'],
  ] as const)('%s %s → %j', (pm, script, expected) => {
    expect(runScript(pm, script)).toBe(expected);
  });
});

describe('packageManagerVersion', () => {
  it.each([
    ['pnpm/10.1.0 npm/? node/v22.12.0 linux x64', 'pnpm', '10.1.0'],
    ['bun/1.1.38 npm/? node/v22.6.0 linux x64', 'bun', '1.1.38'],
    ['pnpm/10.1.0 npm/? node/v22.12.0 linux x64', 'bun', undefined],
    ['npm/10.8.2 node/v22.12.0', 'pnpm', undefined],
    ['pnpm/10.1.0-rc.1 npm/?', 'pnpm', undefined],
    ['pnpm/1.0.0\nversion: latest', 'pnpm', undefined],
    [undefined, 'pnpm', undefined],
  ] as const)('%j as %s → %s', (userAgent, pm, expected) => {
    expect(packageManagerVersion(userAgent, pm)).toBe(expected);
  });
});

describe('forPackageManager: text written in npm terms', () => {
  const text = [
    'Created with `npm create neon-edge@latest -- --template worker-raw`.',
    '`npm start`, `npm test`, `npm run db:setup` and `PORT=4000 npm start -- --port 4000`',
    'npm run deploy   # wrangler deploy',
    'Install with `npm install`, in CI `npm ci`; add one with `npm install -D drizzle-kit`.',
    'Production: `npx wrangler secret put DATABASE_URL`, through npx (`npx vercel login`).',
  ].join('\n');

  it('is unchanged for npm', () => {
    expect(forPackageManager('npm', text)).toBe(text);
  });

  it.each([
    [
      'pnpm',
      [
        'Created with `pnpm create neon-edge@latest --template worker-raw`.',
        '`pnpm start`, `pnpm test`, `pnpm run db:setup` and `PORT=4000 pnpm start --port 4000`',
        'pnpm run deploy   # wrangler deploy',
        'Install with `pnpm install`, in CI `pnpm install --frozen-lockfile`; add one with `pnpm add -D drizzle-kit`.',
        'Production: `pnpm exec wrangler secret put DATABASE_URL`, through npx (`pnpm exec vercel login`).',
      ],
    ],
    [
      'yarn',
      [
        'Created with `yarn create neon-edge@latest --template worker-raw`.',
        '`yarn start`, `yarn test`, `yarn db:setup` and `PORT=4000 yarn start --port 4000`',
        'yarn deploy   # wrangler deploy',
        'Install with `yarn install`, in CI `yarn install --frozen-lockfile`; add one with `yarn add -D drizzle-kit`.',
        'Production: `yarn wrangler secret put DATABASE_URL`, through npx (`yarn vercel login`).',
      ],
    ],
    [
      'bun',
      [
        'Created with `bun create neon-edge@latest --template worker-raw`.',
        '`bun run start`, `bun run test`, `bun run db:setup` and `PORT=4000 bun run start --port 4000`',
        'bun run deploy   # wrangler deploy',
        'Install with `bun install`, in CI `bun install --frozen-lockfile`; add one with `bun add -D drizzle-kit`.',
        'Production: `bunx wrangler secret put DATABASE_URL`, through npx (`bunx vercel login`).',
      ],
    ],
  ] as const)('for %s uses its own commands', (pm, expected) => {
    expect(forPackageManager(pm, text).split('\n')).toEqual(expected);
  });
});
