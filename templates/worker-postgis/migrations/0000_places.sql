-- The places the Worker searches: the first migration (npm run db:migrate), and
-- also run by npm run db:setup before it loads the places. Safe to run again:
-- nothing is dropped.
create extension if not exists postgis;

create table if not exists places (
  id bigint primary key,
  name text not null,
  category text,
  country text,
  -- geography: distances in metres on the Earth, whatever the latitude.
  location geography(Point, 4326) not null
);

-- GiST index: lets `order by location <-> point limit 10` walk the index
-- nearest-first (KNN) instead of measuring every row.
create index if not exists places_location_idx on places using gist (location);
