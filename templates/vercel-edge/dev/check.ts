// `npm run check`: an offline look at what `vercel deploy` would build, as
// `wrangler deploy --dry-run` is for a Worker. Each file in api/ is bundled on
// its own for the edge runtime, the Web APIs only, as Vercel does: a Node
// built-in, a missing import or a bundle past the edge size limit fails here,
// with no account and no upload.

import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { routeOf } from './router.ts';

// Vercel's limit for an edge function on the Hobby plan (gzip), the smallest one.
const LIMIT_BYTES = 1024 * 1024;

function functionFiles(dir = 'api'): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? functionFiles(`${dir}/${e.name}`) : /^[^.].*(?<!\.d)\.[cm]?[jt]s$/.test(e.name) ? [`${dir}/${e.name}`] : [],
  );
}

let failed = 0;
for (const file of functionFiles().sort()) {
  try {
    const out = await build({
      entryPoints: [file],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['edge-light', 'worker', 'browser'],
      logLevel: 'silent',
    });
    const size = gzipSync(out.outputFiles[0].contents).length;
    if (size > LIMIT_BYTES) throw new Error(`${(size / 1024).toFixed(0)} KiB gzipped, over the edge limit of 1 MiB`);
    console.log(`✔ ${routeOf(file).padEnd(20)} ${file} (${(size / 1024).toFixed(1)} KiB gzipped)`);
  } catch (err) {
    failed++;
    console.error(`✖ ${routeOf(file).padEnd(20)} ${file}: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`);
  }
}
if (failed) {
  console.error(`${failed} function(s) would not deploy to the edge runtime (Web APIs only: no node: modules).`);
  process.exit(1);
}
console.log(`All functions build for the edge runtime (${path.basename(process.cwd())}); npm run deploy uploads them.`);
