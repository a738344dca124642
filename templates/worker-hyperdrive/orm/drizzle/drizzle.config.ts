// drizzle-kit generates the SQL migrations from src/db/schema.ts into
// migrations/, where neon-on-localhost's runner applies them (npm run
// db:migrate, and npm start / npm test before they begin): one folder, one
// record of what was applied, for Neon, a local Postgres and the embedded one.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './migrations',
});
