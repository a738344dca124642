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

/**
 * `allow`: the targets to relay to; or `{ embedded }` to serve an embedded
 * database (a dir, or 'memory'), with `project` that project's (project-database.ts).
 */
export function spawnProxy(target: string[] | { embedded: string; project?: string }, port = 0): Promise<ProxyProcess> {
  // Compiled, this is dist/serve.js; from source (this repository's tests), serve.ts.
  const args = [...nodeArgsFor(import.meta.url, 'serve'), '--port', String(port)];
  const env = { ...process.env };
  // A throwaway database gets a fresh password, handed over in the environment (not argv, not output);
  // a folder has its own, in <dir>.password.
  const memory = !Array.isArray(target) && target.embedded === 'memory';
  if (memory) env.NEON_LOCALHOST_EMBEDDED_PASSWORD = randomBytes(24).toString('base64url');
  if (Array.isArray(target)) for (const allowed of target) args.push('--allow', allowed);
  else {
    args.push('--embedded', target.embedded);
    if (target.project) args.push('--project', target.project);
  }
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  // Kept until it listens (a failure is said once, in the rejection); passed through after.
  let errors = '';
  let listening = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (listening) process.stderr.write(chunk);
    else errors += chunk;
  });
  const embeddedPassword = () =>
    memory ? env.NEON_LOCALHOST_EMBEDDED_PASSWORD! : readFileSync(`${(target as { embedded: string }).embedded}.password`, 'utf8').trim();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      const m = /neon-on-localhost listening on (\S+)/.exec(output);
      if (!m) return;
      listening = true;
      if (errors) process.stderr.write(errors);
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      const database = /neon-on-localhost database (\S+)/.exec(output)?.[1];
      resolve({
        address: m[1],
        databaseUrl: database && `postgres://postgres:${embeddedPassword()}@${database}/postgres`,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
    child.once('exit', (code) => {
      // Its own last line says why (the embedded database would not open, the port is taken…).
      const why = errors.trim().split('\n').pop()?.replace(/^neon-on-localhost: /, '');
      reject(new Error(why || `the local proxy (neon-on-localhost serve) exited with code ${code} before listening`));
    });
    child.once('error', reject);
  });
}
