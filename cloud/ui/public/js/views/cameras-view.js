import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { renderSuppression } from './camera-suppression.js';

/** The roles that may change an edge's configuration (the API's fleet routes say the same). */
const ZONE_EDITORS = ['supervisor', 'admin'];

/** The camera registry with each camera's health from its edge, and its live view through the edge's relay. */
export async function renderCameras(root, ctx) {
  const [cameras, edges, links] = await Promise.all([api('/cameras'), api('/edges'), api('/edge-links')]);
  const health = new Map(
    edges.flatMap((e) =>
      (e.status?.cameras ?? []).map((c) => [`${e.edgeId}/${c.id}`, { ...c, edgeState: e.state }]),
    ),
  );
  const player = h('div', { class: 'live-player' });
  const mayEditZones = ZONE_EDITORS.includes(ctx.user?.role);
  const edgeIds = [...new Set([...cameras.map((c) => c.edgeId), ...edges.map((e) => e.edgeId)])];
  const rows = edgeIds.flatMap((edgeId) => {
    const known = cameras.filter((c) => c.edgeId === edgeId).map((c) => c.id);
    const reported = [...health.keys()]
      .filter((k) => k.startsWith(`${edgeId}/`))
      .map((k) => k.slice(edgeId.length + 1));
    return [...new Set([...known, ...reported])].map((id) => ({
      edgeId,
      id,
      camera: cameras.find((c) => c.edgeId === edgeId && c.id === id),
    }));
  });
  replace(
    root,
    h(
      'div',
      { class: 'cameras-layout' },
      h(
        'table',
        { class: 'cameras' },
        h(
          'tbody',
          {},
          rows.map(({ edgeId, id, camera }) => {
            const state = health.get(`${edgeId}/${id}`);
            const link = links[edgeId];
            return h(
              'tr',
              { dataset: { camera: id } },
              h('td', {}, h('strong', {}, id), h('div', { class: 'muted' }, camera?.name ?? '')),
              h('td', {}, edgeId),
              h(
                'td',
                { class: state ? `cam-${state.state}` : 'muted' },
                state
                  ? `${state.state}${state.edgeState === 'offline' ? ` (${t('edge.offline')})` : ''}`
                  : t('cameras.unknown'),
              ),
              h(
                'td',
                {},
                link
                  ? h(
                      'button',
                      {
                        type: 'button',
                        class: 'live-open',
                        onclick: () => openLive(`${link}/cameras/${encodeURIComponent(id)}/live`),
                      },
                      t('cameras.live'),
                    )
                  : h('span', { class: 'muted' }, t('cameras.noLink', { edge: edgeId })),
              ),
              h(
                'td',
                {},
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'suppression-open',
                    onclick: () => renderSuppression(player, ctx, edgeId, id).catch(ctx.fail),
                  },
                  t('suppression.open'),
                ),
                mayEditZones
                  ? h(
                      'a',
                      {
                        class: 'zones-open',
                        href: `#/cameras/${encodeURIComponent(edgeId)}/${encodeURIComponent(id)}/zones`,
                      },
                      t('zones.open'),
                    )
                  : null,
              ),
            );
          }),
        ),
      ),
      player,
    ),
  );

  function openLive(url) {
    replace(
      player,
      h('iframe', { src: url, title: t('cameras.live'), allow: 'autoplay' }),
      h('a', { href: url, target: '_blank', rel: 'noopener' }, url),
    );
  }
}
