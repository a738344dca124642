// `npm start`: starts the local proxy when DATABASE_URL is on this machine,
// then runs the dev server given as arguments, with `{proxy}` in them replaced
// by the proxy's address. Ctrl-C stops both.
//
//   node neon-local/dev.ts wrangler dev --var NEON_LOCAL_PROXY:{proxy}

import { spawn } from 'node:child_process';
import { isLocalDatabaseUrl, maskDatabaseUrl, readDatabaseUrl } from './database-url.ts';
import { startNeonLocalProxy, type NeonLocalProxy } from './proxy.ts';
import { targetOf } from './targets.ts';
import { DEFAULT_LOCAL_PROXY } from './configure-driver.ts';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node neon-local/dev.ts <command> [args...]   ({proxy} in args becomes the proxy address)');
  process.exit(2);
}

const databaseUrl = readDatabaseUrl(process.cwd());
let proxy: NeonLocalProxy | undefined;
if (!databaseUrl) {
  console.warn('[neon-local] DATABASE_URL is not set: add it to .dev.vars to query a database');
} else if (isLocalDatabaseUrl(databaseUrl)) {
  const port = Number(process.env.NEON_LOCAL_PORT ?? DEFAULT_LOCAL_PROXY.split(':')[1]);
  const allow = [targetOf(databaseUrl)];
  proxy = await startNeonLocalProxy({ allow, port }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE') throw err;
    return startNeonLocalProxy({ allow, port: 0 }); // the usual port is taken: any free one does
  });
  console.log(`[neon-local] proxy on ${proxy.address} → ${maskDatabaseUrl(databaseUrl)}`);
} else {
  console.log(`[neon-local] using ${maskDatabaseUrl(databaseUrl)} directly (no local proxy needed)`);
}

const proxyAddress = proxy?.address ?? DEFAULT_LOCAL_PROXY;
const child = spawn(command, args.map((a) => a.replaceAll('{proxy}', proxyAddress)), { stdio: 'inherit' });

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    stopping = true;
    child.kill(signal);
  });
}
child.on('error', async (err) => {
  console.error(`[neon-local] could not start ${command}: ${err.message}`);
  await proxy?.close();
  process.exit(1);
});
child.on('exit', async (code, signal) => {
  await proxy?.close();
  process.exit(code ?? (stopping || signal ? 0 : 1));
});
