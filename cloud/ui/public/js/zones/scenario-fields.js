/**
 * The scenario types the zone editor offers and the fields of each that it has a form for, as in
 * the edge's schemas (edge/scenarios/*; test/ui/zone-editor-fields.test.ts keeps the two equal).
 * Kinds: `seconds` (> 0), `int` (≥ min), `fraction` (0..1, or (0..max] with `positive`),
 * `labels` (one or more, comma separated), `id` (lower-case letters, digits, _ and -), `text`,
 * `choice` (one of `options`), `choices` (some of `options`). `fallback` is the edge's default,
 * shown as the placeholder; a field left empty is left out, so the edge's default applies. Fields
 * a type has but the form does not (occupation's `ignore` polygons, muck_truck's `plates`...)
 * are kept as they were in the config.
 */

const timing = (clear) => [
  { name: 'clearSeconds', kind: 'seconds', fallback: clear },
  { name: 'minUpdateSeconds', kind: 'seconds', fallback: 10 },
];
const radius = { name: 'stationaryRadius', kind: 'fraction', positive: true, fallback: 0.02 };

export const SCENARIO_FIELDS = {
  loitering: [
    { name: 'labels', kind: 'labels', required: true },
    { name: 'minDwellSeconds', kind: 'seconds', required: true },
    { name: 'minObjects', kind: 'int', min: 1, fallback: 1 },
    ...timing(10),
  ],
  gathering: [
    { name: 'labels', kind: 'labels', fallback: 'person' },
    { name: 'minDwellSeconds', kind: 'seconds', fallback: 60 },
    { name: 'minObjects', kind: 'int', min: 2, fallback: 3 },
    radius,
    ...timing(15),
  ],
  parking: [
    { name: 'labels', kind: 'labels', fallback: 'car, truck, bus' },
    { name: 'maxSeconds', kind: 'seconds', required: true },
    radius,
    ...timing(30),
  ],
  street_vending: [
    { name: 'personLabels', kind: 'labels', fallback: 'person' },
    { name: 'cueLabels', kind: 'labels', fallback: 'umbrella, dining table, chair, …' },
    { name: 'nearDistance', kind: 'fraction', fallback: 0.05 },
    { name: 'minRegionArea', kind: 'fraction', fallback: 0.002 },
    { name: 'minDwellSeconds', kind: 'seconds', fallback: 60 },
    { name: 'minPeople', kind: 'int', min: 1, fallback: 1 },
    { name: 'cueBoost', kind: 'fraction', fallback: 0.15 },
    ...timing(30),
  ],
  occupation: [
    { name: 'minArea', kind: 'fraction', fallback: 0.002 },
    { name: 'minDwellSeconds', kind: 'seconds', fallback: 60 },
    { name: 'kinds', kind: 'choices', options: ['placed', 'removed'], fallback: 'placed' },
    { name: 'ignoreLabels', kind: 'labels' },
    ...timing(10),
  ],
  muck_truck: [
    { name: 'classifier', kind: 'id', required: true },
    { name: 'vehicleLabels', kind: 'labels', fallback: 'truck' },
    { name: 'minTrackFrames', kind: 'int', min: 1, fallback: 5 },
    { name: 'minBoxArea', kind: 'fraction', fallback: 0.01 },
    { name: 'confirmFrames', kind: 'int', min: 1, fallback: 3 },
    { name: 'uncoveredScore', kind: 'fraction', fallback: 0.5 },
    { name: 'uncoveredLabel', kind: 'text', fallback: 'uncovered' },
    ...timing(30),
  ],
  line_crossing: [
    { name: 'labels', kind: 'labels', required: true },
    { name: 'direction', kind: 'choice', options: ['any', 'a_to_b', 'b_to_a'], fallback: 'any' },
    ...timing(10),
  ],
};

/** Types that watch a zone (the others, line_crossing, watch a line). */
export const ZONE_TYPES = Object.keys(SCENARIO_FIELDS).filter((type) => type !== 'line_crossing');

/** A zone's filters (foundation/edge-config/zone-schema.ts). */
export const FILTER_FIELDS = [
  { name: 'labels', kind: 'labels' },
  { name: 'minScore', kind: 'fraction' },
  { name: 'minArea', kind: 'fraction' },
  { name: 'maxArea', kind: 'fraction' },
];

export const ID_PATTERN = /^[a-z0-9_-]{1,64}$/;

/** The form text of a field's config value. */
export function fieldText(value) {
  if (value === undefined || value === null) return '';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/**
 * A field's config value from its form text: `{value}` (undefined: leave the field out) or
 * `{problem}`, the i18n key of what is wrong with it.
 */
export function parseField(field, text) {
  const raw = text.trim();
  if (raw === '') return field.required ? { problem: 'zones.invalid.required' } : { value: undefined };
  switch (field.kind) {
    case 'labels':
    case 'choices': {
      const items = raw.split(/[,，]/).map((s) => s.trim());
      if (items.some((s) => s === '')) return { problem: 'zones.invalid.emptyLabel' };
      if (field.kind === 'choices' && items.some((s) => !field.options.includes(s)))
        return { problem: 'zones.invalid.choice' };
      return { value: items };
    }
    case 'choice':
      return field.options.includes(raw) ? { value: raw } : { problem: 'zones.invalid.choice' };
    case 'id':
      return ID_PATTERN.test(raw) ? { value: raw } : { problem: 'zones.invalid.id' };
    case 'text':
      return { value: raw };
    default:
      return parseNumber(field, raw);
  }
}

function parseNumber(field, raw) {
  const n = Number(raw);
  if (!Number.isFinite(n)) return { problem: 'zones.invalid.number' };
  if (field.kind === 'seconds') return n > 0 ? { value: n } : { problem: 'zones.invalid.positive' };
  if (field.kind === 'int')
    return Number.isInteger(n) && n >= field.min ? { value: n } : { problem: 'zones.invalid.int' };
  const low = field.positive ? n > 0 : n >= 0;
  return low && n <= 1 ? { value: n } : { problem: 'zones.invalid.fraction' };
}
