// The schema drizzle-kit turns into a migration, and the runtime drivers query.
import { integer, jsonb, numeric, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';

export const notes = pgTable('notes', {
  id: serial('id').primaryKey(),
  title: text('title').notNull().unique(),
  tags: text('tags').array(),
  meta: jsonb('meta').$type<{ stars: number; by?: string | null }>(),
  amount: numeric('amount', { precision: 12, scale: 2 }),
  at: timestamp('at', { withTimezone: true }),
  views: integer('views').notNull().default(0),
});
