// Starts serve.ts (`neon-on-localhost serve`) as a child process and resolves once it listens.
// Test runners use this rather than importing the proxy, so the proxy always
// runs in plain Node, whatever module conditions the runner's bundler applies.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { nodeArgsFor } from './node-script.ts';

export interface ProxyProcess {
  readonly address: string;
  /** The embedded database's URL (with its password: a secret), when one was asked for. */
  readonly databaseUrl?: string;
  stop(): Promise<void>;
}

/** A proxy process that listens, with its database (a project's embedded one) perhaps still getting ready. */
export interface ListeningProxy extends ProxyProcess {
  /** Resolves once the database is ready; rejects with its one-line reason (the process has then exited). */
  readonly ready: Promise<void>;
  /** With --test-databases: whether each test file gets a database of its own, or why not. */
  readonly testDatabases: Promise<{ perFile: true } | { perFile: false; reason: string }>;
}

/**
 * `allow`: the targets to relay to; or `{ embedded }` to serve an embedded
 * database (a dir, or 'memory'), with `project` that project's (project-database.ts).
 * Resolves once everything is ready.
 */
export async function spawnProxy(target: string[] | { embedded: string; project?: string }, port = 0): Promise<ProxyProcess> {
  const proxy = await listenProxyProcess(target, { port });
  await proxy.ready;
  return proxy;
}

/** The last line the child said on stderr, as the reason it stopped. */
const reasonOf = (errors: string, code: number | null) =>
  errors
    .trim()
    .split('\n')
    .pop()
    ?.replace(/^neon-on-localhost: /, '') || `the local proxy (neon-on-localhost serve) exited with code ${code} before it was ready`;

/**
 * As spawnProxy, resolving as soon as the proxy listens: a project's embedded
 * database opens behind it meanwhile (`ready`). `env`: more variables for the
 * child (secrets go here, never in argv).
 */
export function listenProxyProcess(
  target: string[] | { embedded: string; project?: string },
  options: { port?: number; env?: NodeJS.ProcessEnv; args?: string[] } = {},
): Promise<ListeningProxy> {
  // Compiled, this is dist/serve.js; from source (this repository's tests), serve.ts.
  const args = [...nodeArgsFor(import.meta.url, 'serve'), '--port', String(options.port ?? 0), ...(options.args ?? [])];
  const env = { ...process.env, ...options.env };
  // A throwaway database gets a fresh password, handed over in the environment (not argv, not output);
  // a folder has its own, in <dir>.password.
  const memory = !Array.isArray(target) && target.embedded === 'memory';
  if (memory) env.NEON_LOCALHOST_EMBEDDED_PASSWORD = randomBytes(24).toString('base64url');
  if (Array.isArray(target)) for (const allowed of target) args.push('--allow', allowed);
  else {
    args.push('--embedded', target.embedded);
    if (target.project) args.push('--project', target.project);
  }
  // An IPC channel that the child watches: it stops when this process ends, even killed outright.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env });
  child.channel?.unref();
  const stdout = child.stdout!;
  const stderr = child.stderr!;
  // Kept until it is ready (a failure is said once, in the rejection); passed through after.
  let errors = '';
  let passing = false;
  stderr.setEncoding('utf8');
  stderr.on('data', (chunk: string) => {
    if (passing) process.stderr.write(chunk);
    else errors += chunk;
  });
  const embeddedPassword = () =>
    memory ? env.NEON_LOCALHOST_EMBEDDED_PASSWORD! : readFileSync(`${(target as { embedded: string }).embedded}.password`, 'utf8').trim();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let output = '';
  stdout.setEncoding('utf8');
  const ready = new Promise<void>((resolve, reject) => {
    stdout.on('data', (chunk: string) => {
      output += chunk;
      if (!/^neon-on-localhost ready$/m.test(output)) return;
      passing = true;
      if (errors) process.stderr.write(errors);
      stdout.removeAllListeners('data');
      stdout.resume();
      resolve();
    });
    void exited.then((code) => reject(new Error(reasonOf(errors, code))));
  });
  ready.catch(() => {});
  const testDatabases = new Promise<{ perFile: true } | { perFile: false; reason: string }>((resolve, reject) => {
    const look = () => {
      const m = /^neon-on-localhost test-databases (per-file|shared (.*))$/m.exec(output);
      if (!m) return;
      stdout.off('data', look);
      resolve(m[1] === 'per-file' ? { perFile: true } : { perFile: false, reason: m[2] });
    };
    stdout.on('data', look);
    void ready.then(() => {
      look();
      resolve({ perFile: false, reason: 'they were not asked for' });
    }, reject);
  });
  testDatabases.catch(() => {});

  return new Promise((resolve, reject) => {
    const listening = () => {
      const m = /neon-on-localhost listening on (\S+)/.exec(output);
      if (!m) return;
      stdout.off('data', listening);
      const database = /neon-on-localhost database (\S+)/.exec(output)?.[1];
      resolve({
        address: m[1],
        databaseUrl: database && `postgres://postgres:${embeddedPassword()}@${database}/postgres`,
        ready,
        testDatabases,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    };
    stdout.on('data', listening);
    void exited.then((code) => reject(new Error(reasonOf(errors, code))));
    child.once('error', reject);
  });
}
