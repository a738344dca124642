#!/usr/bin/env node
// Entry point of `npm create neon-edge` / `create-neon-edge`: checks Node,
// turns on Node's compile cache (the bundled CLI then starts from cached
// bytecode on every run after the first), and loads the CLI.
import module from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`✖ create-neon-edge needs Node.js 22.12 or newer (this is ${process.version}): install a current Node.js and run it again.\n`);
  process.exit(1);
}
module.enableCompileCache?.();
await import('./cli.ts');
