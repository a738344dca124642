// The answer as a page, for a browser (GET / with Accept: text/html): the
// caller's point and the 10 nearest places on a map, each with its name and
// distance, and the same places as a list. Drawn here, in the Worker, as SVG:
// no script, no tile server, no key, and it works offline. The coastlines are
// Natural Earth's 1:110m land (public domain, from the npm package world-atlas),
// projected with d3-geo:
//
//   - the main map is centred on the caller (azimuthal equidistant: distances
//     from the centre are true), zoomed to fit the 10 places;
//   - a small world map shows where that is.
//
// The world outline is turned into GeoJSON once per isolate, not per request.

import { geoAzimuthalEquidistant, geoCircle, geoNaturalEarth1, geoPath, type GeoPermissibleObjects } from 'd3-geo';
import { html, raw } from 'hono/html';
import { feature } from 'topojson-client';
import land from 'world-atlas/land-110m.json';
import type { NearbyPlace, Point } from './places.ts';

export const MAP_ATTRIBUTION = 'Coastlines: Natural Earth (public domain), via world-atlas';

const WIDTH = 720;
const HEIGHT = 480;
const INSET = { width: 200, height: 104 };

let world: GeoPermissibleObjects | undefined;
const worldOutline = (): GeoPermissibleObjects => {
  const topology = land as unknown as Parameters<typeof feature>[0];
  world ??= feature(topology, topology.objects.land);
  return world;
};

/** "740 m", "1.2 km", "38 km": as a person reads a distance. */
export function formatDistance(metres: number): string {
  if (metres < 1000) return `${Math.round(metres)} m`;
  if (metres < 10_000) return `${(metres / 1000).toFixed(1)} km`;
  return `${Math.round(metres / 1000).toLocaleString('en')} km`;
}

const fixed = (n: number) => n.toFixed(1);

/** The main map: centred on `here`, zoomed so that every place fits with room for its label. */
function localMap(here: Point, places: NearbyPlace[], coordinates: [number, number][]) {
  const farthest = Math.max(...places.map((p) => p.distance_m), 500);
  // A circle through the farthest place frames the map, so the scale is known from the distance.
  const frame = geoCircle()
    .center([here.lng, here.lat])
    .radius(((farthest * 1.15) / 6_371_008.8) * (180 / Math.PI))();
  // Clipped to the map's edges and drawn to 0.1 px, so the page holds only the coastline in view.
  const projection = geoAzimuthalEquidistant()
    .rotate([-here.lng, -here.lat])
    .fitExtent(
      [
        [60, 30],
        [WIDTH - 60, HEIGHT - 30],
      ],
      frame,
    )
    .clipExtent([
      [0, 0],
      [WIDTH, HEIGHT],
    ]);
  const path = geoPath(projection).digits(1);
  const at = (lng: number, lat: number) => projection([lng, lat]) ?? [WIDTH / 2, HEIGHT / 2];
  const [cx, cy] = at(here.lng, here.lat);
  const ring =
    path(
      geoCircle()
        .center([here.lng, here.lat])
        .radius((farthest / 6_371_008.8) * (180 / Math.PI))(),
    ) ?? '';
  // Labels are placed nearest first; one that would overlap a label already placed moves down a line.
  const placed: { x0: number; x1: number; y: number }[] = [{ x0: cx - 45, x1: cx + 45, y: cy - 14 }]; // "You are here"
  const markers = places.map((place, i) => {
    const [x, y] = at(...coordinates[i]);
    const label = `${i + 1}. ${place.name} · ${formatDistance(place.distance_m)}`;
    const anchor = x > WIDTH * 0.7 ? 'end' : 'start';
    const width = label.length * 6.6;
    const x0 = anchor === 'end' ? x - 9 - width : x + 9;
    let labelY = y + 4;
    while (placed.some((p) => p.x0 < x0 + width && x0 < p.x1 && Math.abs(p.y - labelY) < 14)) labelY += 14;
    placed.push({ x0, x1: x0 + width, y: labelY });
    const leader =
      labelY - y > 10 ? html`<line x1="${fixed(x)}" y1="${fixed(y)}" x2="${fixed(anchor === 'end' ? x - 8 : x + 8)}" y2="${fixed(labelY - 4)}"/>` : '';
    return html`<g class="place">${leader}<circle cx="${fixed(x)}" cy="${fixed(y)}" r="5"/><text x="${fixed(anchor === 'end' ? x - 9 : x + 9)}" y="${fixed(labelY)}" text-anchor="${anchor}">${label}</text></g>`;
  });
  return html`<svg class="map" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="Map of the 10 places nearest to ${here.lat}, ${here.lng}">
  <rect class="sea" width="${WIDTH}" height="${HEIGHT}"/>
  <path class="land" d="${raw(path(worldOutline()) ?? '')}"/>
  <path class="ring" d="${raw(ring)}"/>
  ${markers}
  <g class="you"><circle cx="${fixed(cx)}" cy="${fixed(cy)}" r="8"/><circle cx="${fixed(cx)}" cy="${fixed(cy)}" r="2.5" class="dot"/><text x="${fixed(cx)}" y="${fixed(cy - 14)}" text-anchor="middle">You are here</text></g>
  <text class="scale" x="${WIDTH - 12}" y="${HEIGHT - 12}" text-anchor="end">ring: ${formatDistance(farthest)} from you</text>
</svg>`;
}

/** A small world map with the caller's point on it. */
const insetProjection = geoNaturalEarth1().fitSize([INSET.width, INSET.height], { type: 'Sphere' });
let insetPaths: { sphere: string; land: string } | undefined;

function insetMap(here: Point) {
  // The same for every caller: drawn once per isolate.
  const path = geoPath(insetProjection).digits(1);
  insetPaths ??= { sphere: path({ type: 'Sphere' }) ?? '', land: path(worldOutline()) ?? '' };
  const [x, y] = insetProjection([here.lng, here.lat]) ?? [0, 0];
  return html`<svg class="inset" viewBox="0 0 ${INSET.width} ${INSET.height}" width="${INSET.width}" height="${INSET.height}" role="img" aria-label="Where that is on the world map">
  <path class="sphere" d="${raw(insetPaths.sphere)}"/>
  <path class="land" d="${raw(insetPaths.land)}"/>
  <circle class="here" cx="${fixed(x)}" cy="${fixed(y)}" r="4"/>
</svg>`;
}

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 24px; color: #1d2a33; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
.where { color: #52616b; margin: 0 0 12px; }
.maps { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.map { display: block; max-width: 100%; height: auto; border: 1px solid #c9d3da; border-radius: 6px; }
.inset { background: #fff; border: 1px solid #c9d3da; border-radius: 4px; }
.sea { fill: #e8f1f7; } .sphere { fill: #e8f1f7; } .land { fill: #f6f1e4; stroke: #b9ad8f; stroke-width: 0.6; }
.ring { fill: none; stroke: #8aa2b3; stroke-dasharray: 4 4; }
.place circle { fill: #c2410c; stroke: #fff; stroke-width: 1.5; } .place line { stroke: #c2410c; stroke-width: 0.8; } .place text { font-size: 12px; fill: #1d2a33; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.you circle { fill: #1d4ed8; fill-opacity: 0.2; stroke: #1d4ed8; stroke-width: 2; } .you .dot { fill: #1d4ed8; fill-opacity: 1; }
.you text { font-size: 12px; font-weight: 600; fill: #1d4ed8; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.here { fill: #dc2626; stroke: #fff; }
.scale { font-size: 11px; fill: #52616b; }
ol { padding-left: 24px; } li { margin: 2px 0; } .distance { color: #52616b; }
footer { margin-top: 16px; font-size: 12px; color: #52616b; }`;

/**
 * The page for `here` (the point the answer is for: the caller's 0.01° cell)
 * and its places. `coordinates[i]` is `places[i]`'s [lng, lat]. Every value
 * from the database is escaped (hono/html).
 */
export async function renderMapPage(here: Point, places: NearbyPlace[], coordinates: [number, number][], attribution: string): Promise<string> {
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>The 10 places nearest to ${here.lat}, ${here.lng}</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<h1>The 10 places nearest to you</h1>
<p class="where">Your point, rounded to 0.01°: ${here.lat}, ${here.lng}</p>
<div class="maps">${localMap(here, places, coordinates)}${insetMap(here)}</div>
<ol class="places">
${places.map((p) => html`<li><span class="name">${p.name}</span>${p.country ? html` (${p.country})` : ''} <span class="distance">${formatDistance(p.distance_m)}</span></li>`)}
</ol>
<footer>${attribution}. ${MAP_ATTRIBUTION}. The same answer as JSON: request it with <code>Accept: application/json</code>.</footer>
</body>
</html>
`;
  return (await page).toString();
}
