import { h } from '../dom.js';
import { stateName, time } from '../format.js';
import { t } from '../i18n.js';

const faultName = (fault) => (fault ? t(`fault.${fault}`) : t('type.camera_fault'));

/** One fault of a camera: its name, since when, and its maintenance ticket. */
const faultItem = (f) =>
  h(
    'li',
    { dataset: { fault: f.fault ?? '' } },
    h('strong', {}, faultName(f.fault)),
    ` · ${t('health.since', { time: time(f.since) })}`,
    f.ticketId
      ? [' · ', h('a', { href: `#/tickets/${f.ticketId}` }, `#${f.ticketId}`), ` ${stateName(f.ticketState)}`]
      : '',
  );

/** The cameras by health, worst first, as GET /camera-health lists them (cloud/health/). */
export function cameraHealthCard(cameras) {
  return h(
    'section',
    { class: 'card camera-health' },
    h('h2', {}, t('dash.cameraHealth')),
    cameras.length === 0
      ? h('p', { class: 'muted' }, t('dash.none'))
      : h(
          'table',
          {},
          h(
            'tbody',
            {},
            cameras.map((c) =>
              h(
                'tr',
                { dataset: { camera: `${c.edgeId}/${c.cameraId}`, health: c.health } },
                h(
                  'td',
                  {},
                  h('strong', {}, c.name ?? c.cameraId),
                  h('div', { class: 'muted' }, `${c.edgeId} / ${c.cameraId}`),
                ),
                h('td', {}, h('span', { class: `badge health-${c.health}` }, t(`health.${c.health}`))),
                h(
                  'td',
                  {},
                  c.faults.length > 0 ? h('ul', {}, c.faults.map(faultItem)) : (c.sourceState ?? '—'),
                ),
              ),
            ),
          ),
        ),
  );
}
