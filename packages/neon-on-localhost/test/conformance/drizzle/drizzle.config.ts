// drizzle-kit's configuration for the conformance suite: the migration goes to
// a temporary folder, and `migrate` reaches the database named by DATABASE_URL.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './schema.ts',
  out: process.env.DRIZZLE_OUT,
  dbCredentials: { url: process.env.DATABASE_URL ?? '' },
});
