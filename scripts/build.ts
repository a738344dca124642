// Builds both published packages: the CLI (one bundled CommonJS file with no
// runtime dependencies, for a fast `npx`, plus the template folders) and
// neon-on-localhost (compiled by tsc, with types).

import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { isTemplateFile } from '../src/scaffold/template-files.ts';
import { buildInputsHash, STAMP } from './build-inputs.ts';
import { prebuiltWorkflowsPlugin } from './prebuilt-workflows-plugin.ts';
import { templateRegistryPlugin } from './template-registry-plugin.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}/dist`;

// Hashed before building: an input edited during the build makes the next `npm run create` build again.
const inputs = buildInputsHash(root);
rmSync(dist, { recursive: true, force: true });

/**
 * The terminal modules (node:tty, and node:readline with the networking and
 * stream modules tty pulls in) are only needed to ask questions, yet clack
 * imports them at the top. Each import becomes an object whose properties
 * (every export of the real module, listed here at build time) require the
 * module on first use: a run without a terminal never loads them.
 */
const TERMINAL_MODULES = ['node:tty', 'node:readline'];
const loadTerminalModulesOnUse: Plugin = {
  name: 'load-terminal-modules-on-use',
  setup(b) {
    const filter = new RegExp(`^(${TERMINAL_MODULES.join('|')})$`);
    // The shim's own require is the real module.
    b.onResolve({ filter }, (args) => (args.namespace === 'on-use' ? { path: args.path, external: true } : { path: args.path, namespace: 'on-use' }));
    b.onLoad({ filter: /.*/, namespace: 'on-use' }, async (args) => {
      const names = Object.keys(await import(args.path)).filter((name) => name !== 'default');
      const getters = names.map(
        (name) => `${JSON.stringify(name)}: { get: () => require(${JSON.stringify(args.path)})[${JSON.stringify(name)}], enumerable: true }`,
      );
      return { contents: `module.exports = Object.defineProperties({}, { ${getters.join(', ')} });`, loader: 'js' };
    });
  },
};
/**
 * pg (to try a connection string given at create time) is a bundle of its
 * own, dist/pg-connect.cjs, which the CLI requires only when it needs it: a
 * run without a URL never parses it.
 */
const PG_CONNECT = './pg-connect.ts';
const pgConnectApart: Plugin = {
  name: 'pg-connect-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/pg-connect\.ts$/ }, () => ({ path: './pg-connect.cjs', external: true }));
  },
};

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
  // The toolkit's modules from its sources (package.json's exports): the toolkit is built after the CLI.
  conditions: ['neon-on-localhost-source'],
  plugins: [loadTerminalModulesOnUse, pgConnectApart, templateRegistryPlugin(`${root}/templates`), prebuiltWorkflowsPlugin(`${root}/templates`)],
});
// pg's optional native binding is never used.
await build({ ...common, entryPoints: [`${root}/src/scaffold/${PG_CONNECT}`], outfile: `${dist}/pg-connect.cjs`, external: ['pg-native'] });
chmodSync(`${dist}/create-neon-edge.cjs`, 0o755);
// The files a project may get, and nothing else: template.ts is bundled into the CLI above.
cpSync(`${root}/templates`, `${dist}/templates`, { recursive: true, filter: isTemplateFile });

const toolkit = `${root}/packages/neon-on-localhost`;
rmSync(`${toolkit}/dist`, { recursive: true, force: true });
execFileSync(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-p', `${toolkit}/tsconfig.build.json`], { stdio: 'inherit' });
chmodSync(`${toolkit}/dist/cli.js`, 0o755);
writeFileSync(`${root}/${STAMP}`, inputs);
// `npm run create` builds with --silent: nothing may come before the first prompt.
if (process.env.npm_config_loglevel !== 'silent') console.log('built dist/create-neon-edge.cjs, dist/templates and packages/neon-on-localhost/dist');
