// Builds both published packages: the CLI (one bundled ES module with no
// runtime dependencies, for a fast `npx`, plus the template folders) and
// neon-on-localhost (compiled by tsc, with types).

import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { TEMPLATE_META } from '../src/scaffold/templates.ts';
import { isTemplateFile } from '../src/scaffold/write-project.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}/dist`;

rmSync(dist, { recursive: true, force: true });
// The entry stays tiny and unbundled so it can turn on the compile cache
// before the real CLI (one minified bundle) is parsed.
await build({
  entryPoints: { 'create-neon-edge': `${root}/bin/create-neon-edge.ts`, cli: `${root}/bin/cli.ts` },
  outdir: dist,
  bundle: true,
  splitting: false,
  external: ['./cli.ts'],
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [
    {
      name: 'entry-loads-bundle',
      setup(b) {
        // bin/create-neon-edge.ts imports ./cli.ts; in dist it is ./cli.js.
        b.onResolve({ filter: /^\.\/cli\.ts$/ }, () => ({ path: './cli.js', external: true }));
      },
    },
  ],
});
chmodSync(`${dist}/create-neon-edge.js`, 0o755);
// The scaffolder reads template.json from dist/templates; it is not copied into projects.
const shipped = (file: string) => isTemplateFile(file) || file.endsWith(`/${TEMPLATE_META}`);
cpSync(`${root}/templates`, `${dist}/templates`, { recursive: true, filter: shipped });

const toolkit = `${root}/packages/neon-on-localhost`;
rmSync(`${toolkit}/dist`, { recursive: true, force: true });
execFileSync(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-p', `${toolkit}/tsconfig.build.json`], { stdio: 'inherit' });
chmodSync(`${toolkit}/dist/cli.js`, 0o755);
// `npm run create` builds with --silent: nothing may come before the first prompt.
if (process.env.npm_config_loglevel !== 'silent') console.log('built dist/create-neon-edge.js, dist/templates and packages/neon-on-localhost/dist');
