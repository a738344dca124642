// What the end-to-end files with no DATABASE_URL share: the embedded
// database's address, as `npm start` announces it.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DevServer } from './dev-server.ts';

/** The embedded database's address, as `npm start` announces it, with the project's password. */
export function embeddedUrl(dev: DevServer, project: string): string {
  const address = /using embedded Postgres \(PGlite\) at \.neon-localhost\/pgdata, serving on (\S+)/.exec(dev.output())?.[1];
  if (!address) throw new Error(`npm start did not announce the embedded database:\n${dev.output()}`);
  const password = readFileSync(path.join(project, '.neon-localhost', 'pgdata.password'), 'utf8').trim();
  return `postgres://postgres:${password}@${address}/postgres`;
}
