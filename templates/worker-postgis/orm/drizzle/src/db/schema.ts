// The tables, in TypeScript, so Drizzle's queries are typed.
//
// `places` is owned by the plain SQL migration migrations/0000_places.sql
// (which also creates the postgis extension, and which npm run db:setup runs
// before it loads the places): it is declared here only to be queried. The
// drizzle-kit snapshot in migrations/meta/ already records it as of that
// migration, so `npm run db:generate` writes migrations for the tables you add
// below, never one that re-creates places.
import { bigint, customType, index, pgTable, text } from 'drizzle-orm/pg-core';

/**
 * PostGIS geography(Point, 4326): metres on the Earth. Read as its hex EWKB
 * text; compare and order it with sql`…` (st_distance, `<->`), as the routes do.
 * Using it in a new table: drizzle-kit quotes types it does not know, so in
 * the generated migration write "geography(Point,4326)" without the quotes.
 */
export const geographyPoint = customType<{ data: string; driverData: string }>({
  dataType: () => 'geography(Point,4326)',
});

export const places = pgTable(
  'places',
  {
    id: bigint({ mode: 'number' }).primaryKey(),
    name: text().notNull(),
    category: text(),
    country: text(),
    location: geographyPoint().notNull(),
  },
  // The GiST index `order by location <-> point` walks nearest-first.
  (t) => [index('places_location_idx').using('gist', t.location)],
);
