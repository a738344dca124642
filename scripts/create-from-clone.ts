// `npm run create -- [args]` from a clone: neon-on-localhost is not published
// from here, so it is packed next to the built CLI and the new project's
// package.json points at that tarball (file:...). Run `npm run build` first.

import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const packed = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', `${root}dist`, `${root}packages/neon-on-localhost`], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
})
  .trim()
  .split('\n')
  .pop();
const result = spawnSync(process.execPath, [`${root}dist/create-neon-edge.cjs`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, CREATE_NEON_EDGE_TOOLKIT: `file:${root}dist/${packed}` },
});
process.exit(result.status ?? 1);
