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
// Two CommonJS files: the entry stays tiny and unbundled so it can check Node
// and turn on the compile cache before the real CLI (one minified bundle of
// src/scaffold/run.ts) is parsed.
const common = { bundle: true, platform: 'node', target: 'node22', format: 'cjs', minify: true, legalComments: 'none', logLevel: 'warning' } as const;
await build({ ...common, entryPoints: [`${root}/bin/create-neon-edge.ts`], outfile: `${dist}/create-neon-edge.cjs`, external: ['./cli.cjs'] });
await build({
  ...common,
  entryPoints: [`${root}/src/scaffold/run.ts`],
  outfile: `${dist}/cli.cjs`,
  // templates.ts finds dist/templates from import.meta.url, which CommonJS spells through __filename.
  define: { 'import.meta.url': '__cliFileUrl' },
  banner: { js: 'var __cliFileUrl=require("node:url").pathToFileURL(__filename).href;' },
});
chmodSync(`${dist}/create-neon-edge.cjs`, 0o755);
// The scaffolder reads template.json from dist/templates; it is not copied into projects.
const shipped = (file: string) => isTemplateFile(file) || file.endsWith(`/${TEMPLATE_META}`);
cpSync(`${root}/templates`, `${dist}/templates`, { recursive: true, filter: shipped });

const toolkit = `${root}/packages/neon-on-localhost`;
rmSync(`${toolkit}/dist`, { recursive: true, force: true });
execFileSync(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-p', `${toolkit}/tsconfig.build.json`], { stdio: 'inherit' });
chmodSync(`${toolkit}/dist/cli.js`, 0o755);
// `npm run create` builds with --silent: nothing may come before the first prompt.
if (process.env.npm_config_loglevel !== 'silent') console.log('built dist/create-neon-edge.cjs, dist/templates and packages/neon-on-localhost/dist');
