// Starts serve.ts (`neon-on-localhost serve`) as a child process and resolves once it listens.
// Test runners use this rather than importing the proxy, so the proxy always
// runs in plain Node, whatever module conditions the runner's bundler applies.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ProxyProcess {
  readonly address: string;
  /** The embedded database's URL, when one was asked for. */
  readonly databaseUrl?: string;
  stop(): Promise<void>;
}

/** `allow`: the targets to relay to; or `{ embedded }` to serve an embedded database (a dir, or 'memory'). */
export function spawnNeonLocalProxy(target: string[] | { embedded: string }, port = 0): Promise<ProxyProcess> {
  // Compiled, this is dist/serve.js; from source (this repository's tests), serve.ts.
  const fromSource = import.meta.url.endsWith('.ts');
  const main = fileURLToPath(new URL(fromSource ? './serve.ts' : './serve.js', import.meta.url));
  const args = [...(fromSource ? ['--experimental-strip-types', '--no-warnings'] : []), main, '--port', String(port)];
  if (Array.isArray(target)) for (const allowed of target) args.push('--allow', allowed);
  else args.push('--embedded', target.embedded);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      const m = /neon-local listening on (\S+)/.exec(output);
      if (!m) return;
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      resolve({
        address: m[1],
        databaseUrl: /neon-local database (\S+)/.exec(output)?.[1],
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
    child.once('exit', (code) => reject(new Error(`neon-local exited with code ${code} before listening`)));
    child.once('error', reject);
  });
}
