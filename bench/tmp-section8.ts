import { startPostgres } from '../test/support/postgres.ts';
import { useTestRegistry } from '../test/support/registry.ts';
import { embeddedPostgisSection, measureEmbeddedPostgis } from './embedded-postgis.ts';
const stop = await useTestRegistry();
const db = await startPostgres();
try {
  const rows = await measureEmbeddedPostgis(db.url, 3, (l) => process.stderr.write(`[bench] ${l}\n`));
  process.stdout.write(embeddedPostgisSection(rows) + '\n');
} finally {
  await db.destroy();
  await stop();
}
