// `npm run create -- [args]` from a clone: neon-on-localhost is not published
// from here, so it is packed next to the built CLI and the new project's
// package.json points at that tarball (file:...). Both packages are built
// first, unless dist/ was built from the sources as they are (build-inputs.ts).

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLONE_VARIABLE } from '../src/scaffold/target-dir.ts';
import { builtFromCurrentInputs } from './build-inputs.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const toolkit = `${root}packages/neon-on-localhost`;

if (!builtFromCurrentInputs(root) || !existsSync(`${toolkit}/dist/cli.js`)) {
  process.stderr.write('Building create-neon-edge and neon-on-localhost (the sources changed since the last build)…\n');
  const built = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', `${root}scripts/build.ts`], {
    stdio: 'inherit',
    env: { ...process.env, npm_config_loglevel: 'silent' },
  });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
// The build empties dist/: a tarball there was packed from this build.
const { version } = JSON.parse(readFileSync(`${toolkit}/package.json`, 'utf8')) as { version: string };
const tarball = `neon-on-localhost-${version}.tgz`;
if (!existsSync(`${root}dist/${tarball}`)) {
  execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', `${root}dist`, toolkit], { stdio: ['ignore', 'ignore', 'inherit'] });
}
const result = spawnSync(process.execPath, [`${root}dist/create-neon-edge.cjs`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, CREATE_NEON_EDGE_TOOLKIT: `file:${root}dist/${tarball}`, [CLONE_VARIABLE]: root },
});
process.exit(result.status ?? 1);
