// The one line an old Node gets: which Node is needed, and a command that
// runs the same script under Node 22 from the npm registry, in the package
// manager's own words. (The line itself, from the compiled CLI on a real old
// Node: run.test.ts.)

import { describe, expect, it } from 'vitest';
import { isNodeRecentEnough, nodeVersionProblem, withRegistryNode } from '../src/node-requirement.ts';

describe('node-version', () => {
  it('knows 22.12 and newer from older', () => {
    expect(['22.12.0', '22.23.3', '23.0.0', '24.1.0'].filter(isNodeRecentEnough)).toHaveLength(4);
    expect(['20.20.2', '22.11.0', '18.19.1'].some(isNodeRecentEnough)).toBe(false);
    expect(nodeVersionProblem('22.12.0', {})).toBeUndefined();
  });

  it.each([
    ['start', 'npm/11.6.2 node/v20.20.2 linux x64', 'npx -y -p node@22 -- npm start'],
    ['test', 'pnpm/10.34.9 npm/? node/v20.20.2 linux x64', 'npx -y -p node@22 -- pnpm test'],
    ['db:setup', 'yarn/1.22.22 npm/? node/v20.20.2 linux x64', 'npx -y -p node@22 -- yarn run db:setup'],
    ['test', 'bun/1.3.0 npm/? node/v24.3.0 linux x64', 'npx -y -p node@22 -- bun run test'],
    [undefined, undefined, 'npx -y -p node@22 -- <command>'],
  ])('names the script %s as the package manager runs it (%s)', (script, userAgent, command) => {
    expect(withRegistryNode(script, userAgent)).toBe(command);
  });

  it('says it in one line', () => {
    const line = nodeVersionProblem('20.20.2', { npm_lifecycle_event: 'test', npm_config_user_agent: 'npm/11.6.2 node/v20.20.2 linux x64' });
    expect(line).toBe(
      '✖ This project needs Node.js 22.12 or newer; this is Node.js 20.20.2. Run it with Node.js 22 from the npm registry: npx -y -p node@22 -- npm test (or install Node.js 22: https://nodejs.org, or nvm install 22).',
    );
  });
});
