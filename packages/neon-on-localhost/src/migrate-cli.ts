// `neon-on-localhost migrate [--dir migrations]`: a project's `npm run db:migrate`.
// Applies the pending migrations (see migrate.ts) to DATABASE_URL_UNPOOLED or
// DATABASE_URL (environment, .dev.vars, .env.local, .env; the two must name the
// same database, see checkedDatabaseUrl), or, with neither,
// to the embedded database in .neon-localhost/pgdata, opened for the run.

import path from 'node:path';
import { parseArgs } from 'node:util';
import { connectionFailedLine } from './connection-problem.ts';
import { checkedDatabaseUrl, envFileOf, maskDatabaseUrl } from './database-url.ts';
import { EMBEDDED_DATA_DIR, type EmbeddedPostgres } from './embedded.ts';
import { startProjectDatabase } from './project-database.ts';
import { migrate, MIGRATIONS_DIR, summary } from './migrate.ts';

function fail(message: string): never {
  console.error(`✖ ${message}`);
  process.exit(1);
}

let values: { dir?: string };
try {
  ({ values } = parseArgs({ options: { dir: { type: 'string', default: MIGRATIONS_DIR } }, strict: true }));
} catch (err) {
  fail(`${(err as Error).message.split('\n')[0]}: usage: neon-on-localhost migrate [--dir migrations]`);
}
const dir = path.resolve(values.dir ?? MIGRATIONS_DIR);
const cwd = process.cwd();
const checked = checkedDatabaseUrl(cwd);
if (checked.problem) fail(checked.problem);
let url = checked.migrationUrl;
let embedded: EmbeddedPostgres | undefined;
if (!url) {
  embedded = await startProjectDatabase(cwd, EMBEDDED_DATA_DIR).catch((err: Error) =>
    fail(
      /in use by process/.test(err.message)
        ? `${err.message.split(' (lock file')[0]}; npm start applies pending migrations each time it starts`
        : `the embedded database did not open: ${err.message.split('\n')[0]}. Set DATABASE_URL in ${envFileOf(cwd)} to migrate Neon or a local Postgres.`,
    ),
  );
  url = embedded.url;
  console.log(`No DATABASE_URL: migrating the embedded database (PGlite) in ${EMBEDDED_DATA_DIR}`);
} else {
  console.log(`Migrating ${maskDatabaseUrl(url)}`);
}
try {
  const result = await migrate(url, dir, (line) => console.log(line));
  for (const line of summary(result, dir)) console.log(line);
} catch (err) {
  process.exitCode = 1;
  console.error(`✖ ${connectionFailedLine(err, cwd, 'then migrate again') ?? maskDatabaseUrl((err as Error).message.split('\n')[0])}`);
} finally {
  await embedded?.close();
}
