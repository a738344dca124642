// drizzle-kit generates the SQL migrations from src/db/schema.ts into
// migrations/, next to the plain 0000_places.sql, where neon-on-localhost's
// runner applies them (npm run db:migrate, and npm start / npm test before
// they begin). migrations/meta/ starts with a snapshot of places as that
// migration creates it, so generate only writes what you add.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './migrations',
});
