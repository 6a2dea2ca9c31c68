import { h } from '../dom.js';
import { hasText, t } from '../i18n.js';
import {
  FILTER_FIELDS,
  fieldText,
  ID_PATTERN,
  parseField,
  SCENARIO_FIELDS,
  ZONE_TYPES,
} from './scenario-fields.js';
import { polygonProblem } from './zone-geometry.js';
import { linesOf, placeObjects } from './zone-overlay.js';

const NAME_FIELD = { name: 'name', kind: 'id' };
const LINE_NAME_FIELD = { name: 'name', kind: 'id', required: true };

/** What a new scenario of each type starts with besides its zone: its required fields. */
const STARTERS = {
  loitering: { labels: ['person'], minDwellSeconds: 15 },
  parking: { maxSeconds: 60 },
  muck_truck: {},
};

/**
 * The side panel's forms: the selected zone's name, filters and the scenarios watching it, or the
 * selected line's scenario. Each field keeps what was typed (`texts`) until it is valid; a valid
 * value goes into the camera's config at once, an invalid one is shown with its problem, and
 * `problems()` lists everything that keeps the config from being saved, each named.
 */
export function createForms(state, changed) {
  /** Per config object (zone, its filters, a scenario): field name → the text typed. */
  const texts = new Map();

  const typed = (owner, name) => texts.get(owner)?.get(name);
  function setTyped(owner, name, text) {
    if (!texts.has(owner)) texts.set(owner, new Map());
    texts.get(owner).set(name, text);
  }

  /** The field's problem key, from what was typed or (untouched) from the config's value. */
  function problemOf(owner, field) {
    const text = typed(owner, field.name);
    if (text !== undefined) {
      const parsed = parseField(field, text);
      if (parsed.problem) return parsed.problem;
      // A valid zone name that did not take: another zone of the camera has it.
      if (owner.points && field.name === 'name' && parsed.value !== owner.name)
        return 'zones.invalid.duplicate';
      return undefined;
    }
    return field.required && owner[field.name] === undefined ? 'zones.invalid.required' : undefined;
  }

  function write(owner, field, text) {
    setTyped(owner, field.name, text);
    const parsed = parseField(field, text);
    if (parsed.problem) return;
    if (field.name === 'name' && owner.points) return renameZone(owner, parsed.value);
    if (parsed.value === undefined) delete owner[field.name];
    else owner[field.name] = parsed.value;
  }

  function renameZone(zone, name) {
    if (state.camera.zones.some((z) => z !== zone && z.name === name)) return;
    for (const s of state.camera.scenarios) if (s.zone === zone.name) s.zone = name;
    zone.name = name;
  }

  function input(owner, field, helpKey, id) {
    const problem = problemOf(owner, field);
    const text = typed(owner, field.name) ?? fieldText(owner[field.name]);
    const attrs = {
      id,
      name: field.name,
      value: text,
      placeholder: field.fallback === undefined ? '' : String(field.fallback),
      'aria-invalid': problem ? 'true' : 'false',
      'aria-describedby': `${id}-help`,
      onchange: (e) => {
        write(owner, field, e.target.value);
        changed({ focus: `#${id}` });
      },
    };
    const control =
      field.kind === 'choice'
        ? h(
            'select',
            attrs,
            field.options.map((o) => h('option', { value: o, selected: o === text }, o)),
          )
        : h('input', attrs);
    return h(
      'div',
      { class: `field${problem ? ' invalid' : ''}`, dataset: { field: field.name } },
      h('label', { for: id }, `${field.name}${field.required ? ' *' : ''}`),
      control,
      h('small', { id: `${id}-help`, class: 'help' }, t(helpKey)),
      problem ? h('small', { class: 'problem', role: 'alert' }, t(problem)) : null,
    );
  }

  function scenarioFieldset(scenario, index) {
    const fields = SCENARIO_FIELDS[scenario.type] ?? [];
    const prefix = `scn-${index}`;
    const nameField = scenario.type === 'line_crossing' ? LINE_NAME_FIELD : NAME_FIELD;
    return h(
      'fieldset',
      { class: 'scenario-form', dataset: { scenario: String(index), type: scenario.type } },
      h('legend', {}, `${t(`type.${scenario.type}`)} (${scenario.type})`),
      h('p', { class: 'help' }, t(`zones.about.${scenario.type}`)),
      input(scenario, nameField, 'zones.help.scenarioName', `${prefix}-name`),
      fields.map((f) => input(scenario, f, helpKey(scenario.type, f.name), `${prefix}-${f.name}`)),
      h(
        'button',
        {
          type: 'button',
          class: 'remove-scenario',
          onclick: () => {
            state.camera.scenarios.splice(index, 1);
            if (state.selected?.kind === 'line') state.selected = undefined;
            changed();
          },
        },
        t(scenario.type === 'line_crossing' ? 'zones.deleteLine' : 'zones.removeScenario'),
      ),
    );
  }

  function zonePanel(zone) {
    zone.filters ??= {};
    const watching = state.camera.scenarios.flatMap((s, i) => (s.zone === zone.name ? [[s, i]] : []));
    const placed = placeObjects(state.objects, zone.points);
    const typeSelect = h(
      'select',
      { class: 'new-scenario-type', 'aria-label': t('zones.scenarioType') },
      ZONE_TYPES.map((type) => h('option', { value: type }, `${t(`type.${type}`)} (${type})`)),
    );
    return [
      h('h3', {}, t('zones.zoneTitle', { name: zone.name })),
      h(
        'p',
        { class: 'preview' },
        t('zones.preview', { n: placed.filter((o) => o.inside).length, total: placed.length }),
      ),
      input(zone, { ...NAME_FIELD, required: true }, 'zones.help.zoneName', 'zone-name'),
      h(
        'fieldset',
        { class: 'filters-form' },
        h('legend', {}, t('zones.filters')),
        FILTER_FIELDS.map((f) => input(zone.filters, f, `zones.help.filter.${f.name}`, `filter-${f.name}`)),
      ),
      h('h4', {}, t('zones.scenarios')),
      watching.length === 0 ? h('p', { class: 'muted' }, t('zones.noScenarios')) : null,
      watching.map(([s, i]) => scenarioFieldset(s, i)),
      h(
        'div',
        { class: 'add-scenario' },
        typeSelect,
        h(
          'button',
          {
            type: 'button',
            class: 'add-scenario-button',
            onclick: () => {
              const type = typeSelect.value;
              state.camera.scenarios.push({
                type,
                zone: zone.name,
                ...structuredClone(STARTERS[type] ?? {}),
              });
              changed({ focus: `[data-scenario="${state.camera.scenarios.length - 1}"] input` });
            },
          },
          t('zones.addScenario'),
        ),
      ),
    ];
  }

  /** The panel for what is selected (or the how-to when nothing is). */
  function panel() {
    const { selected, camera } = state;
    if (selected?.kind === 'zone' && camera.zones[selected.index])
      return zonePanel(camera.zones[selected.index]);
    if (selected?.kind === 'line' && camera.scenarios[selected.index])
      return [
        h('h3', {}, t('zones.lineTitle', { name: camera.scenarios[selected.index].name ?? '' })),
        scenarioFieldset(camera.scenarios[selected.index], selected.index),
      ];
    return [h('h3', {}, t('zones.howTitle')), h('p', { class: 'help how-to' }, t('zones.howTo'))];
  }

  /** Everything that keeps the camera's config from being saved, each naming its zone or scenario and field. */
  function problems() {
    const found = [];
    const add = (where, field, key, vars) => found.push(`${where}: ${field}: ${t(key, vars)}`);
    const check = (owner, fields, where, prefix = '') => {
      for (const f of fields) {
        const key = problemOf(owner, f);
        if (key) add(where, `${prefix}${f.name}`, key);
      }
    };
    const zoneNames = new Set();
    for (const zone of state.camera.zones) {
      const where = t('zones.where.zone', { name: zone.name });
      check(zone, [{ ...NAME_FIELD, required: true }], where);
      if (zoneNames.has(zone.name)) add(where, 'name', 'zones.invalid.duplicate');
      zoneNames.add(zone.name);
      const outline = polygonProblem(zone.points);
      if (outline) add(where, 'points', outline.key, outline.vars);
      const filters = zone.filters ?? {};
      check(filters, FILTER_FIELDS, where, 'filters.');
      if (filters.minArea !== undefined && filters.maxArea !== undefined && filters.minArea > filters.maxArea)
        add(where, 'filters.maxArea', 'zones.invalid.maxArea');
    }
    const scenarioNames = new Set();
    state.camera.scenarios.forEach((s, i) => {
      const name = s.name ?? `${s.type}_${s.zone ?? ''}`;
      const where = t('zones.where.scenario', { n: i + 1, name });
      if (!SCENARIO_FIELDS[s.type]) return;
      check(
        s,
        [s.type === 'line_crossing' ? LINE_NAME_FIELD : NAME_FIELD, ...SCENARIO_FIELDS[s.type]],
        where,
      );
      if (scenarioNames.has(name)) add(where, 'name', 'zones.invalid.duplicate');
      scenarioNames.add(name);
      if (s.zone !== undefined && !state.camera.zones.some((z) => z.name === s.zone))
        add(where, 'zone', 'zones.invalid.noZone', { zone: s.zone });
    });
    for (const { scenario, index } of linesOf(state.camera)) {
      const [a, b] = scenario.line;
      if (a[0] === b[0] && a[1] === b[1])
        add(
          t('zones.where.scenario', { n: index + 1, name: scenario.name }),
          'line',
          'zones.invalid.lineEnds',
        );
    }
    return found;
  }

  return { panel, problems, forget: () => texts.clear(), validName: (name) => ID_PATTERN.test(name) };
}

/** A field's help: the type's own text for it, else the text the types share. */
function helpKey(type, field) {
  const own = `zones.help.${type}.${field}`;
  return hasText(own) ? own : `zones.help.${field}`;
}
