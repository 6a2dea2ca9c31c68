import { api } from '../api.js';
import { h, replace } from '../dom.js';
import {
  deadline,
  loadPlaces,
  loadVocabulary,
  placeNames,
  placeOf,
  stateName,
  time,
  typeName,
} from '../format.js';
import { t } from '../i18n.js';
import { filterBar, followTickets, readFilters, ticketQuery } from '../ticket-filters.js';

/** All tickets, newest first, filtered by street, type, state and overdue; a row opens the ticket. */
export async function renderTickets(root, ctx) {
  const names = await placeNames();
  const places = await loadPlaces();
  const table = h('div');
  const bar = filterBar(places, await loadVocabulary(), () => load().catch(ctx.fail));
  replace(root, bar, table);

  async function load() {
    const { total, tickets } = await api(`/tickets?${ticketQuery(readFilters(bar))}&limit=200`);
    replace(
      table,
      h('p', { class: 'muted' }, t('tickets.count', { n: total })),
      h(
        'table',
        { class: 'tickets' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [
              'col.id',
              'col.type',
              'col.state',
              'col.level',
              'col.place',
              'col.department',
              'col.due',
              'col.created',
            ].map((k) => h('th', {}, t(k))),
          ),
        ),
        h(
          'tbody',
          {},
          tickets.map((ticket) =>
            h(
              'tr',
              {
                dataset: { ticketId: ticket.id },
                class: ticket.overdue ? 'late' : undefined,
                onclick: () => ctx.navigate(`#/tickets/${ticket.id}`),
              },
              h('td', {}, h('a', { href: `#/tickets/${ticket.id}` }, `#${ticket.id}`)),
              h('td', {}, typeName(ticket.category)),
              h('td', {}, h('span', { class: `badge state-${ticket.state}` }, stateName(ticket.state))),
              h('td', {}, `L${ticket.level}`),
              h('td', {}, placeOf(ticket, names)),
              h('td', {}, ticket.department),
              h('td', {}, deadline(ticket)),
              h('td', {}, time(ticket.createdAt)),
            ),
          ),
        ),
      ),
    );
  }
  return followTickets(ctx, load);
}
