// The tables, in TypeScript: edit this, then `npm run db:generate` writes the
// SQL migration into migrations/ and `npm run db:migrate` (or npm start /
// npm test) applies it.
import { bigint, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** An example table: edit or replace it. */
export const notes = pgTable('notes', {
  id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  body: text().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
