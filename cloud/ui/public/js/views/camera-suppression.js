import { api } from '../api.js';
import { h, replace, svg } from '../dom.js';
import { time } from '../format.js';
import { t } from '../i18n.js';

const REMOVERS = ['supervisor', 'admin'];

/**
 * A camera's suppression regions (learned from operators' "not an object" verdicts) drawn on its
 * latest snapshot, listed with their rejections, and removable by supervisors and admins.
 */
export async function renderSuppression(panel, ctx, edgeId, cameraId) {
  const path = `/cameras/${encodeURIComponent(edgeId)}/${encodeURIComponent(cameraId)}/suppression-regions`;
  const data = await api(path);
  const mayRemove = REMOVERS.includes(ctx.user?.role);
  const remove = async (region) => {
    if (!confirm(t('suppression.confirmRemove', { label: region.label }))) return;
    try {
      await api(`${path}/${region.id}`, { method: 'DELETE' });
      ctx.toast(t('suppression.removed'));
      await renderSuppression(panel, ctx, edgeId, cameraId);
    } catch (error) {
      ctx.fail(error);
    }
  };
  const boxes = svg(
    'svg',
    {
      class: 'suppression-boxes',
      viewBox: '0 0 1 1',
      preserveAspectRatio: 'none',
      style: 'position: absolute; inset: 0; width: 100%; height: 100%; pointer-events: none',
    },
    data.regions.map((r) =>
      svg('rect', {
        'data-region': r.id,
        class: `region-${r.status}`,
        x: r.box[0],
        y: r.box[1],
        width: r.box[2] - r.box[0],
        height: r.box[3] - r.box[1],
        fill: 'none',
        stroke: r.status === 'active' ? '#ff9f1c' : '#888',
        'stroke-width': 3,
        'vector-effect': 'non-scaling-stroke',
      }),
    ),
  );
  replace(
    panel,
    h('h3', {}, t('suppression.title', { camera: cameraId })),
    h(
      'p',
      { class: 'muted' },
      t('suppression.explain', { n: data.minRejections, days: data.expireAfterDays }),
    ),
    data.snapshot
      ? h(
          'div',
          { class: 'suppression-stage', style: 'position: relative; display: inline-block; max-width: 100%' },
          h('img', {
            class: 'suppression-snapshot',
            src: data.snapshot.url,
            alt: t('suppression.snapshot'),
            style: 'display: block; max-width: 100%',
          }),
          boxes,
        )
      : h('p', { class: 'muted' }, t('suppression.noSnapshot')),
    data.regions.length === 0
      ? h('p', { class: 'muted suppression-none' }, t('suppression.none'))
      : h(
          'ul',
          { class: 'suppression-regions' },
          data.regions.map((r) =>
            h(
              'li',
              { dataset: { region: r.id } },
              h('strong', {}, r.label),
              ` · ${t('suppression.rejections', { n: r.rejections })} · `,
              t(`suppression.status.${r.status}`),
              ` · ${t('suppression.lastMatched', { time: time(r.lastMatchedAt) })}`,
              mayRemove
                ? h(
                    'button',
                    { type: 'button', class: 'remove-region', onclick: () => remove(r) },
                    t('suppression.remove'),
                  )
                : null,
            ),
          ),
        ),
    data.removed.length > 0
      ? h(
          'details',
          {},
          h('summary', {}, t('suppression.removedList', { n: data.removed.length })),
          h(
            'ul',
            {},
            data.removed.map((r) =>
              h(
                'li',
                {},
                t('suppression.removedBy', { label: r.label, by: r.removedBy, time: time(r.removedAt) }),
              ),
            ),
          ),
        )
      : null,
  );
}
