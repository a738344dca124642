-- An example migration: edit it before your first deploy, or leave it and add
-- the next one as 0001_<what>.sql. `npm run db:migrate` (and `npm start`,
-- `npm test` before they begin) applies each file here once, in name order,
-- in its own transaction, and records it in neon_on_localhost_migrations.
create table notes (
  id bigint generated always as identity primary key,
  body text not null,
  created_at timestamptz not null default now()
);
