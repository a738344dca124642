// 1. Scaffold time: create-neon-edge against create-vite (a devDependency), each
// as a whole process writing a project to disk, alternating, medians.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI, cleanEnv } from '../test/support/cli.ts';
import { median } from './stats.ts';

const require = createRequire(import.meta.url);
const CREATE_VITE = path.join(path.dirname(require.resolve('create-vite/package.json')), 'index.js');

export interface ScaffoldResult {
  runs: number;
  oursMs: number;
  viteMs: number;
  ratio: number;
}

function once(args: string[], cwd: string): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return elapsed;
}

export function measureScaffold(runs: number): ScaffoldResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'neon-edge-bench-scaffold-'));
  const ours: number[] = [];
  const vite: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      ours.push(once([CLI, `ours-${i}`, '--yes', '--no-install', '--no-git'], dir));
      vite.push(once([CREATE_VITE, `vite-${i}`, '--template', 'vanilla-ts', '--no-interactive'], dir));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const oursMs = median(ours);
  const viteMs = median(vite);
  return { runs, oursMs, viteMs, ratio: oursMs / viteMs };
}
