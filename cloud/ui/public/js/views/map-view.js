import { api } from '../api.js';
import { h, replace, svg } from '../dom.js';
import { loadPlaces, loadVocabulary, stateName, typeName } from '../format.js';
import { t } from '../i18n.js';
import { filterBar, followTickets, readFilters, ticketQuery } from '../ticket-filters.js';

const LEVEL_ORDER = ['district', 'street', 'community', 'grid'];
const SCALE = 100_000;

/** An equirectangular projection of the places' extent into SVG units (north up, metres-ish). */
function projection(features) {
  const points = features.flatMap((f) => f.geometry.coordinates.flat(2));
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  const [minLon, maxLon, minLat, maxLat] = [
    Math.min(...lons),
    Math.max(...lons),
    Math.min(...lats),
    Math.max(...lats),
  ];
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const project = ([lon, lat]) => [(lon - minLon) * k * SCALE, (maxLat - lat) * SCALE];
  const [w, hgt] = project([maxLon, minLat]);
  return { project, width: w, height: hgt };
}

const ringPath = (ring, project) =>
  `M${ring
    .map((p) =>
      project(p)
        .map((v) => v.toFixed(1))
        .join(','),
    )
    .join('L')}Z`;

function centre(feature, project) {
  const ring = feature.geometry.coordinates[0][0];
  const xy = ring.map(project);
  return [
    (Math.min(...xy.map((p) => p[0])) + Math.max(...xy.map((p) => p[0]))) / 2,
    (Math.min(...xy.map((p) => p[1])) + Math.max(...xy.map((p) => p[1]))) / 2,
  ];
}

/** The grid hierarchy drawn from the cloud's GeoJSON (no tile server), with cameras and tickets on it. */
export async function renderMap(root, ctx) {
  const places = await loadPlaces();
  const cameras = await api('/cameras');
  const { project, width, height } = projection(places.features);
  const pad = Math.max(width, height) * 0.03;
  const ticketLayer = svg('g', { class: 'tickets' });
  const sorted = [...places.features].sort(
    (a, b) => LEVEL_ORDER.indexOf(a.properties.level) - LEVEL_ORDER.indexOf(b.properties.level),
  );
  const fontSize = Math.max(width, height) / 60;
  const map = svg(
    'svg',
    { class: 'map', viewBox: `${-pad} ${-pad} ${width + 2 * pad} ${height + 2 * pad}`, role: 'img' },
    sorted.map((f) =>
      svg(
        'path',
        {
          class: `place level-${f.properties.level}`,
          d: f.geometry.coordinates.map((poly) => poly.map((r) => ringPath(r, project)).join('')).join(''),
          'data-place': f.properties.id,
        },
        svg('title', {}, f.properties.name),
      ),
    ),
    sorted
      .filter((f) => f.properties.level === 'street' || f.properties.level === 'community')
      .map((f) => {
        const [x, y] = centre(f, project);
        const size = f.properties.level === 'street' ? fontSize * 1.4 : fontSize;
        return svg(
          'text',
          {
            class: `label level-${f.properties.level}`,
            x,
            y: f.properties.level === 'street' ? y - size * 3 : y,
            'font-size': size,
            'text-anchor': 'middle',
          },
          f.properties.name,
        );
      }),
    cameras.map((c) => {
      const [x, y] = project([c.lon, c.lat]);
      const s = fontSize * 0.5;
      return svg(
        'path',
        { class: 'camera', d: `M${x},${y - s}L${x + s},${y + s}L${x - s},${y + s}Z` },
        svg('title', {}, `${c.name} (${c.id})`),
      );
    }),
    ticketLayer,
  );
  const bar = filterBar(places, await loadVocabulary(), () => load().catch(ctx.fail));
  const count = h('span', { class: 'muted' });
  replace(
    root,
    h('div', { class: 'map-head' }, bar, count, h('span', { class: 'muted' }, t('map.legend'))),
    h('div', { class: 'map-wrap' }, map),
  );

  async function load() {
    const { tickets } = await api(`/tickets?${ticketQuery(readFilters(bar))}&limit=1000`);
    const placed = tickets.filter((tk) => tk.location);
    count.textContent = t('tickets.count', { n: placed.length });
    ticketLayer.replaceChildren(
      ...placed.map((tk) => {
        const [x, y] = project([tk.location.lon, tk.location.lat]);
        return svg(
          'g',
          {
            class: `ticket state-${tk.state}${tk.overdue ? ' overdue' : ''}`,
            'data-ticket-id': tk.id,
            onclick: () => ctx.navigate(`#/tickets/${tk.id}`),
          },
          tk.overdue ? svg('circle', { class: 'ring', cx: x, cy: y, r: fontSize * 0.9 }) : null,
          svg('circle', { cx: x, cy: y, r: fontSize * 0.55 }),
          svg('title', {}, `#${tk.id} ${typeName(tk.category)} · ${stateName(tk.state)}`),
        );
      }),
    );
  }
  return followTickets(ctx, load);
}
