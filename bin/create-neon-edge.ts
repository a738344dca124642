#!/usr/bin/env node
// Entry point of `npm create neon-edge` / `create-neon-edge`.
import { main } from '../src/scaffold/run.ts';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`✖ create-neon-edge needs Node.js 22.12 or newer (this is ${process.version}): install a current Node.js and run it again.\n`);
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
