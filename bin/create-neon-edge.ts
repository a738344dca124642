#!/usr/bin/env node
// Entry point of `npm create neon-edge` / `create-neon-edge`: checks Node,
// turns on Node's compile cache (the bundled CLI then starts from cached
// bytecode on every run after the first), and loads the CLI.
//
// Both this file and the CLI are built as CommonJS (dist/*.cjs): `require`
// skips Node's ES module loader, whose per-module work is most of a
// scaffold's start-up.
import module from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  // With only the npm registry at hand, npx can fetch a Node 22 for the one command.
  process.stderr.write(
    `✖ create-neon-edge needs Node.js 22.12 or newer (this is ${process.version}): run it with Node.js 22 from the npm registry, npx -y -p node@22 -- npm create neon-edge@latest, with your arguments after it (or install Node.js 22).\n`,
  );
  process.exit(1);
}
module.enableCompileCache?.();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- `require` skips the ES module loader (see the top of this file)
const { main } = require('./cli.cjs') as typeof import('../src/scaffold/run.ts');
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
