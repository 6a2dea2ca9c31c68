import { h } from '../dom.js';
import { t } from '../i18n.js';

const percent = (value) => `${Math.round(value * 100)}%`;

/** The verdict badge of one truck: a valid permit, none (with the reasons), or cannot tell. */
function permitBadge(truck) {
  const state = truck.permitted === true ? 'ok' : truck.permitted === false ? 'none' : 'unknown';
  const reasons = truck.reasons.map((reason) => t(`permit.reason.${reason}`)).join(' · ');
  return h(
    'span',
    { class: `badge permit-${state}`, dataset: { permitted: String(truck.permitted) } },
    t(`permit.${state}`),
    reasons ? ` (${reasons})` : null,
  );
}

function truckRow(truck) {
  return h(
    'tr',
    { dataset: { plate: truck.plate } },
    h('td', { class: 'plate' }, truck.plate, ' ', h('span', { class: 'muted' }, percent(truck.confidence))),
    h('td', {}, truck.company ?? '—'),
    h('td', {}, truck.permitNumber ?? '—'),
    h('td', {}, permitBadge(truck)),
    h('td', {}, truck.deviceId ?? '—'),
  );
}

function candidateRow(vehicle) {
  return h(
    'tr',
    {},
    h('td', { class: 'plate' }, vehicle.plate ?? '—'),
    h('td', {}, vehicle.deviceId),
    h('td', {}, `${Math.round(vehicle.distanceMeters)} m`),
    h('td', {}, t(`vehicle.cover.${vehicle.cover}`)),
  );
}

/**
 * The trucks a muck-truck ticket names: by the plates the edge read, with the permit registry's
 * company and verdict; without a plate, the trucks telemetry placed near the camera. Null when the
 * ticket names neither.
 */
export function trucksCard(ticket) {
  if (ticket.trucks?.length) {
    return h(
      'section',
      { class: 'card wide trucks' },
      h('h2', {}, t('trucks.title')),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['trucks.plate', 'trucks.company', 'trucks.permitNumber', 'trucks.permit', 'trucks.device'].map(
              (key) => h('th', {}, t(key)),
            ),
          ),
        ),
        h('tbody', {}, ticket.trucks.map(truckRow)),
      ),
    );
  }
  if (!ticket.vehicles?.length) return null;
  return h(
    'section',
    { class: 'card wide trucks' },
    h('h2', {}, t('trucks.candidates')),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['trucks.plate', 'trucks.device', 'trucks.distance', 'trucks.cover'].map((key) =>
            h('th', {}, t(key)),
          ),
        ),
      ),
      h('tbody', {}, ticket.vehicles.map(candidateRow)),
    ),
  );
}
