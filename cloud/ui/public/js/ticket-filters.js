import { h } from './dom.js';
import { stateName, typeName } from './format.js';
import { t } from './i18n.js';

const select = (name, options, label) =>
  h(
    'label',
    {},
    t(label),
    h(
      'select',
      { name },
      h('option', { value: '' }, t('tickets.all')),
      options.map(([value, text]) => h('option', { value }, text)),
    ),
  );

/** Street, type, state and overdue filters (types and states from the vocabulary); `onChange` when any changes. */
export function filterBar(places, vocabulary, onChange) {
  const streets = places.features
    .filter((f) => f.properties.level === 'street')
    .map((f) => [f.properties.id, f.properties.name]);
  return h(
    'form',
    { class: 'filters', onchange: onChange, onsubmit: (e) => e.preventDefault() },
    select('street', streets, 'filter.street'),
    select(
      'type',
      vocabulary.eventTypes.map((v) => [v, typeName(v)]),
      'filter.type',
    ),
    select(
      'state',
      vocabulary.ticketStates.map((v) => [v, stateName(v)]),
      'filter.state',
    ),
    h('label', {}, h('input', { type: 'checkbox', name: 'overdue' }), t('tickets.overdueOnly')),
  );
}

export function readFilters(form) {
  const data = new FormData(form);
  return {
    street: String(data.get('street') ?? ''),
    type: String(data.get('type') ?? ''),
    state: String(data.get('state') ?? ''),
    overdue: data.get('overdue') === 'on',
  };
}

/** The /tickets query of the filters (the server filters; nothing is dropped client-side). */
export function ticketQuery(filters) {
  const q = new URLSearchParams();
  if (filters.street) q.set('place', filters.street);
  if (filters.type) q.set('category', filters.type);
  if (filters.state) q.set('state', filters.state);
  if (filters.overdue) q.set('overdue', 'true');
  return q.toString();
}

/** Loads the view now, and again (a moment after the last) whenever a ticket changes; returns its cleanup. */
export async function followTickets(ctx, load) {
  let pending;
  ctx.onLive((kind) => {
    if (!kind.startsWith('ticket.')) return;
    clearTimeout(pending);
    pending = setTimeout(() => load().catch(ctx.fail), 250);
  });
  await load();
  return () => clearTimeout(pending);
}
