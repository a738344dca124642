// Stand-ins for workerd's per-platform packages that the upstream registry
// lacks. workerd names one package per platform in its optionalDependencies
// (@cloudflare/workerd-darwin-64, …-windows-64, …); only the one matching the
// machine is installed, but yarn 1 fetches the metadata of every one of them
// and fails without it ("Couldn't find any versions for …"), and npm leaves
// them out of the lockfile, which `npm ci` then rejects ("Missing: … from lock
// file"). A registry mirror that only carries some platforms (this sandbox's)
// breaks both, though nothing the project does is wrong.
//
// So the test registry publishes, for each platform package of the workerd
// version(s) the templates depend on that upstream answers 404 for, a package
// with the same name and version and the real package's os/cpu/libc fields
// (read from upstream's newest release of that package), holding no binary:
// os/cpu keep every package manager from installing it on this machine. On a
// complete registry the list is empty and nothing is faked.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface StandIn {
  name: string;
  version: string;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

type Manifest = {
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
};

/** Cloudflare's packages through which the templates reach workerd; each pins the next exactly. */
const TOOLCHAIN = new Set(['wrangler', 'miniflare', '@cloudflare/vitest-plugin', '@cloudflare/vitest-pool-workers']);

const EXACT = /^\d+\.\d+\.\d+(?:-[\w.-]+)?$/;

/** One version's manifest from upstream, or undefined on 404. */
async function manifest(upstream: string, name: string, version: string): Promise<Manifest | undefined> {
  const url = new URL(`${name.replace('/', '%2f')}/${encodeURIComponent(version)}`, upstream);
  const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as Manifest;
}

/** The version a fresh install picks for `spec` (Cloudflare pins exactly; a range goes through npm view). */
function resolve(upstream: string, name: string, spec: string): string {
  if (EXACT.test(spec)) return spec;
  const out = execFileSync('npm', ['view', `${name}@${spec}`, 'version', '--json', '--registry', upstream], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const versions = JSON.parse(out) as string | string[];
  return Array.isArray(versions) ? versions[versions.length - 1] : versions;
}

/** The workerd versions the templates' Cloudflare toolchain depends on, read from upstream's manifests. */
export async function workerdVersions(upstream: string, templatesDir: string): Promise<string[]> {
  const queue: [string, string][] = [];
  for (const template of readdirSync(templatesDir, { withFileTypes: true })) {
    if (!template.isDirectory()) continue;
    const pkg = JSON.parse(readFileSync(path.join(templatesDir, template.name, 'package.json'), 'utf8')) as Manifest & {
      devDependencies?: Record<string, string>;
    };
    for (const [name, spec] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      if (TOOLCHAIN.has(name) || name === 'workerd') queue.push([name, spec]);
    }
  }
  const seen = new Set<string>();
  const workerd = new Set<string>();
  while (queue.length > 0) {
    const [name, spec] = queue.shift()!;
    const version = resolve(upstream, name, spec);
    if (seen.has(`${name}@${version}`)) continue;
    seen.add(`${name}@${version}`);
    if (name === 'workerd') {
      workerd.add(version);
      continue;
    }
    const m = await manifest(upstream, name, version);
    if (!m) throw new Error(`${name}@${version}: not on ${upstream}`);
    for (const [dep, depSpec] of Object.entries({ ...m.dependencies, ...m.optionalDependencies })) {
      if (TOOLCHAIN.has(dep) || dep === 'workerd') queue.push([dep, depSpec]);
    }
  }
  return [...workerd].sort();
}

/** workerd's platform packages of those versions that upstream answers 404 for, as stand-ins to publish. */
export async function missingWorkerdPlatforms(upstream: string, templatesDir: string): Promise<StandIn[]> {
  const missing: StandIn[] = [];
  for (const version of await workerdVersions(upstream, templatesDir)) {
    const workerd = await manifest(upstream, 'workerd', version);
    if (!workerd) throw new Error(`workerd@${version}: not on ${upstream}`);
    for (const [name, spec] of Object.entries(workerd.optionalDependencies ?? {})) {
      if (await manifest(upstream, name, spec)) continue;
      // The fields a stand-in must carry are the real package's: take them from its newest release upstream.
      const real = await manifest(upstream, name, 'latest');
      if (!real) {
        process.stderr.write(`platform stand-ins: ${name} is not on ${upstream} at all; no stand-in (its os/cpu are unknown)\n`);
        continue;
      }
      const standIn: StandIn = { name, version: spec, os: real.os, cpu: real.cpu, ...(real.libc ? { libc: real.libc } : {}) };
      if (installsHere(standIn)) {
        // It would be installed in place of the binary this machine needs: let the install fail on the real gap instead.
        process.stderr.write(`platform stand-ins: ${name}@${spec} is missing upstream and is this machine's own build; no stand-in\n`);
        continue;
      }
      missing.push(standIn);
    }
  }
  return missing;
}

/** Whether a package with these os/cpu fields would be installed on this machine. */
export function installsHere({ os, cpu }: StandIn, platform: string = process.platform, arch: string = process.arch): boolean {
  // npm's rule: an empty list allows all; otherwise the value is listed, or only negations are and it is not negated.
  const allows = (list: string[] | undefined, value: string) =>
    !list || list.length === 0 || list.includes(value) || (list.every((e) => e.startsWith('!')) && !list.includes(`!${value}`));
  return allows(os, platform) && allows(cpu, arch);
}

/** The package.json of a stand-in: no files, no scripts, no binary. */
export function standInPackageJson(standIn: StandIn): string {
  return `${JSON.stringify(
    {
      name: standIn.name,
      version: standIn.version,
      description: 'Test-only stand-in published to the throwaway test registry because the upstream registry lacks this platform build; holds no binary.',
      license: 'Apache-2.0',
      ...(standIn.os ? { os: standIn.os } : {}),
      ...(standIn.cpu ? { cpu: standIn.cpu } : {}),
      ...(standIn.libc ? { libc: standIn.libc } : {}),
    },
    null,
    2,
  )}\n`;
}
