import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { deadline, percent, placeNames, stateName, time, typeName } from '../format.js';
import { t } from '../i18n.js';
import { cameraHealthCard } from './camera-health-card.js';

const tile = (key, value, name) =>
  h(
    'div',
    { class: 'tile', dataset: { figure: name } },
    h('span', { class: 'value' }, value),
    h('span', { class: 'label' }, t(key)),
  );

/** Headline figures: counts, closure and on-time rates, overdue tickets, false alarms, edge health. */
export async function renderDashboard(root, ctx) {
  const names = await placeNames();

  async function load() {
    const [[all], byStreet, falseAlarms, edges, overdue, cameraHealth] = await Promise.all([
      api('/statistics/tickets'),
      api('/statistics/tickets?groupBy=street'),
      api('/statistics/false-alarms'),
      api('/edges'),
      api('/tickets?overdue=true&limit=20'),
      api('/camera-health'),
    ]);
    const totals = all ?? {
      total: 0,
      open: 0,
      closed: 0,
      rejected: 0,
      overdueNow: 0,
      closureRate: null,
      onTimeRate: null,
    };
    const falseTable = (by) =>
      h(
        'table',
        { class: 'false-alarms', dataset: { by } },
        h(
          'tbody',
          {},
          falseAlarms
            .filter((r) => r.by === by)
            .map((r) =>
              h(
                'tr',
                { dataset: { key: r.key } },
                h('td', {}, r.key),
                h('td', { class: 'rate' }, percent(r.falseAlarmRate)),
                h(
                  'td',
                  { class: 'muted' },
                  t('dash.reviewed', { rejected: r.rejected, reviewed: r.confirmed + r.rejected }),
                ),
              ),
            ),
        ),
      );
    replace(
      root,
      h(
        'div',
        { class: 'tiles' },
        tile('dash.total', totals.total, 'total'),
        tile('dash.open', totals.open, 'open'),
        tile('dash.closed', totals.closed, 'closed'),
        tile('dash.rejected', totals.rejected, 'rejected'),
        tile('dash.closureRate', percent(totals.closureRate), 'closure-rate'),
        tile('dash.onTimeRate', percent(totals.onTimeRate), 'on-time-rate'),
        tile('dash.overdue', totals.overdueNow, 'overdue'),
      ),
      h(
        'div',
        { class: 'dash-grid' },
        cameraHealthCard(cameraHealth),
        h(
          'section',
          { class: 'card' },
          h('h2', {}, t('dash.byStreet')),
          h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['filter.street', 'dash.closed', 'dash.closureRate', 'dash.onTimeRate'].map((k) =>
                  h('th', {}, t(k)),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              byStreet.map((r) =>
                h(
                  'tr',
                  {},
                  h('td', {}, names.get(r.group.street) ?? r.group.street ?? '—'),
                  h('td', {}, `${r.closed}/${r.total}`),
                  h('td', {}, percent(r.closureRate)),
                  h('td', {}, percent(r.onTimeRate)),
                ),
              ),
            ),
          ),
        ),
        h(
          'section',
          { class: 'card' },
          h('h2', {}, `${t('dash.falseAlarms')} · ${t('dash.perCamera')}`),
          falseTable('camera'),
          h('h2', {}, `${t('dash.falseAlarms')} · ${t('dash.perModel')}`),
          falseTable('model'),
        ),
        h(
          'section',
          { class: 'card' },
          h('h2', {}, t('dash.overdueList')),
          overdue.tickets.length === 0
            ? h('p', { class: 'muted' }, t('dash.none'))
            : h(
                'ul',
                {},
                overdue.tickets.map((tk) =>
                  h(
                    'li',
                    {},
                    h('a', { href: `#/tickets/${tk.id}` }, `#${tk.id} ${typeName(tk.category)}`),
                    ` · ${stateName(tk.state)} · `,
                    h('span', { class: 'late' }, deadline(tk)),
                  ),
                ),
              ),
        ),
        h(
          'section',
          { class: 'card' },
          h('h2', {}, t('dash.edges')),
          h(
            'ul',
            { class: 'edges' },
            edges.map((e) =>
              h(
                'li',
                { dataset: { edge: e.edgeId, state: e.state } },
                h('strong', {}, e.edgeId),
                ' ',
                h('span', { class: `badge edge-${e.state}` }, t(`edge.${e.state}`)),
                ` · ${time(e.updatedAt)}`,
                h(
                  'ul',
                  {},
                  (e.status?.cameras ?? []).map((c) =>
                    h(
                      'li',
                      { class: `cam-${c.state}` },
                      `${c.id}: ${c.state}`,
                      c.lastFrameTime
                        ? ` · ${t('cameras.lastFrame', { time: time(new Date(c.lastFrameTime).toISOString()) })}`
                        : '',
                      c.lastError ? ` · ${c.lastError}` : '',
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }
  let pending;
  ctx.onLive(() => {
    clearTimeout(pending);
    pending = setTimeout(() => load().catch(ctx.fail), 500);
  });
  await load();
  return () => clearTimeout(pending);
}
