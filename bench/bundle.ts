// 4. What each template uploads, and how long the Worker takes to start:
// `wrangler check startup` builds the Worker as `wrangler deploy` would and
// profiles its startup in workerd. vercel-edge is bundled as Vercel's edge
// runtime would (one file per function, esbuild, browser/edge conditions).
// vercel-node's functions are bundled for Node the same way: Vercel traces
// node_modules instead of bundling, so this is the code a cold start loads.

import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { cleanEnv } from '../test/support/cli.ts';

export interface BundleSize {
  uploadKiB: number;
  gzipKiB: number;
  /** Local startup CPU time (ms), where wrangler measures it. */
  startupMs?: number;
}

export function workerBundle(project: string): BundleSize {
  const output = execFileSync('npx', ['wrangler', 'check', 'startup', '--outfile', path.join(project, '.wrangler', 'startup.cpuprofile')], {
    cwd: project,
    env: cleanEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  const size = /Bundle: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
  const active = /Active: ([\d.]+) ms/.exec(output);
  if (!size) throw new Error(`wrangler check startup gave no sizes:\n${output}`);
  return { uploadKiB: Number(size[1]), gzipKiB: Number(size[2]), startupMs: active ? Number(active[1]) : undefined };
}

export async function vercelFunctionBundles(project: string): Promise<Record<string, BundleSize>> {
  // esbuild is a devDependency of the generated project.
  const { build } = (await import(path.join(project, 'node_modules', 'esbuild', 'lib', 'main.js'))) as typeof import('esbuild');
  const sizes: Record<string, BundleSize> = {};
  for (const name of ['now', 'tx', 'nearest']) {
    const result = await build({
      entryPoints: [path.join(project, 'api', `${name}.ts`)],
      bundle: true,
      minify: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      conditions: ['edge-light', 'worker', 'browser'],
      logLevel: 'silent',
    });
    const code = result.outputFiles[0].contents;
    sizes[`api/${name}`] = { uploadKiB: code.length / 1024, gzipKiB: gzipSync(code).length / 1024 };
  }
  return sizes;
}

/** vercel-node's functions bundled for Node (esbuild from this repository: the project has none). */
export async function nodeFunctionBundles(project: string): Promise<Record<string, BundleSize>> {
  const { build } = await import('esbuild');
  const sizes: Record<string, BundleSize> = {};
  for (const name of ['now', 'tx']) {
    const result = await build({
      entryPoints: [path.join(project, 'api', `${name}.ts`)],
      bundle: true,
      minify: true,
      write: false,
      format: 'esm',
      platform: 'node',
      // pg's optional native binding is not installed, and not loaded unless asked for.
      external: ['pg-native'],
      logLevel: 'silent',
    });
    const code = result.outputFiles[0].contents;
    sizes[`api/${name}`] = { uploadKiB: code.length / 1024, gzipKiB: gzipSync(code).length / 1024 };
  }
  return sizes;
}
