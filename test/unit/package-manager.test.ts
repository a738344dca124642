import { describe, expect, it } from 'vitest';
import { detectPackageManager, installCommand, PACKAGE_MANAGERS, runScript } from '../../src/scaffold/package-manager.ts';

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
  ] as const)('%s %s → %j', (pm, script, expected) => {
    expect(runScript(pm, script)).toBe(expected);
  });
});
