import { h, svg } from '../dom.js';
import { t } from '../i18n.js';
import { bottomCentre, pointInPolygon } from './zone-geometry.js';

const pct = (v) => `${v * 100}%`;
const boxStyle = ([x1, y1, x2, y2]) =>
  `left:${pct(x1)};top:${pct(y1)};width:${pct(x2 - x1)};height:${pct(y2 - y1)}`;
const listPoints = (points) => points.map((p) => p.join(',')).join(' ');
const isSelected = (selected, kind, index) => selected?.kind === kind && selected.index === index;

/** The line_crossing scenarios of the camera, with their index among its scenarios. */
export const linesOf = (camera) =>
  camera.scenarios.flatMap((s, index) => (s.type === 'line_crossing' ? [{ scenario: s, index }] : []));

/** The detections of the snapshot, each with whether it stands in `polygon` (by its bottom centre). */
export function placeObjects(objects, polygon) {
  return objects.map((o) => ({
    ...o,
    inside: polygon ? pointInPolygon(bottomCentre(o.box), polygon) : false,
  }));
}

/**
 * What is drawn over the snapshot: suppression regions, zones and counting lines of the camera
 * (SVG, in normalised coordinates), the detections of the snapshot's event coloured by whether
 * they stand in the selected zone, and a focusable handle per point of the selected shape.
 * `on` holds the editor's handlers: select(kind, index), grab(kind, index, point, event),
 * key(kind, index, point, event).
 */
export function overlay(state, on) {
  const { camera, selected } = state;
  const zonePolygon = selected?.kind === 'zone' ? camera.zones[selected.index]?.points : undefined;
  const shapes = svg(
    'svg',
    { class: 'zone-shapes', viewBox: '0 0 1 1', preserveAspectRatio: 'none' },
    state.regions.map((r) =>
      svg('rect', {
        class: 'suppression-region',
        'data-region': r.id,
        x: r.box[0],
        y: r.box[1],
        width: r.box[2] - r.box[0],
        height: r.box[3] - r.box[1],
        'vector-effect': 'non-scaling-stroke',
      }),
    ),
    camera.zones.map((zone, index) =>
      svg(
        'polygon',
        {
          class: `zone-shape${isSelected(selected, 'zone', index) ? ' selected' : ''}`,
          'data-zone': zone.name,
          points: listPoints(zone.points),
          tabindex: 0,
          role: 'button',
          'aria-label': t('zones.shape.zone', { name: zone.name, n: zone.points.length }),
          'vector-effect': 'non-scaling-stroke',
          onclick: (e) => on.select('zone', index, undefined, e),
          onkeydown: (e) => on.key('zone', index, undefined, e),
        },
        svg('title', {}, zone.name),
      ),
    ),
    linesOf(camera).map(({ scenario, index }) =>
      svg(
        'line',
        {
          class: `line-shape${isSelected(selected, 'line', index) ? ' selected' : ''}`,
          'data-line': scenario.name ?? '',
          x1: scenario.line[0][0],
          y1: scenario.line[0][1],
          x2: scenario.line[1][0],
          y2: scenario.line[1][1],
          tabindex: 0,
          role: 'button',
          'aria-label': t('zones.shape.line', { name: scenario.name ?? '' }),
          'vector-effect': 'non-scaling-stroke',
          onclick: (e) => on.select('line', index, undefined, e),
          onkeydown: (e) => on.key('line', index, undefined, e),
        },
        svg('title', {}, scenario.name ?? ''),
      ),
    ),
    state.draft.length > 0
      ? svg('polyline', {
          class: 'draft-shape',
          points: listPoints([...state.draft, ...(state.mode === 'zone' ? [state.draft[0]] : [])]),
          'vector-effect': 'non-scaling-stroke',
        })
      : null,
  );
  return [
    shapes,
    placeObjects(state.objects, zonePolygon).map((o, i) =>
      h(
        'div',
        {
          class: `detection ${zonePolygon ? (o.inside ? 'inside' : 'outside') : ''}`,
          style: boxStyle(o.box),
          dataset: { index: String(i), label: o.label },
          title: `${o.label} ${o.score.toFixed(2)}`,
        },
        h('span', { class: 'foot', 'aria-hidden': 'true' }),
      ),
    ),
    handles(state, on),
    state.mode !== 'idle' && state.keyboardCursor
      ? h('div', {
          class: 'draw-cursor',
          style: `left:${pct(state.cursor[0])};top:${pct(state.cursor[1])}`,
          'aria-hidden': 'true',
        })
      : null,
  ];
}

function handles(state, on) {
  const { camera, selected } = state;
  if (!selected) return [];
  const points =
    selected.kind === 'zone' ? camera.zones[selected.index]?.points : camera.scenarios[selected.index]?.line;
  return (points ?? []).map((p, point) =>
    h('button', {
      type: 'button',
      class: `handle${selected.point === point ? ' selected' : ''}`,
      style: `left:${pct(p[0])};top:${pct(p[1])}`,
      dataset: { point: String(point) },
      'aria-label': t('zones.shape.point', { n: point + 1, x: p[0].toFixed(3), y: p[1].toFixed(3) }),
      onpointerdown: (e) => on.grab(selected.kind, selected.index, point, e),
      onkeydown: (e) => on.key(selected.kind, selected.index, point, e),
      onfocus: () => {
        if (selected.point !== point) on.select(selected.kind, selected.index, point);
      },
    }),
  );
}
