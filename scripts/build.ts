// Builds the published CLI: one bundled ES module with no runtime
// dependencies (fast `npx`), and the templates with symlinks resolved.

import { chmodSync, cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
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
// templates/_shared is reached through each template's symlinks, not shipped on its own.
const shipped = (file: string) => isTemplateFile(file) && !file.startsWith(`${root}/templates/_`);
cpSync(`${root}/templates`, `${dist}/templates`, { recursive: true, dereference: true, filter: shipped });
console.log('built dist/create-neon-edge.js and dist/templates');
