// 3. Latency through the real dev servers (wrangler dev → workerd; the
// edge-runtime server for Vercel) against the local proxy and Postgres:
// N sequential requests, then M concurrent clients, p50/p95 per route; and
// worker-postgis' cache MISS against HIT.

import { percentile, timed } from './stats.ts';

export interface Latency {
  p50: number;
  p95: number;
  count: number;
}

function summary(samples: number[]): Latency {
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), count: samples.length };
}

async function get(url: string, expected: (status: number) => boolean = (s) => s === 200): Promise<void> {
  const response = await fetch(url);
  await response.arrayBuffer();
  if (!expected(response.status)) throw new Error(`${url}: ${response.status}`);
}

export async function sequential(url: (i: number) => string, count: number): Promise<Latency> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) samples.push(await timed(() => get(url(i))));
  return summary(samples);
}

/** The dev server's own cost per request: a path that answers 404 without touching the database. */
export async function floor(base: string, count: number): Promise<Latency> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) samples.push(await timed(() => get(`${base}/no-such-route`, (s) => s === 404)));
  return summary(samples);
}

/** `clients` loops at once, `perClient` requests each. */
export async function concurrent(url: (i: number) => string, clients: number, perClient: number): Promise<Latency> {
  const samples: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < perClient; i++) samples.push(await timed(() => get(url(next++))));
    }),
  );
  return summary(samples);
}

/** A different 0.01° cell for every i (never cached), spread over the inhabited world. */
export function missPoint(i: number): string {
  const lat = (((i * 37) % 120) - 55 + (i % 97) / 100).toFixed(2);
  const lng = (((i * 73) % 340) - 170 + (i % 89) / 100).toFixed(2);
  return `lat=${lat}&lng=${lng}`;
}
