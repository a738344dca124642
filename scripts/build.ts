// Builds the published CLI: one bundled ES module with no runtime
// dependencies (fast `npx`), and the templates with symlinks resolved.

import { chmodSync, cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { isTemplateFile } from '../src/scaffold/write-project.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}/dist`;

rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: [`${root}/bin/create-neon-edge.ts`],
  outfile: `${dist}/create-neon-edge.js`,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(`${dist}/create-neon-edge.js`, 0o755);
// templates/_shared is reached through each template's symlinks, not shipped on its own.
const shipped = (file: string) => isTemplateFile(file) && !file.startsWith(`${root}/templates/_`);
cpSync(`${root}/templates`, `${dist}/templates`, { recursive: true, dereference: true, filter: shipped });
console.log('built dist/create-neon-edge.js and dist/templates');
